"""``ecsflow wait``: find the deployment to follow on a service (or by its id) and hand it
to the waiter, also from another CI job than the one that started it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecsflow.engines.outcome import short_td
from ecsflow.engines.strategy import NATIVE
from ecsflow.engines.timeouts import default_timeout
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import EcsflowError, ResourceNotFound
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.ports import Clock, EcsDeployment, EcsPort, ServiceState

_ROLLED_BACK = frozenset({"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"})


@dataclass(frozen=True)
class AttachTarget:
    key: str
    cluster: str
    service: str
    deployment_id: str | None = None  # None: the service's newest deployment
    timeout: float | None = None


def attach(ecs: EcsPort, clock: Clock, targets: Sequence[AttachTarget]) -> tuple[list[Tracked], list[DeploymentResult]]:
    """Deployments to follow, and results already known (a settled rollback needs no wait)."""
    states: dict[str, ServiceState] = {}
    by_cluster: dict[str, list[AttachTarget]] = {}
    for target in targets:
        by_cluster.setdefault(target.cluster, []).append(target)
    for cluster, group in by_cluster.items():
        found = ecs.describe_services(cluster, [g.service for g in group])
        for g in group:
            if g.service not in found:
                raise ResourceNotFound(
                    f"service {g.service!r} not found in cluster {cluster!r}",
                    hint="check the service key, --env, the region and the account",
                )
            states[g.key] = found[g.service]
    tracked: list[Tracked] = []
    known: list[DeploymentResult] = []
    now = clock.now()
    for g in targets:
        state = states[g.key]
        native = state.controller == "ECS" and state.strategy in NATIVE
        # Native: refined from the service deployment's own settings at the first poll.
        timeout = g.timeout if g.timeout is not None else default_timeout(state)
        deployment_id = g.deployment_id
        late = False
        if deployment_id is None:
            primary = state.primary
            if primary is None:
                raise ResourceNotFound(f"service {g.service!r} has no deployment to follow")
            deployment_id = primary.id
            settled = len(state.deployments) == 1 and primary.rollout_state in ("COMPLETED", None)
            if settled:
                result = _settled_rollback(ecs, g, state)
                if result is not None:
                    known.append(result)
                    continue
        elif state.deployment(deployment_id) is None:
            late = True  # gone from the list: the first poll judges it from what replaced it
        ours = state.deployment(deployment_id)
        # Attaching late, what runs now is what replaced ours, not what ours replaced.
        previous = None if late else next((d.task_definition for d in state.deployments if d.id != deployment_id), None)
        tracked.append(
            Tracked(
                key=g.key,
                cluster=g.cluster,
                service=g.service,
                deployment_id=deployment_id,
                task_definition=ours.task_definition if ours else None,
                previous_task_definition=previous,
                started_at=now,
                deadline=now + timeout,
                created_at=ours.created_at if ours else None,
                attached_late=late,
                strategy=state.strategy if native else "ROLLING",
                timeout_derived=native and g.timeout is None,
                service_deployment_arn=_service_deployment_of(ecs, g, state, ours) if native and not late else None,
            )
        )
    return tracked, known


def _service_deployment_of(
    ecs: EcsPort, g: AttachTarget, state: ServiceState, ours: EcsDeployment | None
) -> str | None:
    """The service deployment ARN of the deployment followed: the service's current one for its
    PRIMARY, else the one created when ours was ([uncertain]: the API does not carry the ecs-svc id)."""
    primary = state.primary
    if ours is None or (primary is not None and primary.id == ours.id):
        return state.current_service_deployment
    try:
        found = ecs.service_deployments(g.cluster, g.service)
    except EcsflowError:
        return None
    if not found:
        return None
    return min(found, key=lambda d: abs(d.created_at - ours.created_at)).arn


def _settled_rollback(ecs: EcsPort, g: AttachTarget, state: ServiceState) -> DeploymentResult | None:
    """A settled service whose newest service deployment was rolled back: the PRIMARY is the
    rollback, so "completed" would be a lie; say rolled back (service deployments API, §6.6)."""
    try:
        found = ecs.service_deployments(g.cluster, g.service)
    except EcsflowError:
        return None
    if not found:
        return None
    newest = max(found, key=lambda d: d.created_at)
    if newest.status in _ROLLED_BACK or newest.status in ("STOPPED", "ROLLBACK_FAILED"):
        outcome = Outcome.ROLLED_BACK if newest.status in _ROLLED_BACK else Outcome.FAILED
        reason = newest.status_reason or newest.rollback_reason or newest.status.lower()
        return DeploymentResult(
            service=g.key,
            outcome=outcome,
            reason=f"the last deployment ended {newest.status}: {reason}; "
            f"the service runs {short_td(state.task_definition)}",
            task_definition_arn=state.task_definition,
        )
    return None


def find_deployment(ecs: EcsPort, candidates: Sequence[AttachTarget], deployment_id: str) -> AttachTarget:
    """The service (among ``candidates``) that lists ``deployment_id``; batched per cluster."""
    by_cluster: dict[str, list[AttachTarget]] = {}
    for c in candidates:
        by_cluster.setdefault(c.cluster, []).append(c)
    for cluster, group in by_cluster.items():
        states = ecs.describe_services(cluster, [g.service for g in group])
        for g in group:
            state = states.get(g.service)
            if state is not None and state.deployment(deployment_id) is not None:
                return AttachTarget(g.key, g.cluster, g.service, deployment_id, g.timeout)
    if len(candidates) == 1:
        # Gone from the list already (replaced, or rolled back and cleaned up): the waiter
        # judges it from what replaced it, with the service deployments API's help.
        only = candidates[0]
        return AttachTarget(only.key, only.cluster, only.service, deployment_id, only.timeout)
    raise ResourceNotFound(
        f"no configured service lists deployment {deployment_id}",
        hint="it may have finished already: `ecsflow wait SERVICE` reports the service's last deployment",
    )
