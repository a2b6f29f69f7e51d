"""Apply one service's plan: register (or reuse, or share), then UpdateService with the
exact revision ARN, and hand the deployment to the waiter by the id ECS returned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecsflow.engines.native_setup import NativeStart
from ecsflow.engines.records import PREFIX
from ecsflow.engines.strategy import NATIVE
from ecsflow.engines.tracking import Tracked
from ecsflow.events import DeploymentStarted, EventSink, RevisionRegistered
from ecsflow.lifecycle import ServiceDeploymentPort
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.plan import RevisionAction, ServicePlan
from ecsflow.ports import Clock, EcsPort, RegisteredTaskDefinition, ServiceState


def log_configs(body: Mapping[str, Any] | None) -> dict[str, tuple[str, str, str | None]]:
    """container -> (group, stream prefix, region) for containers logging with ``awslogs``:
    their streams are ``<prefix>/<container>/<task id>`` (the awslogs driver's naming)."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for c in (body or {}).get("containerDefinitions") or ():
        config = c.get("logConfiguration") or {}
        options = config.get("options") or {}
        group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
        if config.get("logDriver") == "awslogs" and group and prefix:
            region = options.get("awslogs-region")
            out[str(c.get("name"))] = (str(group), str(prefix), str(region) if region else None)
    return out


class Executor:
    def __init__(
        self,
        ecs: EcsPort,
        clock: Clock,
        sink: EventSink,
        native: ServiceDeploymentPort | None = None,
        native_starts: Mapping[str, NativeStart] | None = None,
    ) -> None:
        self.ecs = ecs
        # ECS-controller services whose UpdateService also sends deploymentConfiguration members
        # (a strategy switch, a gate's PAUSE hook) and returns the service deployment to follow.
        self.native = native
        self.native_starts = dict(native_starts or {})
        self.clock = clock
        self.sink = sink
        self.registered: dict[str, RegisteredTaskDefinition] = {}  # service key -> what it registered
        # Deployments started, recorded before anything else happens, so an interrupt that lands
        # right after UpdateService still knows (and reports) the deployment it started.
        self.started: dict[str, Tracked] = {}

    def start(self, plan: ServicePlan, sharing: Sequence[str] = ()) -> Tracked | DeploymentResult:
        """Start the deployment of ``plan``; ``sharing`` are the keys that share its registration."""
        target = self._revision(plan, sharing)
        if not plan.deploys:
            if plan.in_progress:
                state = self.ecs.describe_services(plan.cluster, [plan.service]).get(plan.service)
                if state is not None and state.deployment(plan.in_progress) is not None:
                    return self._track(plan, plan.in_progress, target, _previous(state, plan.in_progress))
            return DeploymentResult(
                service=plan.key,
                outcome=Outcome.SUCCEEDED,
                reason=f"already running {target.rsplit('/', 1)[-1]}: nothing to deploy",
                task_definition_arn=target,
                previous_task_definition_arn=plan.current,
                images=tuple((i.container, i.pinned) for i in plan.images),
                started_at=self.clock.now(),
                finished_at=self.clock.now(),
            )
        start = self.native_starts.get(plan.key)
        if self.native is not None and (plan.strategy in NATIVE or (start is not None and start.configuration)):
            configuration = start.configuration if start is not None else None
            deployment_id, arn = self.native.start_native(
                plan.cluster, plan.service, target, configuration, force_new_deployment=plan.force
            )
            tracked = self._track(plan, deployment_id, target, plan.current)
            tracked.service_deployment_arn = arn
        else:
            state = self.ecs.update_service(plan.cluster, plan.service, target, force_new_deployment=plan.force)
            tracked = self._track(plan, _our_deployment(state, target), target, plan.current)
        self.started[plan.key] = tracked
        self.sink(DeploymentStarted(self.clock.now(), plan.key, tracked.deployment_id, target, plan.strategy))
        return tracked

    def _revision(self, plan: ServicePlan, sharing: Sequence[str]) -> str:
        if plan.action is not RevisionAction.REGISTER:
            assert plan.target is not None
            if plan.action is RevisionAction.REUSE:
                self.sink(RevisionRegistered(self.clock.now(), plan.key, plan.target, reused=True))
            return plan.target
        # Whichever of the services sharing a registration runs first registers it (groups may
        # order a sharer before its owner); the others reuse it.
        owner = plan.shared_with or plan.key
        if owner in self.registered:
            arn = self.registered[owner].arn
            self.sink(RevisionRegistered(self.clock.now(), plan.key, arn, reused=True))
            return arn
        assert plan.body is not None
        tags = dict(plan.tags)
        if sharing:
            tags[f"{PREFIX}services"] = " ".join([plan.key, *sharing])[:256]
        td = self.ecs.register_task_definition(plan.body, tags)
        self.registered[plan.key] = self.registered[owner] = td
        self.sink(RevisionRegistered(self.clock.now(), plan.key, td.arn, reused=False))
        return td.arn

    def _track(self, plan: ServicePlan, deployment_id: str, target: str, previous: str | None) -> Tracked:
        now = self.clock.now()
        return Tracked(
            key=plan.key,
            cluster=plan.cluster,
            service=plan.service,
            deployment_id=deployment_id,
            task_definition=target,
            previous_task_definition=previous,
            started_at=now,
            deadline=now + plan.timeout,
            images=tuple((i.container, i.pinned) for i in plan.images),
            log_configs=log_configs(plan.body),
            strategy=plan.strategy,
            timeout_derived=plan.timeout_derived,
        )


def _our_deployment(state: ServiceState, target: str) -> str:
    """The PRIMARY deployment whose task definition is ours (ECS may echo family:rev or the ARN)."""
    suffix = target.rsplit("/", 1)[-1]
    for d in state.deployments:
        if d.status == "PRIMARY" and (d.task_definition == target or d.task_definition.endswith(suffix)):
            return d.id
    primary = state.primary
    if primary is None:
        from ecsflow.errors import InternalError

        raise InternalError(f"UpdateService returned no PRIMARY deployment for {state.name}")
    return primary.id


def _previous(state: ServiceState, deployment_id: str) -> str | None:
    return next((d.task_definition for d in state.deployments if d.id != deployment_id), None)
