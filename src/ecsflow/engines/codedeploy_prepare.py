"""CodeDeploy blue/green, before any mutation: which group, which configuration, which AppSpec, how long.

Runs after the shared ``Preparer`` (render, pin, reuse-or-register decision) for every
service whose deployment controller is ``CODE_DEPLOY``, and raises before the executor
starts when anything is wrong, so a bad AppSpec or a missing group registers nothing.

* Application and deployment group: ``services.<key>.codedeploy`` in ecsflow.yml, else the
  remembered entry of ``.ecsflow/codedeploy.json``, else one scan (ListApplications,
  BatchGetApplications, ListDeploymentGroups, BatchGetDeploymentGroups) for the group whose
  ``ecsServices`` names the service, remembered for the next deploys. A remembered group
  that no longer exists is looked up again, once.
* Deployment configuration: ``--deployment-config``, else ``codedeploy.deployment_config``,
  else the group's (CreateDeployment then names none). Predefined ECS configurations are
  known without a call (AWS-SEMANTICS.md §5.1).
* AppSpec: ``codedeploy.appspec`` (``<TASK_DEFINITION>`` filled at start), else generated
  from the service (load balancer container and port, network configuration, platform
  version, capacity providers), as the CodeDeployToECS action expects (§3.2, §4.1).
* Timeout (when not set): the deployment's own settings plus a margin, see ``codedeploy_timeout``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ecsflow.artifacts.appspec import AppSpec
from ecsflow.config import ServiceConfig
from ecsflow.errors import (
    ArtifactError,
    ConfigError,
    EcsflowError,
    OperationFailed,
    Problem,
    ResourceNotFound,
    problems_error,
)
from ecsflow.events import EventSink, Message
from ecsflow.plan import DeployPlan, ServicePlan
from ecsflow.ports import Clock
from ecsflow.ports_codedeploy import FINAL_STATUSES, CodeDeployPort, DeploymentGroup, TrafficRouting
from ecsflow.render.appspec import appspec_from_service

STRATEGY = "CODE_DEPLOY"
DEFAULT_CONFIG = "CodeDeployDefault.ECSAllAtOnce"  # [uncertain] default of ECS groups (§5.1)
# Predefined ECS configurations (§5.1): known without GetDeploymentConfig.
PREDEFINED: dict[str, TrafficRouting] = {
    "CodeDeployDefault.ECSAllAtOnce": TrafficRouting("CodeDeployDefault.ECSAllAtOnce"),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": TrafficRouting(
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "TimeBasedLinear", 10, 1
    ),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": TrafficRouting(
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "TimeBasedLinear", 10, 3
    ),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": TrafficRouting(
        "CodeDeployDefault.ECSCanary10Percent5Minutes", "TimeBasedCanary", 10, 5
    ),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": TrafficRouting(
        "CodeDeployDefault.ECSCanary10Percent15Minutes", "TimeBasedCanary", 10, 15
    ),
}

# Timeout parts (seconds), documented in docs/bluegreen.md.
MARGIN = 300.0
INSTALL = 180.0 + 90.0  # replacement task set: tasks start (image pull, ENI) and pass health checks
PER_HOOK = 600.0  # a hook Lambda answers within minutes; CodeDeploy itself allows 1 h (§4.3)
TEST_TRAFFIC = 60.0
MINIMUM = 600.0

AppSpecLoader = Callable[[ServiceConfig], AppSpec]


class GroupMemo(Protocol):
    """Where discovered application/group pairs are remembered between runs."""

    def get(self, cluster: str, service: str) -> tuple[str, str] | None: ...

    def put(self, cluster: str, service: str, application: str, group: str) -> None: ...

    def forget(self, cluster: str, service: str) -> None: ...


class JsonGroupMemo:
    """``.ecsflow/codedeploy.json`` of the project: ``{"cluster/service": {"application", "deployment_group"}}``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # absent or damaged: discovery runs again and rewrites it
        return data if isinstance(data, dict) else {}

    def get(self, cluster: str, service: str) -> tuple[str, str] | None:
        entry = self._load().get(_memo_key(cluster, service))
        if isinstance(entry, dict) and entry.get("application") and entry.get("deployment_group"):
            return str(entry["application"]), str(entry["deployment_group"])
        return None

    def put(self, cluster: str, service: str, application: str, group: str) -> None:
        data = self._load()
        data[_memo_key(cluster, service)] = {"application": application, "deployment_group": group}
        self._write(data)

    def forget(self, cluster: str, service: str) -> None:
        data = self._load()
        if data.pop(_memo_key(cluster, service), None) is not None:
            self._write(data)

    def _write(self, data: Mapping[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        except OSError:
            pass  # remembering is an optimisation: a read-only checkout just scans again next time


class MemoryGroupMemo:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, str]] = {}

    def get(self, cluster: str, service: str) -> tuple[str, str] | None:
        return self.entries.get(_memo_key(cluster, service))

    def put(self, cluster: str, service: str, application: str, group: str) -> None:
        self.entries[_memo_key(cluster, service)] = (application, group)

    def forget(self, cluster: str, service: str) -> None:
        self.entries.pop(_memo_key(cluster, service), None)


def _memo_key(cluster: str, service: str) -> str:
    return f"{cluster.rsplit('/', 1)[-1]}/{service}"


@dataclass(frozen=True)
class CodeDeploySpec:
    """Everything a CodeDeploy deployment of one service needs, decided before any mutation."""

    key: str
    group: DeploymentGroup
    routing: TrafficRouting
    deployment_config: str | None  # named in CreateDeployment; None: the group's own
    appspec: AppSpec  # template: ``<TASK_DEFINITION>`` (or a literal ARN) still in place
    appspec_source: str
    hooks: tuple[str, ...] = ()  # lifecycle events with a hook

    @property
    def application(self) -> str:
        return self.group.application

    def lines(self) -> list[str]:
        g = self.group
        out = [
            f"  CodeDeploy {g.application}/{g.name}, {self.routing.name} ({self.routing.describe()})",
            f"  AppSpec: {self.appspec_source}" + (f"; hooks {', '.join(self.hooks)}" if self.hooks else ""),
        ]
        waits = []
        if g.manual_ready_wait:
            waits.append(f"ready wait: waits for `ecsflow continue` (up to {g.ready_wait_minutes} min)")
        if g.termination_wait_minutes:
            waits.append(f"termination wait {g.termination_wait_minutes} min")
        if waits:
            out.append("  " + "; ".join(waits))
        return out


def resolve_group(
    codedeploy: CodeDeployPort, memo: GroupMemo, svc: ServiceConfig, sink: EventSink, clock: Clock
) -> DeploymentGroup:
    """The service's deployment group: configured, remembered (rediscovered once when stale), or found."""
    cfg = svc.codedeploy
    if cfg is not None and cfg.application and cfg.deployment_group:
        try:
            return codedeploy.get_deployment_group(cfg.application, cfg.deployment_group)
        except ResourceNotFound as exc:
            raise ConfigError(
                f"{svc.key}: CodeDeploy {cfg.application}/{cfg.deployment_group} does not exist",
                [Problem(exc.message, f"services.{svc.key}.codedeploy")],
                hint="fix application/deployment_group in ecsflow.yml, or remove them to discover the group "
                "from the service. Nothing was changed.",
            ) from exc
    remembered = memo.get(svc.cluster, svc.service)
    if remembered is not None:
        try:
            group = codedeploy.get_deployment_group(*remembered)
            if group.serves(svc.cluster, svc.service):
                return group
        except ResourceNotFound:
            pass
        memo.forget(svc.cluster, svc.service)
        sink(Message(clock.now(), svc.key, f"the remembered group {'/'.join(remembered)} is gone: looking again"))
    found = codedeploy.find_deployment_group(svc.cluster, svc.service)
    if found is None:
        raise OperationFailed(
            f"{svc.key} ({svc.service}) uses the CODE_DEPLOY deployment controller, but no CodeDeploy "
            f"deployment group names {svc.cluster}/{svc.service}",
            hint="create the application and deployment group (`ecsflow bootstrap codedeploy`), or name them under "
            f"services.{svc.key}.codedeploy in ecsflow.yml. Nothing was changed.",
        )
    memo.put(svc.cluster, svc.service, found.application, found.name)
    sink(Message(clock.now(), svc.key, f"CodeDeploy group {found.application}/{found.name} found and remembered"))
    return found


def routing_of(codedeploy: CodeDeployPort, name: str) -> TrafficRouting:
    known = PREDEFINED.get(name)
    if known is not None:
        return known
    try:
        return codedeploy.get_deployment_config(name)
    except ResourceNotFound as exc:
        raise ConfigError(
            f"deployment configuration {name!r} does not exist",
            [Problem(exc.message, "--deployment-config")],
            hint="use a predefined one (CodeDeployDefault.ECSAllAtOnce, …ECSCanary10Percent5Minutes, "
            "…ECSLinear10PercentEvery1Minutes) or create it first. Nothing was changed.",
        ) from exc


def codedeploy_timeout(spec: CodeDeploySpec, grace_seconds: int = 0, *, until_complete: bool = True) -> float:
    """MARGIN + INSTALL (+ the health check grace period) + PER_HOOK per hook + TEST_TRAFFIC
    + the configuration's traffic shifting time + the termination wait (when waiting to the end),
    at least MINIMUM. The ready wait is not counted: ecsflow returns (paused) when it begins."""
    total = MARGIN + INSTALL + grace_seconds + PER_HOOK * len(spec.hooks) + TEST_TRAFFIC
    total += spec.routing.shifting_seconds
    if until_complete:
        total += spec.group.termination_wait_minutes * 60.0
    return max(total, MINIMUM)


def container_names(plan: ServicePlan) -> set[str]:
    return {str(c.get("name")) for c in (plan.body or {}).get("containerDefinitions") or () if c.get("name")}


class CodeDeployPreparer:
    def __init__(
        self,
        codedeploy: CodeDeployPort,
        memo: GroupMemo,
        load_appspec: AppSpecLoader,
        clock: Clock,
        sink: EventSink,
    ) -> None:
        self.codedeploy = codedeploy
        self.memo = memo
        self.load_appspec = load_appspec
        self.clock = clock
        self.sink = sink

    def prepare(
        self,
        plan: DeployPlan,
        services: Sequence[ServiceConfig],
        *,
        deployment_config: str | None = None,
        until_complete: bool = True,
    ) -> tuple[DeployPlan, dict[str, CodeDeploySpec]]:
        configs = {s.key: s for s in services}
        specs: dict[str, CodeDeploySpec] = {}
        problems: list[Problem] = []
        plans: list[ServicePlan] = []
        for p in plan.services:
            if p.strategy != STRATEGY:
                plans.append(p)
                continue
            svc = configs.get(p.key) or ServiceConfig(key=p.key, cluster=p.cluster, service=p.service)
            group = resolve_group(self.codedeploy, self.memo, svc, self.sink, self.clock)
            busy = group.last_attempted_status
            if group.last_attempted and busy and busy not in FINAL_STATUSES:
                # One deployment per group at a time (§5.6): refuse before registering anything.
                raise OperationFailed(
                    f"{p.key}: CodeDeploy deployment {group.last_attempted} of {group.application}/{group.name} "
                    f"is still {busy}; CodeDeploy runs one deployment per group at a time",
                    hint=f"wait for it (`ecsflow wait {p.key}`), continue it (`ecsflow continue {p.key}`) or stop "
                    f"it (`ecsflow rollback {p.key}`). Nothing was changed.",
                )
            cfg = svc.codedeploy
            chosen = deployment_config or (cfg.deployment_config if cfg else None)
            routing = routing_of(self.codedeploy, chosen or group.deployment_config or DEFAULT_CONFIG)
            try:
                appspec, source = self._appspec(svc, p)
            except EcsflowError as exc:
                details = getattr(exc, "problems", ())
                problems += list(details) or [Problem(exc.message, "", svc.key)]
                continue
            container = appspec.container_name
            names = container_names(p)
            if names and container not in names:
                problems.append(
                    Problem(
                        f"LoadBalancerInfo.ContainerName {container!r} is not a container of the task definition "
                        f"({', '.join(sorted(names))})",
                        "Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerName",
                        appspec.file,
                    )
                )
                continue
            hooks = tuple(next(iter(h)) for h in _hooks(appspec.data))
            spec = CodeDeploySpec(p.key, group, routing, chosen, appspec, source, hooks)
            specs[p.key] = spec
            timeout = codedeploy_timeout(spec, until_complete=until_complete) if p.timeout_derived else p.timeout
            plans.append(replace(p, timeout=timeout, details=tuple(spec.lines())))
        if problems:
            raise problems_error(ArtifactError, "the AppSpec", problems, hint="nothing was registered or deployed")
        return DeployPlan(tuple(plans), plan.groups), specs

    def _appspec(self, svc: ServiceConfig, p: ServicePlan) -> tuple[AppSpec, str]:
        if svc.codedeploy is not None and svc.codedeploy.appspec:
            return self.load_appspec(svc), f"file {svc.codedeploy.appspec}"
        raw = self.codedeploy.describe_service(p.cluster, p.service)
        if raw is None:
            raise ResourceNotFound(f"service {p.service} not found in cluster {p.cluster}")
        raw = dict(raw)
        if not raw.get("networkConfiguration"):
            # A CODE_DEPLOY service may carry its network settings on its task sets only.
            primary = next((t for t in raw.get("taskSets") or () if t.get("status") == "PRIMARY"), None)
            if primary and primary.get("networkConfiguration"):
                raw["networkConfiguration"] = primary["networkConfiguration"]
        return appspec_from_service(raw, file=f"service {p.service}"), "generated from the service"


def _hooks(data: Mapping[Any, Any]) -> list[Mapping[Any, Any]]:
    for key, value in data.items():
        if isinstance(key, str) and key.lower() == "hooks" and isinstance(value, list):
            return [h for h in value if isinstance(h, Mapping) and len(h) == 1]
    return []
