"""What ``ecsflow run`` is made of: the run store, the reporter, and the action handlers.

The run store comes from ``defaults.run_store`` (``ecsflow.yml``): a SQLite file (default
``.ecsflow/runs.sqlite`` next to ``ecsflow.yml``; a relative path is relative to that file)
or ``s3://bucket/prefix``. Handlers talk to AWS through the same adapters as the other verbs.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ecsflow import __version__
from ecsflow.cli.context import CliContext
from ecsflow.cli.output import JsonReporter, PlainReporter, Reporter
from ecsflow.config import ProjectConfig
from ecsflow.config.pipelines import DEFAULT_RUN_STORE, ActionKind
from ecsflow.diff import Masker
from ecsflow.engines.deploy import DeployEngine
from ecsflow.events import EventSink
from ecsflow.pipeline.actions import ApproveHandler, BuildHandler, CommandHandler, Prompt
from ecsflow.pipeline.deploy_action import DeployHandler
from ecsflow.pipeline.stages import ActionHandler, StageRunner
from ecsflow.pipeline.store import ObjectRunStore, RunStore, SqliteRunStore
from ecsflow.ports import Clock, EcrRetagPort, EcsPort, SecretsPort, SsmPort

if TYPE_CHECKING:
    from ecsflow.aws.session import AwsClients
    from ecsflow.pipeline.task_action import TaskRunPort

RUNS_DIR = ".ecsflow/runs"  # artifacts of each run, next to ecsflow.yml
RESUME_HINT = "resume with `ecsflow run --resume {run_id} --approve {stage}`"


def _clients(ctx: CliContext, config: ProjectConfig) -> AwsClients:
    from ecsflow.cli.deploy import cli_clients

    return cli_clients(ctx, config)


def open_store(ctx: CliContext, config: ProjectConfig) -> RunStore:
    location = config.defaults.run_store or DEFAULT_RUN_STORE
    if location.startswith("s3://"):
        from ecsflow.aws.runstore import S3JsonObjects

        return ObjectRunStore(S3JsonObjects(_clients(ctx, config), location))
    path = Path(location)
    return SqliteRunStore(path if path.is_absolute() else Path(config.root) / path)


def _clock(ctx: CliContext) -> Clock:
    from ecsflow.cli.deploy import aws_options
    from ecsflow.factory import make_clock

    return make_clock(aws_options(ctx))


def _prompt(ctx: CliContext) -> Prompt | None:
    """Ask on a terminal only: in CI (or with --output json, or no TTY) an approval waits."""
    if ctx.json_output or os.environ.get("CI") or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None

    def ask(question: str) -> bool:
        return bool(click.confirm(f"\n{question}", default=False))

    return ask


class RunWiring:
    def __init__(
        self,
        ctx: CliContext,
        config: ProjectConfig,
        root: Path,
        approvals: Collection[str],
        store: RunStore,
        clock: Clock | None = None,
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.root = root
        self.approvals = approvals
        self.store = store
        self.masker = Masker(config.defaults.secret_pattern)
        self.clock = clock or _clock(ctx)

    def reporter(self) -> Reporter:
        # Plain lines on a terminal too: a live view and an approval prompt cannot share the screen.
        if self.ctx.json_output:
            return JsonReporter(sys.stdout, masker=self.masker, environ=os.environ, title="ecsflow run")
        return PlainReporter(sys.stdout, masker=self.masker, environ=os.environ, title="ecsflow run")

    def _engine(self, config: ProjectConfig, sink: EventSink) -> DeployEngine:
        from ecsflow.cli.deploy import aws_options
        from ecsflow.factory import deploy_engine

        return deploy_engine(aws_options(self.ctx), config, sink=sink, masker=self.masker, clock=self.clock)

    def handlers(self) -> dict[ActionKind, ActionHandler]:
        from ecsflow.pipeline.task_action import RunActionHandler

        env = dict(os.environ)
        region = (
            self.ctx.region or self.config.defaults.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        )
        command = CommandHandler(root=self.root, clock=self.clock, base_env=env)
        return {
            ActionKind.BUILD: BuildHandler(
                root=self.root,
                clock=self.clock,
                base_env=env,
                region=region,
                ssm=self._ssm,
                secrets=self._secrets,
            ),
            ActionKind.DEPLOY: DeployHandler(
                config=self.config,
                engine_for=self._engine,
                clock=self.clock,
                base_env=env,
                actor=actor(),
                tool_version=__version__,
            ),
            ActionKind.APPROVE: ApproveHandler(
                approvals=self.approvals, prompt=_prompt(self.ctx), resume_hint=RESUME_HINT
            ),
            ActionKind.RUN: RunActionHandler(command=command, task=self._task_handler()),
            ActionKind.PROMOTE: self._promote_handler(),
        }

    def _ssm(self) -> SsmPort:
        from ecsflow.aws.params import SsmAdapter

        return SsmAdapter(_clients(self.ctx, self.config))

    def _secrets(self) -> SecretsPort:
        from ecsflow.aws.params import SecretsAdapter

        return SecretsAdapter(_clients(self.ctx, self.config))

    def _task_handler(self) -> ActionHandler:
        from ecsflow.pipeline.task_action import TaskHandler

        return TaskHandler(config=self.config, tasks_for=self._tasks, clock=self.clock)

    def _tasks(self, config: ProjectConfig) -> TaskRunPort:
        from ecsflow.aws.tasks import EcsTaskRunner

        return EcsTaskRunner(_clients(self.ctx, config))

    def _promote_handler(self) -> ActionHandler:
        from ecsflow.pipeline.promote_action import PromoteHandler

        return PromoteHandler(
            config=self.config,
            engine_for=self._engine,
            ecs_for=self._ecs,
            ecr_for=self._ecr,
            clock=self.clock,
            base_env=dict(os.environ),
            actor=actor(),
            tool_version=__version__,
        )

    def _ecs(self, config: ProjectConfig) -> EcsPort:
        from ecsflow.aws import EcsAdapter

        return EcsAdapter(_clients(self.ctx, config))

    def _ecr(self, config: ProjectConfig) -> EcrRetagPort:
        from ecsflow.aws import EcrAdapter

        return EcrAdapter(_clients(self.ctx, config))

    def runner(self, sink: EventSink) -> StageRunner:
        return StageRunner(
            handlers=self.handlers(),
            store=self.store,
            clock=self.clock,
            work_dir=self.root / RUNS_DIR,
            sink=sink,
        )


def actor() -> str | None:
    """Who runs ecsflow: the CI's actor, else the local user."""
    env = os.environ
    name = env.get("GITHUB_ACTOR") or env.get("GITLAB_USER_LOGIN") or env.get("USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
