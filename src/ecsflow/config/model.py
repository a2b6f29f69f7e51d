"""The typed model of ``ecsflow.yml``: frozen values, no I/O.

``ProjectConfig.for_environment(name)`` applies an environment's overrides and
variables, so engines and the factory only ever see one flat, resolved view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecsflow.config.pipelines import PipelineConfig

from ecsflow.config.bootstrap import BootstrapConfig
from ecsflow.config.codedeploy import CodeDeployConfig

# The same default as ecsflow.diff.DEFAULT_MASK_PATTERN (the layers may not import each other).
DEFAULT_SECRET_PATTERN = r"(?i)(secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential)"


class BaseMode(StrEnum):
    """Where a deploy's new revision starts from.

    * ``file``: the task definition file in the repository is the truth (default).
    * ``service``: the revision the service runs, with new images swapped in: what the
      CodePipeline ECS deploy action does (AWS-SEMANTICS.md §1.2), including its flaw of
      ignoring revisions registered meanwhile.
    * ``latest``: the newest ACTIVE revision of the family: what teams bolt a Lambda on for.
    """

    FILE = "file"
    SERVICE = "service"
    LATEST = "latest"


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Defaults:
    region: str | None = None
    profile: str | None = None
    cluster: str | None = None
    timeout: float | None = None  # seconds; None: derived from the service's settings
    base: BaseMode = BaseMode.FILE
    concurrency: int = 4
    fail_fast: bool = True
    secret_pattern: str = DEFAULT_SECRET_PATTERN
    log_lines: int = 20  # last lines of a failing container's log shown on failure
    run_store: str | None = None  # where `ecsflow run` records runs: a SQLite file or s3://bucket/prefix


@dataclass(frozen=True)
class ServiceConfig:
    """One deployable service. ``key`` is its name in ``ecsflow.yml``; ``service`` the ECS name."""

    key: str
    cluster: str
    service: str
    task_definition: str | None = None  # template file, relative paths resolved against the config's folder
    family: str | None = None  # defaults to the template's family
    images: Mapping[str, str] = field(default_factory=_frozen)  # container -> repository (for --tag)
    base: BaseMode = BaseMode.FILE
    timeout: float | None = None
    after: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=_frozen)
    bootstrap: BootstrapConfig | None = None  # what `ecsflow bootstrap service` creates
    codedeploy: CodeDeployConfig | None = None  # CODE_DEPLOY blue/green settings (config/codedeploy.py)
    # auto (the live service's) | rolling | blue_green | linear | canary (engines/native_setup.py)
    strategy: str = "auto"


@dataclass(frozen=True)
class ServiceOverride:
    """What an environment may change on a service (``None``: unchanged)."""

    cluster: str | None = None
    service: str | None = None
    task_definition: str | None = None
    family: str | None = None
    images: Mapping[str, str] | None = None
    base: BaseMode | None = None
    timeout: float | None = None
    variables: Mapping[str, str] = field(default_factory=_frozen)
    bootstrap: BootstrapConfig | None = None  # replaces the service's whole `bootstrap:`
    codedeploy: CodeDeployConfig | None = None  # replaces the service's whole `codedeploy:`

    def apply(self, svc: ServiceConfig) -> ServiceConfig:
        return replace(
            svc,
            cluster=self.cluster or svc.cluster,
            service=self.service or svc.service,
            task_definition=self.task_definition or svc.task_definition,
            family=self.family or svc.family,
            images=_frozen({**svc.images, **(self.images or {})}),
            base=self.base or svc.base,
            timeout=self.timeout if self.timeout is not None else svc.timeout,
            variables=_frozen({**svc.variables, **self.variables}),
            bootstrap=self.bootstrap or svc.bootstrap,
            codedeploy=self.codedeploy or svc.codedeploy,
        )


@dataclass(frozen=True)
class Environment:
    name: str
    region: str | None = None
    profile: str | None = None
    cluster: str | None = None
    timeout: float | None = None
    variables: Mapping[str, str] = field(default_factory=_frozen)
    services: Mapping[str, ServiceOverride] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectConfig:
    """A parsed ``ecsflow.yml``. ``order`` lists groups of service keys deployed one group after
    the other (from ``order:`` and every service's ``after:``)."""

    path: str
    root: str  # folder that relative paths are resolved against
    defaults: Defaults = field(default_factory=Defaults)
    services: Mapping[str, ServiceConfig] = field(default_factory=dict)
    environments: Mapping[str, Environment] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=_frozen)
    order: tuple[tuple[str, ...], ...] = ()
    environment: str | None = None  # set once for_environment() applied one
    pipelines: Mapping[str, PipelineConfig] = field(default_factory=dict)  # ecsflow.config.pipelines

    def for_environment(self, name: str | None) -> ProjectConfig:
        """The configuration as seen in environment ``name`` (``None``: no environment)."""
        if name is None:
            return self
        from ecsflow.errors import ConfigError, Problem

        env = self.environments.get(name)
        if env is None:
            known = ", ".join(sorted(self.environments)) or "none"
            raise ConfigError(
                f"unknown environment {name!r}",
                [Problem(f"not defined (known: {known})", f"environments.{name}", self.path)],
                hint=f"add `environments: {{{name}: {{}}}}` to {self.path} or pick a known environment",
            )
        services: dict[str, ServiceConfig] = {}
        for key, base in self.services.items():
            svc = base
            # An environment's cluster replaces the default one, not a cluster a service names itself.
            if env.cluster and svc.cluster == (self.defaults.cluster or "default"):
                svc = replace(svc, cluster=env.cluster)
            if env.timeout is not None and svc.timeout is None:
                svc = replace(svc, timeout=env.timeout)
            # Precedence, lowest first: top-level, service, environment, environment's service override.
            svc = replace(svc, variables=_frozen({**svc.variables, **env.variables}))
            override = env.services.get(key)
            services[key] = override.apply(svc) if override else svc
        defaults = replace(
            self.defaults,
            region=env.region or self.defaults.region,
            profile=env.profile or self.defaults.profile,
        )
        return replace(self, defaults=defaults, services=services, environment=name)

    def groups(self, keys: list[str]) -> list[list[str]]:
        """``keys`` split into the ordered groups they are deployed in."""
        wanted = set(keys)
        out = [[k for k in group if k in wanted] for group in self.order]
        return [g for g in out if g]
