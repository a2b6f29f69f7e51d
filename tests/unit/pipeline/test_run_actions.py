"""``run`` actions (a shell command, a one-off ECS task with a fake port and a fake clock) and
``build`` actions (the real buildspec runner in a temporary folder)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ecsflow.config import ProjectConfig, parse_config
from ecsflow.config.pipelines import PipelineConfig
from ecsflow.errors import ArtifactError, ExitCode
from ecsflow.events import Event
from ecsflow.pipeline.actions import BuildHandler, CommandHandler
from ecsflow.pipeline.run_record import FAILED, SUCCEEDED, ArtifactRecord
from ecsflow.pipeline.stages import ActionContext
from ecsflow.pipeline.task_action import POLL, TaskHandler
from ecsflow.pipeline.variables import VariableScope
from ecsflow.ports import ContainerState, TaskInfo
from fakes import FakeClock

CONFIG = """
services:
  web: {task_definition: taskdef.json, cluster: demo}
pipelines:
  p:
    variables: {TAG: v1}
    stages:
      - name: S
        actions:
          - {name: Migrate, run: {task: {service: web, container: app, command: [manage, "migrate-#{variables.TAG}"]}}}
          - {name: Check, run: "echo tag=$TAG run=#{codepipeline.PipelineExecutionId}; exit 3"}
          - {name: Build, build: buildspec.yml, outputs: [Out]}
"""


def setup(tmp_path: Path) -> tuple[ProjectConfig, PipelineConfig]:
    config = parse_config(CONFIG, file=str(tmp_path / "ecsflow.yml"), root=str(tmp_path))
    return config, config.pipelines["p"]


def ctx(tmp_path: Path, pipeline: PipelineConfig, name: str, events: list[Event], **kw: Any) -> ActionContext:
    action = next(a for a in pipeline.stages[0].actions if a.name == name)
    return ActionContext(
        pipeline=pipeline,
        run_id="run-7",
        stage="S",
        action=action,
        inputs=kw.get("inputs", {}),
        artifacts_dir=tmp_path / "runs" / "run-7",
        scope=VariableScope("run-7", {"TAG": "v1"}),
        environment=None,
        source_revision="abc123",
        sink=events.append,
    )


class FakeTasks:
    def __init__(self, clock: FakeClock, stops_after: float, containers: tuple[ContainerState, ...]) -> None:
        self.clock = clock
        self.start = clock.now()
        self.stops_after = stops_after
        self.containers = containers
        self.runs: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        self.describes = 0

    def service_launch(self, cluster: str, service: str) -> dict[str, Any]:
        return {"taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/web:4", "launchType": "FARGATE"}

    def run_task(self, cluster: str, launch: dict[str, Any], overrides: dict[str, Any], started_by: str) -> str:
        self.runs.append((cluster, launch, overrides))
        return "arn:aws:ecs:us-east-1:1:task/demo/abc"

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskInfo]:
        self.describes += 1
        done = self.clock.now() - self.start >= self.stops_after
        status = "STOPPED" if done else "RUNNING"
        containers = self.containers if done else tuple(ContainerState(c.name) for c in self.containers)
        return [
            TaskInfo(
                task_arns[0],
                "td",
                status,
                stopped_reason="Essential container in task exited" if done else None,
                containers=containers,
            )
        ]


def test_a_task_succeeds_on_exit_code_zero_after_polling_on_the_clock(tmp_path: Path) -> None:
    config, pipeline = setup(tmp_path)
    clock = FakeClock()
    tasks = FakeTasks(clock, 30, (ContainerState("app", 0), ContainerState("sidecar", 1)))
    events: list[Event] = []
    outcome = TaskHandler(config=config, tasks_for=lambda _: tasks, clock=clock)(
        ctx(tmp_path, pipeline, "Migrate", events)
    )
    assert outcome.status == SUCCEEDED, outcome.message
    assert tasks.runs == [
        (
            "demo",
            {"taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/web:4", "launchType": "FARGATE"},
            {"containerOverrides": [{"name": "app", "command": ["manage", "migrate-v1"]}]},
        )
    ]
    assert tasks.describes == 6 and clock.sleeps == [POLL] * 5
    assert "app=0" in outcome.message  # only the chosen container decides


def test_a_task_fails_with_the_containers_exit_code(tmp_path: Path) -> None:
    config, pipeline = setup(tmp_path)
    clock = FakeClock()
    tasks = FakeTasks(clock, 0, (ContainerState("app", 2, reason="migration failed"),))
    outcome = TaskHandler(config=config, tasks_for=lambda _: tasks, clock=clock)(ctx(tmp_path, pipeline, "Migrate", []))
    assert outcome.status == FAILED
    assert outcome.message.startswith("task abc: container app exited with 2: migration failed")


def test_a_task_that_never_stops_times_out(tmp_path: Path) -> None:
    config, pipeline = setup(tmp_path)
    clock = FakeClock()
    tasks = FakeTasks(clock, 10**9, (ContainerState("app"),))
    outcome = TaskHandler(config=config, tasks_for=lambda _: tasks, clock=clock)(ctx(tmp_path, pipeline, "Migrate", []))
    assert outcome.status == FAILED and outcome.exit_code == ExitCode.TIMED_OUT
    assert "did not stop within 3600s (last status RUNNING)" in outcome.message


def test_a_command_gets_variables_and_its_exit_status_decides(tmp_path: Path) -> None:
    _config, pipeline = setup(tmp_path)
    events: list[Event] = []
    handler = CommandHandler(root=tmp_path, clock=FakeClock(), base_env={"PATH": "/usr/bin:/bin"})
    outcome = handler(ctx(tmp_path, pipeline, "Check", events))
    assert outcome.status == FAILED and outcome.exit_code == ExitCode.FAILED
    assert outcome.message.startswith("exit status 3: echo tag=$TAG run=run-7")
    assert [getattr(e, "text", None) for e in events] == ["tag=v1 run=run-7"]


BUILDSPEC = """
version: 0.2
env:
  exported-variables: [IMAGE_URI]
phases:
  build:
    commands:
      - export IMAGE_URI=repo:$TAG
      - printf '[{"name":"web","imageUri":"%s"}]' "$IMAGE_URI" > imagedefinitions.json
      - test "$CODEBUILD_INITIATOR" = codepipeline/p
      - test "$CODEBUILD_RESOLVED_SOURCE_VERSION" = abc123
artifacts:
  files: [imagedefinitions.json]
"""


def test_a_build_exports_variables_and_outputs_its_primary_artifact(tmp_path: Path) -> None:
    _config, pipeline = setup(tmp_path)
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC)
    handler = BuildHandler(root=tmp_path, clock=FakeClock(), base_env={"PATH": "/usr/bin:/bin", "TAG": "v9"})
    outcome = handler(ctx(tmp_path, pipeline, "Build", []))
    assert outcome.status == SUCCEEDED, outcome.message
    assert outcome.variables == {"IMAGE_URI": "repo:v9"}
    (artifact,) = outcome.artifacts
    assert artifact.name == "Out" and artifact.files == ("imagedefinitions.json",)
    assert (Path(artifact.directory) / "imagedefinitions.json").read_text() == '[{"name":"web","imageUri":"repo:v9"}]'


def test_a_build_without_artifacts_cannot_have_outputs(tmp_path: Path) -> None:
    _config, pipeline = setup(tmp_path)
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC.split("artifacts:", maxsplit=1)[0])
    handler = BuildHandler(root=tmp_path, clock=FakeClock(), base_env={})
    with pytest.raises(ArtifactError, match=r"outputs Out but buildspec\.yml has no `artifacts` section"):
        handler(ctx(tmp_path, pipeline, "Build", []))


def test_a_failing_build_fails_the_action_with_the_phase(tmp_path: Path) -> None:
    _config, pipeline = setup(tmp_path)
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC.replace('test "$CODEBUILD_INITIATOR"', "false && test x"))
    handler = BuildHandler(root=tmp_path, clock=FakeClock(), base_env={"PATH": "/usr/bin:/bin"})
    inputs = {"Src": ArtifactRecord("Src", str(tmp_path), ())}
    outcome = handler(ctx(tmp_path, pipeline, "Build", [], inputs=inputs))
    assert outcome.status == FAILED and outcome.exit_code == ExitCode.FAILED
    assert "BUILD: Error while executing command: false && test x" in outcome.message
