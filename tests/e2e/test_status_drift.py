"""``ecsflow status`` against the local AWS: steady, a revision registered outside ecsflow, file drift.

Each test builds the example world once and walks several states (world setup dominates the time).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_project import create_service, running_body, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


def _status(run_cli, aws: LocalAWS, config: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), *args)


def test_steady_then_revision_registered_outside_ecsflow(  # type: ignore[no-untyped-def]
    run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    config = write_project(tmp_path, local_aws, local_world)
    # Before the service exists: reported, and --check fails.
    code, out, _ = _status(run_cli, local_aws, config, "status", "--check")
    assert code == ExitCode.DRIFT and "missing" in out

    create_service(local_aws, local_world)
    code, out, err = _status(run_cli, local_aws, config, "status", "--check")
    assert code == 0, out + err
    assert "steady" in out and "web:1" in out
    assert local_world.image_digest in out  # the digest ECS resolved for the running revision

    # Someone registers a revision by hand (the CodePipeline-ignores-new-revisions case).
    body = running_body(local_aws, local_world)
    local_aws.client("ecs").register_task_definition(
        family="web",
        containerDefinitions=body["containerDefinitions"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
    )
    code, out, _ = _status(run_cli, local_aws, config, "status", "--check")
    assert code == ExitCode.DRIFT
    assert "web:2 (registered outside ecsflow) is newer than web:1" in out
    assert "drift in 1 service(s): web" in out
    code, _, _ = _status(run_cli, local_aws, config, "status")  # without --check: a report, exit 0
    assert code == 0

    code, _, err = _status(run_cli, local_aws, config, "status", "nope")
    assert code == ExitCode.INVALID
    assert "unknown service 'nope'" in err


def test_file_drift_as_json_masks_secrets(run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world, environment=[{"name": "API_TOKEN", "value": "tok-123456"}])
    code, out, _ = _status(run_cli, local_aws, config, "--output", "json", "status", "--check")
    assert code == ExitCode.DRIFT
    doc = json.loads(out)
    (web,) = doc["services"]
    assert [d["kind"] for d in web["drift"]] == ["file"]
    assert web["file_changes"] == [
        {
            "path": "containerDefinitions[web].environment",
            "kind": "added",
            "before": None,
            "after": [{"name": "API_TOKEN", "value": "****"}],
        }
    ]
    assert "tok-123456" not in out
