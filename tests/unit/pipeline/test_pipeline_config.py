"""The ``pipelines:`` section of ecsflow.yml: the model, and every problem reported with its path."""

from __future__ import annotations

import pytest

from ecsflow.config import parse_config
from ecsflow.config.pipelines import (
    ActionKind,
    ApproveAction,
    BuildAction,
    DeployAction,
    PromoteAction,
    RunAction,
)
from ecsflow.errors import ConfigError

HEAD = """
services:
  web: {task_definition: taskdef.json}
  worker: {task_definition: worker.json}
environments: {test: {}, staging: {}}
"""

FULL = (
    HEAD
    + """
defaults: {run_store: "s3://team-bucket/ecsflow/runs"}
pipelines:
  app:
    triggers:
      - push: [{branches: {includes: [main]}, filePaths: {includes: ["app/**"]}}]
    variables:
      - {name: IMAGE_TAG, defaultValue: latest, description: the tag to deploy}
      - {name: REGION}
    stages:
      - name: Build
        actions:
          - name: Build
            build: {buildspec: ci/buildspec.yml, env: {TAG: "#{variables.IMAGE_TAG}"}, timeout: 15m}
            namespace: BuildVariables
            outputs: [BuildOutput]
      - name: Deploy
        actions:
          - name: Deploy
            deploy: {services: [web], environment: test, tag: "#{BuildVariables.IMAGE_TAG}"}
            inputs: [BuildOutput]
          - {name: Migrate, run: {task: {service: worker, command: "manage migrate"}}}
          - {name: Smoke, run: "curl -fsS http://x/#{codepipeline.PipelineExecutionId}", run_order: 2}
      - name: Release
        actions:
          - {name: Gate, approve: "ship it?"}
          - {name: Promote, promote: {from: test, to: staging, tag: staging}, run_order: 2}
"""
)


def _problems(text: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, file="ecsflow.yml")
    assert all(p.file == "ecsflow.yml" for p in info.value.problems)
    return {p.path: p.message for p in info.value.problems}


def test_a_full_pipeline_is_read_into_the_model() -> None:
    config = parse_config(FULL)
    assert config.defaults.run_store == "s3://team-bucket/ecsflow/runs"
    app = config.pipelines["app"]
    assert [v.name for v in app.variables] == ["IMAGE_TAG", "REGION"]
    assert app.variables[0].default == "latest" and app.variables[1].default is None
    assert [s.name for s in app.stages] == ["Build", "Deploy", "Release"]
    build = app.stages[0].actions[0]
    assert build.kind is ActionKind.BUILD and build.outputs == ("BuildOutput",)
    assert build.spec == BuildAction("ci/buildspec.yml", {"TAG": "#{variables.IMAGE_TAG}"}, ".", 900.0)
    assert build.variables_namespace("Build") == "BuildVariables"
    deploy = app.stages[1]
    assert [(order, [a.name for a in group]) for order, group in deploy.groups()] == [
        (1, ["Deploy", "Migrate"]),
        (2, ["Smoke"]),
    ]
    assert isinstance(deploy.actions[0].spec, DeployAction)
    assert deploy.actions[0].spec.services == ("web",)
    assert deploy.actions[0].spec.image_definitions == "imagedefinitions.json"
    migrate = deploy.actions[1].spec
    assert isinstance(migrate, RunAction) and migrate.task is not None
    assert migrate.task.command == ("manage", "migrate")
    assert app.stages[2].actions[0].spec == ApproveAction("ship it?")
    assert app.stages[2].actions[1].spec == PromoteAction("test", "staging", (), None, "staging")
    assert app.trigger_view().triggers[0].push[0].file_paths is not None


def test_the_default_namespace_is_stage_dot_action() -> None:
    text = (
        HEAD
        + """
pipelines:
  p:
    stages:
      - {name: B, actions: [{name: Make, build: buildspec.yml}]}
      - {name: D, actions: [{name: Go, deploy: {tag: "#{B.Make.TAG}"}}]}
"""
    )
    config = parse_config(text)
    assert config.pipelines["p"].stages[0].actions[0].variables_namespace("B") == "B.Make"


def test_problems_name_their_paths() -> None:
    text = (
        HEAD
        + """
defaults: {run_store: "ftp://x"}
pipelines:
  p:
    variables: {EMPTY: ""}
    triggers:
      - push: [{tags: {includes: ["v*"]}, branches: {includes: [main]}}]
    stages:
      - name: Deploy
        actions:
          - {name: D, deploy: {services: [api], environment: prod}, inputs: [Out]}
          - {name: Both, build: x.yml, run: "echo"}
          - {name: R, run: "echo #{variables.NOPE} #{Later.X}", run_order: 1000}
          - {name: A, approve: {}, outputs: [Nope]}
      - name: Build
        actions:
          - {name: B, build: buildspec.yml, outputs: [Out], namespace: Later}
"""
    )
    problems = _problems(text)
    assert "ftp" in problems["defaults.run_store"]
    assert "empty value" in problems["pipelines.p.variables.EMPTY"]
    assert "either `tags`" in problems["pipelines.p.triggers[0].push[0]"]
    deploy = "pipelines.p.stages[0].actions[0]"
    assert "no service 'api'" in problems[f"{deploy}.deploy.services[0]"]
    assert "no environment 'prod'" in problems[f"{deploy}.deploy.environment"]
    assert "produced later" in problems[f"{deploy}.inputs[0]"]
    assert "exactly one of" in problems["pipelines.p.stages[0].actions[1]"]
    assert "1 to 999" in problems["pipelines.p.stages[0].actions[2].run_order"]
    refs = [m for p, m in problems.items() if p == "pipelines.p.stages[0].actions[2]"]
    assert refs, problems
    assert "produces no artifacts" in problems["pipelines.p.stages[0].actions[3].outputs"]


def test_unknown_variable_and_namespace_are_both_reported() -> None:
    text = (
        HEAD
        + """
pipelines:
  p:
    stages:
      - {name: S, actions: [{name: R, run: "echo #{variables.NOPE}"}, {name: Q, run: "echo #{Else.X}"}]}
"""
    )
    problems = _problems(text)
    assert "no pipeline variable 'NOPE'" in problems["pipelines.p.stages[0].actions[0]"]
    assert "namespace 'Else'" in problems["pipelines.p.stages[0].actions[1]"]


def test_parallel_actions_cannot_read_each_others_outputs() -> None:
    text = (
        HEAD
        + """
pipelines:
  p:
    stages:
      - name: S
        actions:
          - {name: B, build: buildspec.yml, outputs: [Out]}
          - {name: D, deploy: {}, inputs: [Out]}
"""
    )
    assert "produced later (or in parallel)" in _problems(text)["pipelines.p.stages[0].actions[1].inputs[0]"]


def test_run_needs_a_command_or_a_task_and_promote_needs_both_ends() -> None:
    text = (
        HEAD
        + """
pipelines:
  p:
    stages:
      - name: S
        actions:
          - {name: R, run: {timeout: 5m}}
          - {name: T, run: {task: {container: web}}}
          - {name: P, promote: {from: test}}
"""
    )
    problems = _problems(text)
    assert "one of them" in problems["pipelines.p.stages[0].actions[0].run"]
    assert "`service` is required" in problems["pipelines.p.stages[0].actions[1].run.task"]
    assert "both `from` and `to`" in problems["pipelines.p.stages[0].actions[2].promote"]


def test_a_file_without_pipelines_has_none() -> None:
    assert parse_config(HEAD).pipelines == {}


def test_numbers_are_kept_as_written() -> None:
    text = (
        HEAD
        + """
pipelines:
  p:
    triggers: [{push: [{branches: {includes: [1.10]}}]}]
    variables: {VERSION: 1.10}
    stages: [{name: S, actions: [{name: R, run: "echo", run_order: 1}]}]
"""
    )
    p = parse_config(text).pipelines["p"]
    branches = p.triggers[0].push[0].branches
    assert branches is not None and branches.includes == ("1.10",)
    assert p.variables[0].default == "1.10"
