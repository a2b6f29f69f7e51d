"""In-memory fakes of the ports in ``ecsflow.ports`` with scripted timelines, and a fake clock.

``FakeClock.sleep`` advances time instantly, so a 30-minute wait runs in microseconds.
``FakeEcs`` keeps task definitions, services and tasks in memory; each service may carry a
*timeline*: a list of ``(seconds after UpdateService, action)`` pairs applied as the fake
clock passes them (``timelines.py`` builds common ones: ``rollout_succeeds``,
``circuit_breaker_rollback``, ``tasks_fail``, ``superseded_by``).
Every call is counted per operation in ``calls``; ``fail_next`` injects errors.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ecsflow.errors import EcsflowError, ResourceNotFound
from ecsflow.events import Event
from ecsflow.ports import (
    ContainerState,
    EcsDeployment,
    RegisteredTaskDefinition,
    ServiceDeploymentInfo,
    ServiceEvent,
    ServiceRevisionInfo,
    ServiceState,
    TargetHealth,
    TaskInfo,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
START = 1_767_225_600.0


class FakeClock:
    """A clock whose ``sleep`` advances time at once. ``on_sleep`` lets tests act mid-wait."""

    def __init__(self, start: float = START) -> None:
        self.t = start
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[float], None] | None = None

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        if self.on_sleep is not None:
            self.on_sleep(self.t)

    def advance(self, seconds: float) -> None:
        self.t += seconds


class RecordingSink:
    """An ``EventSink`` that keeps every event."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def td_arn(family: str, revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"


def cluster_arn(cluster: str) -> str:
    return cluster if cluster.startswith("arn:") else f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}"


Action = Callable[["FakeService", "FakeEcs"], None]


@dataclass
class FakeService:
    """A mutable service; ``state()`` gives the frozen ``ServiceState`` the port returns."""

    cluster: str
    name: str
    task_definition: str
    desired: int = 2
    deployments: list[EcsDeployment] = field(default_factory=list)
    events: list[ServiceEvent] = field(default_factory=list)  # newest first
    controller: str = "ECS"
    strategy: str = "ROLLING"
    circuit_breaker: bool = True
    circuit_breaker_rollback: bool = True
    load_balancers: tuple[Any, ...] = ()
    health_check_grace_seconds: int = 0
    timeline: list[tuple[float, Action]] = field(default_factory=list)
    updated_at: float | None = None
    service_deployments: list[ServiceDeploymentInfo] = field(default_factory=list)

    @property
    def running(self) -> int:
        return sum(d.running for d in self.deployments)

    def state(self) -> ServiceState:
        return ServiceState(
            cluster=cluster_arn(self.cluster),
            name=self.name,
            arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{self.cluster}/{self.name}",
            status="ACTIVE",
            task_definition=self.task_definition,
            desired=self.desired,
            running=self.running,
            pending=sum(d.pending for d in self.deployments),
            deployments=tuple(self.deployments),
            events=tuple(self.events),
            controller=self.controller,
            strategy=self.strategy,
            circuit_breaker=self.circuit_breaker,
            circuit_breaker_rollback=self.circuit_breaker_rollback,
            minimum_healthy_percent=100,
            maximum_percent=200,
            health_check_grace_seconds=self.health_check_grace_seconds,
            load_balancers=self.load_balancers,
        )

    def find(self, deployment_id: str) -> EcsDeployment | None:
        return next((d for d in self.deployments if d.id == deployment_id), None)

    def set(self, deployment_id: str, **changes: Any) -> None:
        self.deployments = [replace(d, **changes) if d.id == deployment_id else d for d in self.deployments]

    @property
    def primary(self) -> EcsDeployment:
        return next(d for d in self.deployments if d.status == "PRIMARY")


class FakeEcs:
    """An in-memory ``EcsPort``."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.task_definitions: dict[str, list[RegisteredTaskDefinition]] = {}
        self.services: dict[tuple[str, str], FakeService] = {}
        self.tasks: dict[str, list[TaskInfo]] = {}  # cluster -> tasks
        self.calls: Counter[str] = Counter()
        self.registered: list[RegisteredTaskDefinition] = []
        self.updates: list[tuple[str, str, str]] = []
        self.service_deployments_api = True
        self.service_revisions: dict[str, ServiceRevisionInfo] = {}  # read-side verbs
        self.stopped_deployments: list[tuple[str, str]] = []
        self._errors: dict[str, list[EcsflowError]] = {}
        self._skip: dict[str, int] = {}
        self._ids = itertools.count(1_000_001)
        self._event_ids = itertools.count(1)

    # --- set-up helpers -------------------------------------------------------------
    def add_task_definition(
        self, body: Mapping[str, Any], tags: Mapping[str, str] | None = None, *, status: str = "ACTIVE"
    ) -> RegisteredTaskDefinition:
        family = str(body["family"])
        revisions = self.task_definitions.setdefault(family, [])
        rev = len(revisions) + 1
        td = RegisteredTaskDefinition(td_arn(family, rev), family, rev, status, dict(body), dict(tags or {}))
        revisions.append(td)
        return td

    def add_service(self, cluster: str, name: str, task_definition: str, *, desired: int = 2, **kw: Any) -> FakeService:
        svc = FakeService(cluster=cluster, name=name, task_definition=task_definition, desired=desired, **kw)
        svc.deployments = [
            EcsDeployment(
                id=self.new_deployment_id(),
                status="PRIMARY",
                task_definition=task_definition,
                desired=desired,
                running=desired,
                rollout_state="COMPLETED",
                created_at=self.clock.now() - 3600,
            )
        ]
        self.services[(cluster, name)] = svc
        return svc

    def new_deployment_id(self) -> str:
        return f"ecs-svc/{next(self._ids)}"

    def add_event(self, svc: FakeService, message: str) -> None:
        svc.events.insert(0, ServiceEvent(f"ev-{next(self._event_ids)}", self.clock.now(), message))
        del svc.events[100:]  # ECS keeps the last 100

    def add_stopped_task(
        self, svc: FakeService, deployment_id: str, reason: str, containers: Sequence[ContainerState] = ()
    ) -> TaskInfo:
        n = sum(len(v) for v in self.tasks.values()) + 1
        task = TaskInfo(
            arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{svc.cluster}/{n:032x}",
            task_definition=getattr(svc.find(deployment_id), "task_definition", ""),
            last_status="STOPPED",
            started_by=deployment_id,
            stopped_reason=reason,
            stopped_at=self.clock.now(),
            containers=tuple(containers),
        )
        self.tasks.setdefault(svc.cluster, []).append(task)
        return task

    def fail_next(self, operation: str, *errors: EcsflowError, after: int = 0) -> None:
        """The next calls of ``operation`` (after ``after`` successful ones) raise these errors, in order."""
        self._errors.setdefault(operation, []).extend(errors)
        self._skip[operation] = after

    def _enter(self, operation: str) -> None:
        self.calls[operation] += 1
        self._advance()
        if self._skip.get(operation, 0) > 0:
            self._skip[operation] -= 1
            return
        queued = self._errors.get(operation)
        if queued:
            raise queued.pop(0)

    def _advance(self) -> None:
        now = self.clock.now()
        for svc in self.services.values():
            if svc.updated_at is None:
                continue
            while svc.timeline and svc.updated_at + svc.timeline[0][0] <= now:
                _, action = svc.timeline.pop(0)
                action(svc, self)

    def _service(self, cluster: str, name: str) -> FakeService:
        svc = self.services.get((cluster, name))
        if svc is None:
            raise ResourceNotFound(f"ecs:UpdateService failed: ServiceNotFoundException: {cluster}/{name}")
        return svc

    # --- EcsPort --------------------------------------------------------------------
    def describe_services(self, cluster: str, services: Sequence[str]) -> dict[str, ServiceState]:
        names = list(dict.fromkeys(services))
        for _ in range(0, len(names), 10):
            self._enter("DescribeServices")
        return {n: self.services[(cluster, n)].state() for n in names if (cluster, n) in self.services}

    def describe_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        self._enter("DescribeTaskDefinition")
        name = ref.rsplit("/", 1)[-1]
        family, _, rev = name.partition(":")
        revisions = self.task_definitions.get(family, [])
        if rev:
            found = [td for td in revisions if td.revision == int(rev)]
        else:
            found = [td for td in revisions if td.status == "ACTIVE"][-1:]
        if not found:
            raise ResourceNotFound(f"task definition {ref!r} does not exist", code="ClientException")
        return found[0]

    def list_task_definitions(self, family: str, *, newest_first: bool = True, limit: int | None = None) -> list[str]:
        self._enter("ListTaskDefinitions")
        arns = [td.arn for td in self.task_definitions.get(family, []) if td.status == "ACTIVE"]
        if newest_first:
            arns.reverse()
        return arns[:limit] if limit else arns

    def register_task_definition(self, body: Mapping[str, Any], tags: Mapping[str, str]) -> RegisteredTaskDefinition:
        self._enter("RegisterTaskDefinition")
        td = self.add_task_definition(body, tags)
        self.registered.append(td)
        return td

    def update_service(
        self, cluster: str, service: str, task_definition: str, *, force_new_deployment: bool = False
    ) -> ServiceState:
        self._enter("UpdateService")
        svc = self._service(cluster, service)
        self.updates.append((cluster, service, task_definition))
        svc.deployments = [replace(d, status="ACTIVE") if d.status == "PRIMARY" else d for d in svc.deployments]
        dep = EcsDeployment(
            id=self.new_deployment_id(),
            status="PRIMARY",
            task_definition=task_definition,
            desired=svc.desired,
            rollout_state="IN_PROGRESS",
            rollout_reason="ECS deployment in progress.",
            created_at=self.clock.now(),
            updated_at=self.clock.now(),
        )
        svc.deployments.insert(0, dep)
        svc.task_definition = task_definition
        svc.updated_at = self.clock.now()
        return svc.state()

    def service_deployments(
        self, cluster: str, service: str, *, created_after: float | None = None
    ) -> list[ServiceDeploymentInfo] | None:
        self._enter("ListServiceDeployments")
        if not self.service_deployments_api:
            return None
        svc = self._service(cluster, service)
        found = [d for d in svc.service_deployments if created_after is None or d.created_at >= created_after]
        return sorted(found, key=lambda d: d.created_at, reverse=True)

    def list_stopped_tasks(
        self, cluster: str, *, started_by: str | None = None, family: str | None = None, limit: int = 20
    ) -> list[str]:
        self._enter("ListTasks")
        tasks = [
            t
            for t in self.tasks.get(cluster, [])
            if t.last_status == "STOPPED"
            and (started_by is None or t.started_by == started_by)
            and (family is None or t.task_definition.rsplit("/", 1)[-1].split(":")[0] == family)
        ]
        return [t.arn for t in tasks][:limit]

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskInfo]:
        self._enter("DescribeTasks")
        wanted = set(task_arns)
        return [t for t in self.tasks.get(cluster, []) if t.arn in wanted]

    # --- read-side verbs (status, revisions, history, deregister, rollback) -------------
    def add_service_deployment(
        self,
        svc: FakeService,
        task_definition: str,
        status: str,
        *,
        at: float,
        images: Sequence[tuple[str, str, str | None]] = (),
        finished_after: float | None = 60.0,
        reason: str | None = None,
    ) -> ServiceDeploymentInfo:
        """A past (or ongoing) service deployment of ``task_definition`` with its service revision."""
        n = len(self.service_revisions) + 1
        base = f"{REGION}:{ACCOUNT}"
        rev = ServiceRevisionInfo(
            f"arn:aws:ecs:{base}:service-revision/{svc.cluster}/{svc.name}/{n}", task_definition, tuple(images), at
        )
        self.service_revisions[rev.arn] = rev
        info = ServiceDeploymentInfo(
            arn=f"arn:aws:ecs:{base}:service-deployment/{svc.cluster}/{svc.name}/sd{n}",
            status=status,
            status_reason=reason,
            target_revision_arn=rev.arn,
            created_at=at,
            finished_at=None if finished_after is None else at + finished_after,
        )
        svc.service_deployments.append(info)
        return info

    def describe_service_revisions(self, arns: Sequence[str]) -> list[ServiceRevisionInfo] | None:
        self._enter("DescribeServiceRevisions")
        if not self.service_deployments_api:
            return None
        return [self.service_revisions[a] for a in dict.fromkeys(arns) if a in self.service_revisions]

    def deregister_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        self._enter("DeregisterTaskDefinition")
        family, _, rev = ref.rsplit("/", 1)[-1].partition(":")
        revisions = self.task_definitions.get(family, [])
        for i, td in enumerate(revisions):
            if str(td.revision) == rev:
                revisions[i] = replace(td, status="INACTIVE")
                return revisions[i]
        raise ResourceNotFound(f"task definition {ref!r} does not exist", code="ClientException")

    def stop_service_deployment(self, arn: str, *, stop_type: str = "ROLLBACK") -> None:
        self._enter("StopServiceDeployment")
        self.stopped_deployments.append((arn, stop_type))


class FakeEcr:
    """``EcrPort``: ``images[(repository, tag)] = digest``."""

    def __init__(self) -> None:
        self.images: dict[tuple[str, str], str] = {}
        self.calls: Counter[str] = Counter()

    def push(self, repository: str, tag: str, digest: str | None = None) -> str:
        digest = digest or "sha256:" + hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()
        self.images[(repository, tag)] = digest
        return digest

    def resolve_tags(
        self, repository: str, tags: Sequence[str], *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str | None]:
        self.calls["BatchGetImage"] += 1
        return {t: self.images.get((repository, t)) for t in tags}


class FakeLogs:
    def __init__(self) -> None:
        self.streams: dict[tuple[str, str], list[str]] = {}
        self.calls: Counter[str] = Counter()

    def tail(self, group: str, stream: str, limit: int, *, region: str | None = None) -> list[str]:
        self.calls["GetLogEvents"] += 1
        return self.streams.get((group, stream), [])[-limit:]


class FakeElb:
    def __init__(self) -> None:
        self.health: dict[str, list[TargetHealth]] = {}
        self.calls: Counter[str] = Counter()

    def target_health(self, target_group_arn: str) -> list[TargetHealth]:
        self.calls["DescribeTargetHealth"] += 1
        return self.health.get(target_group_arn, [])
