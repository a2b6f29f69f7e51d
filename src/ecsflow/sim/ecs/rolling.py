"""The rolling scheduler and the deployment circuit breaker (AWS-SEMANTICS 6.2-6.4).

``reconcile`` is called at every instant something changed (a task transition, an
UpdateService). It starts tasks of the PRIMARY deployment up to
floor(desired × maximumPercent / 100) tasks in total, stops tasks of older deployments
while keeping ceil(desired × minimumHealthyPercent / 100) healthy, counts failures
against the circuit-breaker threshold, rolls back to the last COMPLETED deployment
when asked to, and completes the deployment.
"""

from __future__ import annotations

from ecsflow.sim.ecs import config, ids, tasks
from ecsflow.sim.ecs.state import (
    SD_IN_PROGRESS,
    SD_ROLLBACK_FAILED,
    SD_ROLLBACK_IN_PROGRESS,
    SD_ROLLBACK_REQUESTED,
    SD_ROLLBACK_SUCCESSFUL,
    SD_STOPPED,
    SD_SUCCESSFUL,
    Deployment,
    ServiceDeploymentRecord,
    ServiceSim,
)
from ecsflow.sim.ecs.tasks import Env

CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."


def _scaling_reason(deployment: Deployment) -> str:
    # Observed stoppedReason of tasks replaced by a deployment.
    return f"Scaling activity initiated by (deployment {deployment.id})"


def new_deployment(
    env: Env,
    sim: ServiceSim,
    now: float,
    task_definition: str,
    revision_arn: str,
    record_arn: str | None,
    *,
    is_rollback: bool = False,
) -> Deployment:
    """Make a new PRIMARY deployment; the previous ones become ACTIVE."""
    deployment = Deployment(
        id=f"ecs-svc/{ids.digits19(env.seed, 'ecs-deployment', env.number('ecs-deployment'))}",
        task_definition=task_definition,
        revision_arn=revision_arn,
        created_at=now,
        updated_at=now,
        record_arn=record_arn,
        is_rollback=is_rollback,
    )
    for older in sim.deployments:
        older.status = "ACTIVE"
        older.updated_at = now
    sim.deployments.insert(0, deployment)
    sim.task_definition = task_definition
    sim.steady = False
    deployment.rollout_state_reason = f"ECS deployment {deployment.id} in progress."
    return deployment


def reconcile(env: Env, sim: ServiceSim, now: float) -> None:
    """Bring the service's tasks towards the desired state at ``now``."""
    primary = sim.primary
    if primary is None or sim.status != "ACTIVE":
        return
    # Failures counted by the task transitions trip the breaker before any new launch.
    _check_breaker(env, sim, now)
    primary = sim.deployments[0]
    desired = sim.desired_count
    minimum, maximum = config.task_limits(desired, sim.configuration)
    for _ in range(desired + 10):  # start/stop rounds until nothing changes
        changed = False
        active_primary = primary.active_tasks()
        total_active = sum(len(d.active_tasks()) for d in sim.deployments)
        if not primary.launching_stopped:
            need = desired - len(active_primary)
            room = maximum - total_active
            if need > 0 and room > 0:
                tasks.launch(env, sim, primary, now, min(need, room))
                changed = True
            elif need < 0:
                # Scale in: stop PENDING tasks first, then the newest.
                surplus = sorted(active_primary, key=lambda t: (t.last_status != "PENDING", -t.created_at))
                tasks.stop(env, sim, surplus[:-need], now, "Service scaled in")
                changed = True
        if not primary.launching_stopped:
            changed = _stop_old(env, sim, now, minimum) or changed
        if not changed:
            break
    _drop_drained(sim, now)
    _check_breaker(env, sim, now)
    _check_complete(env, sim, now)


def _stop_old(env: Env, sim: ServiceSim, now: float, minimum: int) -> bool:
    primary = sim.deployments[0]
    old = [t for d in sim.deployments[1:] for t in d.active_tasks()]
    if not old:
        return False
    healthy_total = sum(1 for d in sim.deployments for t in d.active_tasks() if t.healthy)
    unhealthy_old = [t for t in old if not t.healthy]
    healthy_old = [t for t in old if t.healthy]
    # Old tasks beyond what the service needs once the new ones are up.
    allowed = max(0, healthy_total - minimum)
    to_stop = unhealthy_old + healthy_old[:allowed]
    if not to_stop:
        return False
    tasks.stop(env, sim, to_stop, now, _scaling_reason(primary))
    return True


def _drop_drained(sim: ServiceSim, now: float) -> None:
    """An ACTIVE deployment disappears once all its tasks are STOPPED."""
    kept = [sim.deployments[0]]
    for deployment in sim.deployments[1:]:
        if deployment.live_tasks():
            kept.append(deployment)
    if len(kept) != len(sim.deployments):
        sim.deployments = kept
        sim.updated_at = now


def _check_breaker(env: Env, sim: ServiceSim, now: float) -> None:
    primary = sim.deployments[0]
    if primary.is_rollback:
        return
    record = sim.record(primary.record_arn)
    threshold = config.failure_threshold(sim.desired_count, sim.configuration)
    if record is not None and record.circuit_breaker is not None:
        record.circuit_breaker["failureCount"] = primary.failed_tasks
        record.circuit_breaker["threshold"] = threshold
    if (
        primary.launching_stopped
        or primary.rollout_state != "IN_PROGRESS"
        or not config.breaker_enabled(sim.configuration)
        or primary.failed_tasks < threshold
    ):
        return
    primary.rollout_state = "FAILED"
    primary.rollout_state_reason = CIRCUIT_BREAKER_REASON
    primary.launching_stopped = True
    primary.updated_at = now
    # Exact wording assumed (AWS-SEMANTICS 6.7: circuit-breaker messages observed, text uncertain).
    message = f"(service {sim.service_name}) (deployment {primary.id}) deployment failed: tasks failed to start."
    tasks.add_event(env, sim, now, message)
    if record is not None and record.circuit_breaker is not None:
        record.circuit_breaker["status"] = "TRIGGERED"
    if not config.breaker_rollback(sim.configuration):
        # Without rollback the service deployment is STOPPED (AWS-SEMANTICS 6.6).
        if record is not None:
            finish(record, now, SD_STOPPED, CIRCUIT_BREAKER_REASON)
        return
    start_rollback(env, sim, now, record, "Circuit breaker triggered")


def start_rollback(env: Env, sim: ServiceSim, now: float, record: ServiceDeploymentRecord | None, reason: str) -> bool:
    """Start a deployment back to the last COMPLETED deployment's revision.

    No new service revision is created for a rollback (AWS-SEMANTICS 6.6); the
    ``deployments[]`` entry gets a new ``ecs-svc/`` id (assumed, as EventBridge's
    "rolling back to deploymentId" names the target).
    """
    target = sim.last_completed
    failing = sim.deployments[0]
    if target is None:
        if record is not None:
            finish(record, now, SD_ROLLBACK_FAILED, "No previous COMPLETED deployment to roll back to.")
        return False
    failing.launching_stopped = True
    if failing.rollout_state == "IN_PROGRESS":
        failing.rollout_state = "FAILED"
        failing.rollout_state_reason = reason
    message = f"(service {sim.service_name}) (deployment {failing.id}) rolling back to deployment {target.id}."
    tasks.add_event(env, sim, now, message)
    rollback = new_deployment(
        env, sim, now, target.task_definition, target.revision_arn, failing.record_arn, is_rollback=True
    )
    # The failed rollout's tasks are stopped at once (they are not the way back).
    tasks.stop(env, sim, failing.active_tasks(), now, _scaling_reason(rollback))
    if record is not None:
        record.status = SD_ROLLBACK_IN_PROGRESS
        record.status_reason = reason
        record.updated_at = now
        record.rollback = {"reason": reason, "startedAt": now, "serviceRevisionArn": target.revision_arn}
    return True


def request_rollback(record: ServiceDeploymentRecord, now: float, reason: str) -> None:
    record.status = SD_ROLLBACK_REQUESTED
    record.status_reason = reason
    record.updated_at = now


def finish(record: ServiceDeploymentRecord, now: float, status: str, reason: str | None) -> None:
    record.status = status
    record.status_reason = reason
    record.updated_at = now
    record.finished_at = now
    if status == SD_STOPPED:
        record.stopped_at = now
    if record.circuit_breaker is not None and record.circuit_breaker["status"] == "MONITORING":
        record.circuit_breaker["status"] = "MONITORING_COMPLETE"


def _check_complete(env: Env, sim: ServiceSim, now: float) -> None:
    primary = sim.deployments[0]
    active = primary.active_tasks()
    done = (
        len(sim.deployments) == 1
        and len(active) == sim.desired_count
        and all(t.healthy for t in active)
        and not any(t.stop_at is not None for t in primary.tasks)
    )
    if not done:
        sim.steady = False
        return
    if primary.rollout_state == "IN_PROGRESS":
        primary.rollout_state = "COMPLETED"
        primary.rollout_state_reason = f"ECS deployment {primary.id} completed."
        primary.updated_at = now
        sim.last_completed = primary
        tasks.add_event(env, sim, now, f"(service {sim.service_name}) (deployment {primary.id}) deployment completed.")
        record = sim.record(primary.record_arn)
        if record is not None and not record.finished:
            if primary.is_rollback:
                finish(record, now, SD_ROLLBACK_SUCCESSFUL, record.status_reason)
            elif record.status == SD_IN_PROGRESS:
                finish(record, now, SD_SUCCESSFUL, "Service deployment completed successfully.")
    if not sim.steady:
        sim.steady = True
        tasks.add_event(env, sim, now, f"(service {sim.service_name}) has reached a steady state.")
