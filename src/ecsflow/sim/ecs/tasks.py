"""Task lifecycle and service events: launching, failing, stopping, and the event ring.

Task timeline (ServiceScenario knobs): PENDING for ``task_start_seconds``, then
RUNNING, counted healthy ``healthy_after_seconds`` later (AWS counts a task without
health check or load balancer as healthy 40 s after RUNNING; the knob replaces that);
a stopped task takes ``task_stop_seconds`` to reach STOPPED.

Event wording follows AWS-SEMANTICS 6.7 ("has started N tasks", "has stopped N running
tasks", "deployment completed", "has reached a steady state": observed on AWS).
"""

from __future__ import annotations

import fnmatch
from typing import Protocol

from ecsflow.sim.context import ServiceScenario
from ecsflow.sim.ecs import ids
from ecsflow.sim.ecs.state import (
    PENDING,
    RUNNING,
    STOPPED,
    ContainerSpec,
    Deployment,
    Event,
    NativeRun,
    ServiceSim,
    SimTask,
)

MAX_EVENTS = 100  # the service event ring keeps 100, newest first (AWS-SEMANTICS 6.7)
MAX_STOPPED_TASKS = 100  # assumed bound; AWS shows stopped tasks for about an hour

# Reasons whose task never ran a container: ECS reports them as TaskFailedToStart.
_START_FAILURE_PREFIXES = ("CannotPullContainerError", "ResourceInitializationError", "CannotStart")


class Env(Protocol):
    """What the state machines need from the outside world (moto, the context)."""

    @property
    def seed(self) -> int: ...

    @property
    def region(self) -> str: ...

    @property
    def account_id(self) -> str: ...

    def number(self, kind: str) -> int: ...

    def scenario(self, sim: ServiceSim) -> ServiceScenario: ...

    def containers(self, task_definition_arn: str) -> list[ContainerSpec]: ...

    def failing_image(self, image: str) -> bool: ...

    def task_failed(self, sim: ServiceSim, task: SimTask) -> None: ...

    def traffic_changed(self, sim: ServiceSim, run: NativeRun) -> None: ...


def image_matches(image: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(image, pattern) for pattern in patterns)


def add_event(env: Env, sim: ServiceSim, now: float, message: str) -> None:
    event = Event(ids.uuid_like(env.seed, "ecs-event", env.number("ecs-event")), now, message)
    sim.events.insert(0, event)
    del sim.events[MAX_EVENTS:]


def _will_fail(env: Env, sim: ServiceSim, deployment: Deployment, containers: list[ContainerSpec]) -> bool:
    if any(env.failing_image(c.image) for c in containers):
        return True
    if deployment.is_rollback:
        # Assumed: a rollback goes back to a revision that ran before, so the
        # scenario's "new tasks fail" knobs do not apply to it.
        return False
    scenario = env.scenario(sim)
    if scenario.fail_new_tasks:
        return True
    return sim.tasks_launched <= scenario.fail_first_tasks


def launch(env: Env, sim: ServiceSim, deployment: Deployment, now: float, count: int) -> list[SimTask]:
    """Start ``count`` tasks for ``deployment``; emits "has started N tasks"."""
    scenario = env.scenario(sim)
    started: list[SimTask] = []
    for _ in range(count):
        containers = env.containers(deployment.task_definition)
        sim.tasks_launched += 1
        task_id = ids.hex32(env.seed, "ecs-task", env.number("ecs-task"))
        task = SimTask(
            task_id=task_id,
            arn=f"arn:aws:ecs:{env.region}:{env.account_id}:task/{sim.cluster_name}/{task_id}",
            deployment_id=deployment.id,
            task_definition_arn=deployment.task_definition,
            containers=containers,
            created_at=now,
            start_at=now + scenario.task_start_seconds,
            healthy_after=scenario.healthy_after_seconds,
            will_fail=_will_fail(env, sim, deployment, containers),
        )
        deployment.tasks.append(task)
        started.append(task)
    if started:
        deployment.updated_at = now
        names = " ".join(f"(task {t.task_id})" for t in started)
        add_event(env, sim, now, f"(service {sim.service_name}) has started {len(started)} tasks: {names}.")
    return started


def stop(
    env: Env,
    sim: ServiceSim,
    tasks: list[SimTask],
    now: float,
    reason: str,
    code: str = "ServiceSchedulerInitiated",
) -> None:
    """Ask tasks to stop; they reach STOPPED after ``task_stop_seconds``.

    A PENDING task stops at once (nothing to drain; assumed).
    """
    if not tasks:
        return
    stop_seconds = env.scenario(sim).task_stop_seconds
    for task in tasks:
        task.desired_status = STOPPED
        task.stopping_at = now
        task.stop_code = code
        task.stopped_reason = reason
        task.stop_at = now if task.last_status == PENDING else now + stop_seconds
    names = " ".join(f"(task {t.task_id})" for t in tasks)
    add_event(env, sim, now, f"(service {sim.service_name}) has stopped {len(tasks)} running tasks: {names}.")


def _fail(env: Env, sim: ServiceSim, task: SimTask, now: float) -> None:
    scenario = env.scenario(sim)
    reason = scenario.failure_reason
    task.last_status = STOPPED
    task.desired_status = STOPPED
    task.stopped_at = now
    task.stopped_reason = reason
    if reason.startswith(_START_FAILURE_PREFIXES):
        task.stop_code = "TaskFailedToStart"
    else:
        # The container started and its essential container exited (assumed from the
        # reason text, since the scenario gives the reason, not the stop code).
        task.stop_code = "EssentialContainerExited"
        task.exit_code = scenario.exit_code
        task.container_reason = reason
    env.task_failed(sim, task)


def due_times(sim: ServiceSim) -> list[float]:
    """When each task of the service changes next."""
    times: list[float] = []
    for task in sim.all_tasks():
        if task.last_status == STOPPED:
            continue
        if task.stop_at is not None:
            times.append(task.stop_at)
        elif task.last_status == PENDING:
            times.append(task.start_at)
        elif not task.healthy and task.started_at is not None:
            times.append(task.started_at + task.healthy_after)
    return times


def transition(env: Env, sim: ServiceSim, now: float) -> tuple[list[SimTask], list[SimTask]]:
    """Apply every task transition due at or before ``now``.

    Returns (tasks that failed, tasks that became healthy).
    """
    failed: list[SimTask] = []
    healthy: list[SimTask] = []
    for deployment in sim.deployments:
        for task in deployment.tasks:
            if task.last_status == STOPPED:
                continue
            if task.stop_at is not None:
                if task.stop_at <= now:
                    task.last_status = STOPPED
                    task.stopped_at = task.stop_at
                    task.healthy = False
                continue
            if task.last_status == PENDING and task.start_at <= now:
                if task.will_fail:
                    _fail(env, sim, task, task.start_at)
                    deployment.failed_tasks += 1
                    failed.append(task)
                    continue
                task.last_status = RUNNING
                task.started_at = task.start_at
            started = task.started_at
            due = started is not None and started + task.healthy_after <= now
            if task.last_status == RUNNING and not task.healthy and started is not None and due:
                task.healthy = True
                task.healthy_at = started + task.healthy_after
                healthy.append(task)
    return failed, healthy


def retire_stopped(sim: ServiceSim) -> None:
    """Move STOPPED tasks out of their deployments into the service's stopped list."""
    for deployment in sim.deployments:
        stopped = [t for t in deployment.tasks if t.last_status == STOPPED]
        if stopped:
            deployment.tasks = [t for t in deployment.tasks if t.last_status != STOPPED]
            sim.stopped_tasks.extend(stopped)
    del sim.stopped_tasks[: max(0, len(sim.stopped_tasks) - MAX_STOPPED_TASKS)]
