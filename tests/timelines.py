"""Scripted rollout timelines for ``FakeService.timeline`` (see ``fakes.py``).

Each builder returns ``[(seconds after UpdateService, action), …]``; actions change the
fake service the way ECS would (AWS-SEMANTICS.md §6.3, §6.4).
"""

from __future__ import annotations

from dataclasses import replace

from ecsflow.ports import ContainerState, EcsDeployment
from fakes import Action, FakeEcs, FakeService


def _ours(svc: FakeService) -> EcsDeployment:
    return svc.primary


def rollout_succeeds(after: float = 60.0) -> list[tuple[float, Action]]:
    """Like ECS with maximumPercent 200: new tasks run at ``after/3``, the old ones stop at
    ``2·after/3`` and the rollout completes at ``after``."""
    state: dict[str, str] = {}

    def start(svc: FakeService, ecs: FakeEcs) -> None:
        ours = _ours(svc)
        state["id"] = ours.id
        svc.set(ours.id, running=svc.desired)
        ecs.add_event(svc, f"(service {svc.name}) has started {svc.desired} tasks.")

    def stop_old(svc: FakeService, ecs: FakeEcs) -> None:
        svc.deployments = [d if d.id == state["id"] else replace(d, running=0) for d in svc.deployments]
        ecs.add_event(svc, f"(service {svc.name}) has stopped {svc.desired} running tasks.")

    def complete(svc: FakeService, ecs: FakeEcs) -> None:
        svc.deployments = [d for d in svc.deployments if d.id == state["id"]]
        svc.set(state["id"], rollout_state="COMPLETED", rollout_reason=f"ECS deployment {state['id']} completed.")
        ecs.add_event(svc, f"(service {svc.name}) (deployment {state['id']}) deployment completed.")
        ecs.add_event(svc, f"(service {svc.name}) has reached a steady state.")

    return [(after / 3, start), (2 * after / 3, stop_old), (after, complete)]


def tasks_fail(
    every: float = 10.0, count: int = 3, reason: str = "Essential container in task exited"
) -> list[tuple[float, Action]]:
    """``count`` tasks of our deployment fail to start, one every ``every`` seconds."""
    steps: list[tuple[float, Action]] = []
    for i in range(count):

        def fail(svc: FakeService, ecs: FakeEcs, i: int = i) -> None:
            ours = next(d for d in svc.deployments if d.rollout_state == "IN_PROGRESS")
            svc.set(ours.id, failed_tasks=ours.failed_tasks + 1)
            ecs.add_stopped_task(svc, ours.id, reason, [ContainerState("app", exit_code=1, reason="exit 1")])
            ecs.add_event(svc, f"(service {svc.name}) has started 1 tasks: (task t{i}).")

        steps.append((every * (i + 1), fail))
    return steps


def circuit_breaker_rollback(after: float = 40.0, *, rollback: bool = True) -> list[tuple[float, Action]]:
    """Tasks fail; at ``after`` the circuit breaker fails our deployment and (optionally)
    rolls back to the previous revision, which completes 30 s later."""
    state: dict[str, str] = {}

    def trip(svc: FakeService, ecs: FakeEcs) -> None:
        ours = next(d for d in svc.deployments if d.rollout_state == "IN_PROGRESS" and d.status == "PRIMARY")
        previous = next((d for d in svc.deployments if d.status == "ACTIVE"), None)
        state["id"] = ours.id
        if rollback and previous is not None:
            new_id = ecs.new_deployment_id()
            reason = f"ECS deployment circuit breaker: rolling back to deploymentId {previous.id}."
            svc.set(ours.id, status="ACTIVE", rollout_state="FAILED", rollout_reason=reason)
            back = replace(
                previous, id=new_id, status="PRIMARY", rollout_state="IN_PROGRESS", created_at=ecs.clock.now()
            )
            svc.deployments = [back, *[d for d in svc.deployments if d.id != previous.id]]
            svc.task_definition = previous.task_definition
            state["back"] = new_id
        else:
            reason = "ECS deployment circuit breaker: tasks failed to start."
            svc.set(ours.id, rollout_state="FAILED", rollout_reason=reason)
        ecs.add_event(svc, f"(service {svc.name}) (deployment {ours.id}) deployment failed: tasks failed to start.")

    def finish(svc: FakeService, ecs: FakeEcs) -> None:
        if "back" in state:
            svc.deployments = [d for d in svc.deployments if d.id == state["back"]]
            svc.set(state["back"], rollout_state="COMPLETED")

    return [*tasks_fail(after / 4, 3), (after, trip), (after + 30, finish)]


def superseded_by(task_definition: str, after: float = 20.0) -> list[tuple[float, Action]]:
    """Someone else updates the service to ``task_definition`` at ``after``."""

    def other(svc: FakeService, ecs: FakeEcs) -> None:
        svc.deployments = [replace(d, status="ACTIVE") if d.status == "PRIMARY" else d for d in svc.deployments]
        dep = EcsDeployment(
            id=ecs.new_deployment_id(),
            status="PRIMARY",
            task_definition=task_definition,
            desired=svc.desired,
            rollout_state="IN_PROGRESS",
            created_at=ecs.clock.now(),
        )
        svc.deployments.insert(0, dep)
        svc.task_definition = task_definition

    return [(after, other)]
