"""The composition root: builds AWS adapters and engines from the CLI's plain values and the config.

Nothing else wires boto3 adapters to engines, so a library user can do the same with
their own ports (``ecsflow.engines.deploy.DeployEngine``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ecsflow.artifacts.appspec import AppSpec
from ecsflow.artifacts.taskdef import TaskDefinitionInput, parse_task_definition
from ecsflow.config import ProjectConfig, ServiceConfig
from ecsflow.diff import Masker
from ecsflow.engines.codedeploy_prepare import AppSpecLoader, GroupMemo, JsonGroupMemo, MemoryGroupMemo
from ecsflow.engines.deploy import DeployEngine
from ecsflow.engines.prepare import TemplateLoader
from ecsflow.errors import ConfigError, Problem
from ecsflow.events import EventSink
from ecsflow.ports import Clock, SystemClock

if TYPE_CHECKING:
    from ecsflow.aws import AwsClients


@dataclass(frozen=True)
class AwsOptions:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    clock: str | None = None  # "endpoint": follow the local AWS's clock (ECSFLOW_CLOCK)


def aws_clients(options: AwsOptions, config: ProjectConfig | None) -> AwsClients:
    """boto3 clients for this run: region and profile from the command line, then ``ecsflow.yml``."""
    from ecsflow.aws import AwsClients, AwsSettings

    defaults = config.defaults if config else None
    return AwsClients(
        AwsSettings(
            region=options.region or (defaults.region if defaults else None),
            profile=options.profile or (defaults.profile if defaults else None),
            endpoint_url=options.endpoint_url,
        )
    )


def make_clock(options: AwsOptions) -> Clock:
    if options.clock == "endpoint":
        if not options.endpoint_url:
            raise ConfigError("ECSFLOW_CLOCK=endpoint needs --endpoint-url (a local AWS)")
        from ecsflow.aws.localclock import EndpointClock

        return EndpointClock(options.endpoint_url)
    return SystemClock()


def template_loader(config: ProjectConfig | None) -> TemplateLoader:
    """Reads ``services.<key>.task_definition`` relative to the config file's folder."""

    def load(svc: ServiceConfig) -> TaskDefinitionInput:
        root = Path(config.root) if config else Path()
        path = root / str(svc.task_definition)
        where = f"services.{svc.key}.task_definition"
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the task definition of {svc.key}: {path}: {exc.strerror}",
                [Problem(f"file {svc.task_definition} not readable", where, config.path if config else None)],
                hint="fix the path in ecsflow.yml (relative to the file)",
            ) from exc
        return parse_task_definition(content, str(path))

    return load


def appspec_loader(config: ProjectConfig | None) -> AppSpecLoader:
    """Reads ``services.<key>.codedeploy.appspec`` relative to the config file's folder."""

    def load(svc: ServiceConfig) -> AppSpec:
        from ecsflow.artifacts.appspec import parse_appspec

        name = str(svc.codedeploy.appspec if svc.codedeploy else "appspec.yaml")
        root = Path(config.root) if config else Path()
        path = root / name
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the AppSpec of {svc.key}: {path}: {exc.strerror}",
                [
                    Problem(
                        f"file {name} not readable",
                        f"services.{svc.key}.codedeploy.appspec",
                        config.path if config else None,
                    )
                ],
                hint="fix the path in ecsflow.yml (relative to the file), or remove it to generate the AppSpec",
            ) from exc
        return parse_appspec(content, name)

    return load


def group_memo(config: ProjectConfig | None) -> GroupMemo:
    """Discovered CodeDeploy groups are remembered in the project's state folder (gitignored)."""
    if config is None:
        return MemoryGroupMemo()
    return JsonGroupMemo(Path(config.root) / ".ecsflow" / "codedeploy.json")


def deploy_engine(
    options: AwsOptions,
    config: ProjectConfig | None,
    *,
    sink: EventSink,
    masker: Masker,
    clock: Clock | None = None,
) -> DeployEngine:
    from ecsflow.aws import EcrAdapter, EcsAdapter, ElbAdapter, LogsAdapter
    from ecsflow.aws.codedeploy import CodeDeployAdapter
    from ecsflow.aws.ecs_native import ServiceDeploymentsAdapter
    from ecsflow.pipeline.gate_command import ShellTestCommand

    defaults = config.defaults if config else None
    clients = aws_clients(options, config)
    return DeployEngine(
        ecs=EcsAdapter(clients),
        ecr=EcrAdapter(clients),
        clock=clock or make_clock(options),
        sink=sink,
        load_template=template_loader(config),
        logs=LogsAdapter(clients),
        elb=ElbAdapter(clients),
        masker=masker,
        log_lines=defaults.log_lines if defaults else 20,
        codedeploy=CodeDeployAdapter(clients),
        group_memo=group_memo(config),
        load_appspec=appspec_loader(config),
        native=ServiceDeploymentsAdapter(clients),
        test_runner=ShellTestCommand(config.root if config else None),
    )
