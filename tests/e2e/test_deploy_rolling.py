"""ecsflow deploy / wait end to end on the local AWS, through the CLI in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy_project import create_service, push, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Follow the local AWS's clock: polls cost no wall time, intervals and deadlines still apply.
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def deploy(run_cli, aws: LocalAWS, config: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", "deploy", *args)


def result_of(out: str) -> dict:  # type: ignore[type-arg]
    lines = [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]
    return next(line for line in reversed(lines) if "result" in line or "results" in line)


def test_deploy_succeeds_with_pinned_digest(run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    create_service(local_aws, local_world)
    digest = push(local_aws, "v2")
    config = write_project(tmp_path, local_aws, local_world)
    code, out, err = deploy(run_cli, local_aws, config, "web", "--tag", "v2")
    assert code == ExitCode.OK, out + err
    svc = local_aws.client("ecs").describe_services(cluster="demo", services=["web"])["services"][0]
    td = local_aws.client("ecs").describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == f"{local_world.repository_uri}:v2@{digest}"
