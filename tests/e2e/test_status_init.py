"""``ecsflow init`` imports a live service; ``status``/``diff`` then see no drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_project import create_service

from ecsflow.config import load_config
from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


def test_init_imports_a_service_and_never_overwrites(  # type: ignore[no-untyped-def]
    run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_service(local_aws, local_world)
    config = tmp_path / "ecsflow.yml"
    config.write_text("# our services\nversion: 1\nservices:\n  api:\n    cluster: demo\n    service: api\n")
    args = ["--endpoint-url", local_aws.endpoint_url, "-c", str(config)]
    code, out, err = run_cli(*args, "init", "--cluster", "demo", "--service", "web", "--file", "web.json")
    assert code == 0, out + err
    body = json.loads((tmp_path / "web.json").read_text())
    assert body["family"] == "web"
    assert "revision" not in body and "taskDefinitionArn" not in body and "registeredAt" not in body
    assert body["containerDefinitions"][0]["image"] == local_world.image
    text = config.read_text()
    assert text.startswith("# our services\n")  # comments and layout stay
    project = load_config(config)
    assert set(project.services) == {"api", "web"}
    web = project.services["web"]
    assert (web.cluster, web.service, web.task_definition) == ("demo", "web", "web.json")
    assert dict(web.images) == {"web": local_world.repository_uri}

    code, out, _ = run_cli(*args, "diff", "web", "--detailed-exitcode")
    assert code == 0 and "no changes" in out

    # Neither the file nor the entry is overwritten without --force.
    code, _, err = run_cli(*args, "init", "--cluster", "demo", "--service", "web", "--file", "web.json")
    assert code == ExitCode.INVALID and "exists already" in err
    code, _, err = run_cli(*args, "init", "--cluster", "demo", "--service", "web", "--file", "other.json")
    assert code == ExitCode.INVALID and "has a service 'web' already" in err
    assert not (tmp_path / "other.json").exists()
    code, _, err = run_cli(
        *args, "init", "--cluster", "demo", "--service", "web", "--file", "web.json", "--image-placeholder", "--force"
    )
    assert code == 0, err
    assert json.loads((tmp_path / "web.json").read_text())["containerDefinitions"][0]["image"] == "<IMAGE1_NAME>"
    assert set(load_config(config).services) == {"api", "web"}

    code, _, err = run_cli(*args, "init", "--cluster", "demo", "--service", "nope", "--file", "x.json")
    assert code == ExitCode.FAILED and "service nope not found" in err
