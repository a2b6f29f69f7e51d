"""The ``pipelines:`` section of ``ecsflow.yml``: triggers, variables and stages of actions.

A pipeline keeps CodePipeline's concepts (AWS-SEMANTICS §10) in ecsflow's YAML::

    defaults:
      run_store: s3://team-bucket/ecsflow-runs     # default: .ecsflow/runs.sqlite
    pipelines:
      app:
        triggers:                                    # CodePipeline's trigger JSON (config/triggers.py)
          - push: [{branches: {includes: [main]}, filePaths: {includes: ["app/**"]}}]
        variables:                                   # NAME: default, or CodePipeline's list form
          IMAGE_TAG: latest
        stages:
          - name: Build
            actions:
              - name: Build
                build: buildspec.yml                 # or {buildspec, env, source_dir, timeout}
                namespace: BuildVariables            # #{BuildVariables.VAR}; default #{Build.Build.VAR}
                outputs: [BuildOutput]
          - name: Deploy
            actions:
              - name: Deploy
                deploy: {services: [web], environment: test}
                inputs: [BuildOutput]
              - {name: Smoke, run: "curl -fsS https://test.example.com/health", run_order: 2}

Action kinds (exactly one key per action): ``build``, ``deploy``, ``promote``, ``approve``,
``run``. Actions of a stage with the same ``run_order`` (1–999, default 1) run in parallel;
orders run ascending; stages run in order. Every problem is reported with its path
(``pipelines.app.stages[1].actions[0].inputs[0]: …``) together with the rest of the file.

Reading and checking: ``ecsflow.config.pipelines_parse``.

Variable references (CodePipeline's syntax): ``#{variables.NAME}`` (a pipeline variable),
``#{codepipeline.PipelineExecutionId}`` (the run id), and ``#{NAMESPACE.VAR}`` (a variable
exported by an earlier build action; its namespace is ``namespace:`` or ``<stage>.<action>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from ecsflow.config.model import BaseMode
from ecsflow.config.triggers import PipelineTriggers, Trigger

# CodePipeline limits (API model; AWS-SEMANTICS §10.3, §10.4).
MAX_VARIABLES = 50
MAX_RUN_ORDER = 999

# ``#{namespace.VAR}``: the namespace is everything before the last dot, so the default
# namespace ``Stage.Action`` reads as ``#{Stage.Action.VAR}``.
REFERENCE = re.compile(r"#\{([A-Za-z0-9.@\-_]+)\.([A-Za-z0-9@\-_]+)\}")
PIPELINE_NAMESPACE = "variables"
EXECUTION_NAMESPACE = "codepipeline"
EXECUTION_VARIABLES = ("PipelineExecutionId",)

DEFAULT_RUN_STORE = ".ecsflow/runs.sqlite"
DEFAULT_IMAGE_DEFINITIONS = "imagedefinitions.json"  # CodePipeline ECS action's FileName default
DEFAULT_BUILDSPEC = "buildspec.yml"


class ActionKind(StrEnum):
    BUILD = "build"
    DEPLOY = "deploy"
    PROMOTE = "promote"
    APPROVE = "approve"
    RUN = "run"


def frozen_strings(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class BuildAction:
    """Run a buildspec (CodeBuild action). ``env`` values may hold ``#{…}`` references."""

    buildspec: str = DEFAULT_BUILDSPEC  # relative to the config's folder
    env: Mapping[str, str] = field(default_factory=frozen_strings)
    source_dir: str = "."  # relative to the config's folder
    timeout: float | None = None  # seconds


@dataclass(frozen=True)
class DeployAction:
    """Deploy services of ``ecsflow.yml`` through the deploy engine (any strategy the engine knows).

    Images come from the input artifacts (``imagedefinitions.json`` for rolling services,
    ``imageDetail.json`` for image placeholders; ``task_definition``: a ``taskdef.json`` in an
    input artifact used as the template, as CodeDeployToECS does), and from ``tag``/``images``.
    """

    services: tuple[str, ...] = ()  # keys of services:; empty: every service
    environment: str | None = None  # default: the run's --env
    image_definitions: str = DEFAULT_IMAGE_DEFINITIONS  # FileName in the input artifact
    image_detail: str = "imageDetail.json"
    task_definition: str | None = None  # path of a taskdef.json in an input artifact
    appspec: str | None = None  # path of an AppSpec in an input artifact (checked, kept with the run)
    tag: str | None = None
    images: Mapping[str, str] = field(default_factory=frozen_strings)  # container -> image URI
    base: BaseMode | None = None
    timeout: float | None = None
    force: bool = False


@dataclass(frozen=True)
class PromoteAction:
    """Promote: deploy into ``to`` exactly the digests that run in ``from`` (and/or retag in ECR)."""

    source: str | None = None  # environment (``from:``)
    target: str | None = None  # environment (``to:``)
    services: tuple[str, ...] = ()
    image: str | None = None  # an image to retag (``image:``), may hold #{…}
    tag: str | None = None  # the tag to give it (``tag:``)


@dataclass(frozen=True)
class ApproveAction:
    message: str | None = None


@dataclass(frozen=True)
class RunTask:
    """A one-off ECS task from a configured service's task definition and network settings."""

    service: str  # key of services:
    container: str | None = None  # whose exit code decides (default: the first essential container)
    command: tuple[str, ...] = ()  # command override for that container
    environment: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class RunAction:
    command: str | None = None  # a shell command, run in the config's folder
    task: RunTask | None = None
    timeout: float | None = None


ActionSpec = BuildAction | DeployAction | PromoteAction | ApproveAction | RunAction


@dataclass(frozen=True)
class ActionConfig:
    name: str
    kind: ActionKind
    spec: ActionSpec
    run_order: int = 1
    inputs: tuple[str, ...] = ()  # artifact names
    outputs: tuple[str, ...] = ()
    namespace: str | None = None  # where its exported variables are published

    def variables_namespace(self, stage: str) -> str:
        return self.namespace or f"{stage}.{self.name}"


@dataclass(frozen=True)
class StageConfig:
    name: str
    actions: tuple[ActionConfig, ...]

    def groups(self) -> list[tuple[int, list[ActionConfig]]]:
        """Actions by ascending run_order; one group runs in parallel."""
        orders = sorted({a.run_order for a in self.actions})
        return [(o, [a for a in self.actions if a.run_order == o]) for o in orders]


@dataclass(frozen=True)
class PipelineVariable:
    name: str
    default: str | None = None  # None: a run must give it (--var NAME=value)
    description: str | None = None


@dataclass(frozen=True)
class PipelineConfig:
    name: str
    triggers: tuple[Trigger, ...] = ()
    variables: tuple[PipelineVariable, ...] = ()
    stages: tuple[StageConfig, ...] = ()

    def trigger_view(self) -> PipelineTriggers:
        """What ``ecsflow.pipeline.matching`` decides on."""
        return PipelineTriggers(self.name, self.triggers)

    def action(self, stage: str, action: str) -> ActionConfig | None:
        for s in self.stages:
            if s.name == stage:
                return next((a for a in s.actions if a.name == action), None)
        return None


def check_run_store(value: str) -> str | None:
    """Why ``value`` is not a run store (``s3://bucket[/prefix]`` or a file path), or None."""
    if value.startswith("s3://"):
        bucket = value.removeprefix("s3://").split("/", 1)[0]
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", bucket):
            return f"{value!r}: expected s3://BUCKET[/PREFIX] with a valid bucket name"
        return None
    if "://" in value:
        return f"{value!r}: expected a file path (SQLite) or s3://BUCKET[/PREFIX]"
    return None if value.strip() else "expected a file path or s3://BUCKET[/PREFIX]"
