"""What ``status``/``diff`` compare with: the template rendered, images taken from what runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecsflow.cli.service_targets import rendered_file
from ecsflow.config import load_config
from ecsflow.errors import RenderError

RUNNING = {
    "family": "web",
    "containerDefinitions": [
        {"name": "app", "image": "1.dkr.ecr.us-east-1.amazonaws.com/app:v7@sha256:" + "c" * 64},
        {"name": "proxy", "image": "envoy:1.30"},
        {"name": "job", "image": "job:3"},
    ],
}


def _project(tmp_path: Path, images: dict[str, str], *, config_images: str = "") -> Path:
    body = {
        "family": "web",
        "containerDefinitions": [
            {"name": "app", "image": images["app"], "environment": [{"name": "STAGE", "value": "${STAGE}"}]},
            {"name": "proxy", "image": images["proxy"]},
            {"name": "job", "image": images["job"]},
        ],
    }
    (tmp_path / "taskdef.json").write_text(json.dumps(body))
    (tmp_path / "ecsflow.yml").write_text(
        "version: 1\nvariables:\n  STAGE: prod\nservices:\n  web:\n    cluster: c\n    task_definition: taskdef.json\n"
        + config_images
    )
    return tmp_path / "ecsflow.yml"


def test_images_that_come_with_each_deploy_are_taken_from_the_running_revision(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path, {"app": "<IMAGE1_NAME>", "proxy": "envoy:1.30", "job": "job:${JOB_TAG}"}))
    found = rendered_file(config, config.services["web"], RUNNING, environ={})
    assert found is not None
    _, body = found
    images = [c["image"] for c in body["containerDefinitions"]]
    assert images == [RUNNING["containerDefinitions"][0]["image"], "envoy:1.30", "job:3"]
    assert body["containerDefinitions"][0]["environment"] == [{"name": "STAGE", "value": "prod"}]


def test_configured_repository_and_pinned_tag_count_as_running_but_a_new_image_does_not(tmp_path: Path) -> None:
    app = "1.dkr.ecr.us-east-1.amazonaws.com/app:v7"  # the tag the running revision pinned
    config = load_config(
        _project(
            tmp_path, {"app": app, "proxy": "envoy:1.31", "job": "job:1"}, config_images="    images:\n      job: job\n"
        )
    )
    found = rendered_file(config, config.services["web"], RUNNING, environ={})
    assert found is not None
    images = [c["image"] for c in found[1]["containerDefinitions"]]
    assert images == [RUNNING["containerDefinitions"][0]["image"], "envoy:1.31", "job:3"]


def test_a_missing_variable_outside_images_is_an_error(tmp_path: Path) -> None:
    path = _project(tmp_path, {"app": "<IMAGE1_NAME>", "proxy": "envoy:1.30", "job": "job:3"})
    text = path.read_text().replace("variables:\n  STAGE: prod\n", "")
    path.write_text(text)
    config = load_config(path)
    with pytest.raises(RenderError, match="cannot render"):
        rendered_file(config, config.services["web"], RUNNING, environ={})
