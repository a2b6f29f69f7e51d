"""The action's deploy step, run by bash as a runner would, against the local AWS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_project import create_service, push, service, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e
ACTION = Path(__file__).resolve().parents[2] / "action.yml"


def run_step(aws: LocalAWS, project: Path, tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    doc: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    step = next(s for s in doc["runs"]["steps"] if s.get("id") == "deploy")
    defaults = {name: str(spec.get("default", "")) for name, spec in doc["inputs"].items()}
    values = {**defaults, **inputs}
    env = {k: values[str(v)[len("${{ inputs.") : -len(" }}")]] for k, v in step["env"].items()}
    output = tmp_path / "github_output"
    output.write_text("")
    bin_dir = str(Path(sys.executable).parent)
    environ = {
        **os.environ,
        **aws.env(),
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "ECSFLOW_CLOCK": "endpoint",
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp_path),
        "CI": "true",
    }
    environ.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.run(
        ["bash", "-c", step["run"]],
        check=False,
        cwd=project.parent,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc.returncode, outputs, proc.stdout + proc.stderr


def test_the_step_deploys_and_sets_the_outputs(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:
    create_service(local_aws, local_world)
    push(local_aws, "v2")
    project = write_project(tmp_path, local_aws, local_world)
    code, outputs, text = run_step(local_aws, project, tmp_path, services="web", tag="v2", timeout="10m")
    assert code == ExitCode.OK, text
    assert outputs["outcome"] == "succeeded"
    assert outputs["task-definition-arn"] == service(local_aws)["taskDefinition"]
    assert outputs["deployment-id"].startswith("ecs-svc/")
    assert outputs["exit-code"] == "0"


@pytest.mark.local_aws(scenario={"failing_images": ["*:broken*"]})
def test_a_rollback_fails_the_step_and_still_sets_the_outputs(
    local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_service(local_aws, local_world)
    push(local_aws, "broken")
    project = write_project(tmp_path, local_aws, local_world)
    code, outputs, text = run_step(local_aws, project, tmp_path, services="web", tag="broken")
    assert code == ExitCode.ROLLED_BACK, text
    assert (outputs["outcome"], outputs["exit-code"]) == ("rolled_back", "4")
    assert outputs["deployment-id"].startswith("ecs-svc/")


def test_bad_input_is_exit_2_with_outcome_error(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:
    project = write_project(tmp_path, local_aws, local_world)
    code, outputs, text = run_step(local_aws, project, tmp_path, services="web", tag="v2", revision="3")
    assert code == ExitCode.INVALID, text
    assert outputs["outcome"] == "error"


def test_multi_line_inputs_and_dry_run(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:
    create_service(local_aws, local_world)
    digest = push(local_aws, "v3")
    project = write_project(tmp_path, local_aws, local_world)
    images = f"  {local_world.container}={local_world.repository_uri}:v3  \n\n"
    code, outputs, text = run_step(
        local_aws, project, tmp_path, services="web", images=images, vars="A=1\nB=2\n", **{"dry-run": "true"}
    )
    assert code == ExitCode.OK, text
    assert outputs["outcome"] == "not_started"
    assert digest in text  # the plan pins the tag
    assert service(local_aws)["taskDefinition"] == local_world.task_definition_arn
