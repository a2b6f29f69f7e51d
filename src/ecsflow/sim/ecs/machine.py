"""One ECS service over simulated time: the operations that change it and the clock loop.

``advance`` processes every instant at which something is due (a task transition, a
stage timer, a hook timeout) in order, so the state observed at ``now`` does not depend
on how often a client polls. The operations (create, update, stop, continue, delete)
are what the moto adapter calls after validating a request.
"""

from __future__ import annotations

from typing import Any

from ecsflow.sim.ecs import config, ids, native, rolling, tasks
from ecsflow.sim.ecs.state import (
    SD_IN_PROGRESS,
    SD_ROLLBACK_REQUESTED,
    SD_STOP_REQUESTED,
    SD_STOPPED,
    NativeRun,
    Revision,
    ServiceDeploymentRecord,
    ServiceSim,
)
from ecsflow.sim.ecs.tasks import Env

SUPERSEDED = "Service deployment was superseded by a newer service deployment."  # assumed wording
STOPPED_BY_USER = "Service deployment stopped by StopServiceDeployment."  # assumed wording
ROLLED_BACK_BY_USER = "Service deployment rolled back by StopServiceDeployment."  # assumed wording


def _revision(env: Env, sim: ServiceSim, task_definition: str, now: float) -> Revision:
    number = ids.digits19(env.seed, "ecs-revision", env.number("ecs-revision"))
    arn = f"arn:aws:ecs:{env.region}:{env.account_id}:service-revision/{sim.cluster_name}/{sim.service_name}/{number}"
    images = [{"containerName": c.name, "image": c.image} for c in env.containers(task_definition)]
    revision = Revision(
        arn=arn,
        task_definition=task_definition,
        created_at=now,
        container_images=images,
        launch_type=sim.launch_type,
        load_balancers=list(sim.load_balancers),
        network_configuration=sim.network_configuration,
    )
    sim.revisions[arn] = revision
    return revision


def _target_groups(sim: ServiceSim) -> tuple[str | None, str | None]:
    """(blue, green) target groups: production moves to the group not carrying it now."""
    for lb in sim.load_balancers:
        advanced = lb.get("advancedConfiguration") or {}
        primary, alternate = lb.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")
        if primary and alternate:
            # Assumed: after each native deployment the groups swap roles, so the next
            # deployment's green is the group that is idle now.
            blue = sim.live_target_group or primary
            return blue, alternate if blue == primary else primary
    return None, None


def start_deployment(env: Env, sim: ServiceSim, now: float, task_definition: str) -> ServiceDeploymentRecord:
    """A new service deployment (CreateService, or a deployment-triggering UpdateService)."""
    previous = sim.native
    _supersede(env, sim, now)
    revision = _revision(env, sim, task_definition, now)
    token = ids.token(env.seed, "ecs-service-deployment", env.number("ecs-service-deployment"))
    arn = f"arn:aws:ecs:{env.region}:{env.account_id}:service-deployment/{sim.cluster_name}/{sim.service_name}/{token}"
    enabled = config.breaker_enabled(sim.configuration)
    record = ServiceDeploymentRecord(
        arn=arn,
        created_at=now,
        started_at=now,
        updated_at=now,
        target_revision_arn=revision.arn,
        source_revision_arns=list(dict.fromkeys(d.revision_arn for d in sim.deployments if d.live_tasks())),
        configuration=dict(sim.configuration),
        strategy=config.strategy(sim.configuration),
        circuit_breaker={
            "status": "MONITORING" if enabled else "DISABLED",
            "failureCount": 0,
            "threshold": config.failure_threshold(sim.desired_count, sim.configuration),
        },
    )
    sim.records.append(record)
    # Blue is what serves production: after a superseded native run, that run's blue.
    blue = previous.blue if previous is not None and previous.blue is not None else sim.primary
    green = rolling.new_deployment(env, sim, now, task_definition, revision.arn, record.arn)
    if record.strategy in config.NATIVE_STRATEGIES:
        blue_tg, green_tg = _target_groups(sim)
        has_blue = blue is not None and bool(blue.live_tasks())
        record.lifecycle_stage = "PRE_SCALE_UP"
        if not has_blue:
            # The first deployment serves production from the group carrying it now.
            blue_tg, green_tg = green_tg, blue_tg
        run = NativeRun(
            record=record,
            green=green,
            blue=blue if has_blue else None,
            green_target_group=green_tg,
            blue_target_group=blue_tg,
        )
        sim.native = run
        if not has_blue:
            record.prod_weight = record.test_weight = 100.0  # nothing else to send traffic to
        native.start(env, sim, run, now)
    else:
        record.prod_weight = record.test_weight = 100.0
        rolling.reconcile(env, sim, now)
    return record


def _supersede(env: Env, sim: ServiceSim, now: float) -> None:
    for record in sim.records:
        if not record.finished:
            rolling.finish(record, now, SD_STOPPED, SUPERSEDED)
    run = sim.native
    if run is not None:
        sim.native = None
        run.green.launching_stopped = True
        tasks.stop(env, sim, run.green.active_tasks(), now, "Service deployment superseded")
    primary = sim.primary
    if primary is not None and primary.rollout_state == "IN_PROGRESS" and primary.launching_stopped:
        primary.rollout_state = "FAILED"


def update(
    env: Env,
    sim: ServiceSim,
    now: float,
    *,
    task_definition: str | None,
    force: bool,
    triggered: bool,
    desired_count: int | None,
    deployment_configuration: dict[str, Any] | None,
) -> ServiceDeploymentRecord | None:
    """UpdateService after validation; returns the new service deployment, if any."""
    if deployment_configuration:
        sim.configuration = config.merge(sim.configuration, deployment_configuration)
    if desired_count is not None and desired_count != sim.desired_count:
        sim.desired_count = desired_count
        sim.steady = False
    changed_definition = task_definition is not None and task_definition != sim.task_definition
    if changed_definition or force or triggered:
        return start_deployment(env, sim, now, task_definition or sim.task_definition)
    step(env, sim, now)
    return None


def stop(env: Env, sim: ServiceSim, record: ServiceDeploymentRecord, stop_type: str, now: float) -> None:
    """StopServiceDeployment: ROLLBACK (documented) or ABORT (undocumented; assumed to freeze).

    A deployment already stopping or rolling back keeps doing so (AWS-SEMANTICS 6.6).
    """
    if record.status not in (SD_IN_PROGRESS, "PENDING"):
        return
    if stop_type == "ABORT":
        record.status = SD_STOP_REQUESTED
        record.status_reason = STOPPED_BY_USER
        record.updated_at = now
        return
    rolling.request_rollback(record, now, ROLLED_BACK_BY_USER)


def continue_hook(env: Env, sim: ServiceSim, hook_id: str, action: str, now: float) -> None:
    run = sim.native
    if run is None:
        return
    for hook in run.record.hooks:
        if hook.hook_id == hook_id:
            native.continue_hook(env, sim, run, hook, action, now)
            _finish_step(env, sim, now)
            return


def delete(env: Env, sim: ServiceSim, now: float) -> None:
    """DeleteService: DRAINING while tasks stop, then INACTIVE (AWS-SEMANTICS 6.4)."""
    _supersede(env, sim, now)
    sim.status = "DRAINING"
    sim.desired_count = 0
    tasks.stop(env, sim, [t for t in sim.all_tasks() if t.active], now, "Service deleted")
    step(env, sim, now)


def _pending_request(sim: ServiceSim) -> bool:
    return any(r.status in (SD_ROLLBACK_REQUESTED, SD_STOP_REQUESTED) for r in sim.records)


def _next_time(sim: ServiceSim, after: float | None) -> float | None:
    times = tasks.due_times(sim)
    if sim.native is not None:
        times += native.due_times(sim.native)
    # A stage whose timer passed but that waits for a hook is not due again: only
    # times after the last processed instant can bring something new.
    future = [t for t in times if after is None or t > after]
    return min(future) if future else None


def advance(env: Env, sim: ServiceSim, now: float) -> None:
    """Process every due instant up to ``now``, in time order."""
    for _ in range(100_000):
        due = _next_time(sim, sim.processed_at)
        if due is None or due > now:
            break
        sim.processed_at = due
        step(env, sim, due)
    if sim.processed_at is None or now > sim.processed_at or _pending_request(sim):
        sim.processed_at = now
        step(env, sim, now)


def step(env: Env, sim: ServiceSim, now: float) -> None:
    """Everything due at ``now``, repeated while instant transitions keep happening."""
    for _ in range(5):
        _failed, healthy = tasks.transition(env, sim, now)
        _reset_failures(sim, healthy)
        _handle_requests(env, sim, now)
        if sim.native is not None:
            native.advance(env, sim, sim.native, now)
        if sim.native is None:
            rolling.reconcile(env, sim, now)
        _finish_step(env, sim, now)
        if now not in tasks.due_times(sim):
            break


def _reset_failures(sim: ServiceSim, healthy: list[Any]) -> None:
    # resetOnHealthyTask (default true): a healthy task of the rollout resets the count.
    primary = sim.native.green if sim.native is not None else sim.primary
    if primary is None or not config.reset_on_healthy_task(sim.configuration):
        return
    if any(t.deployment_id == primary.id for t in healthy):
        primary.failed_tasks = 0


def _handle_requests(env: Env, sim: ServiceSim, now: float) -> None:
    for record in sim.records:
        if record.status == SD_STOP_REQUESTED:
            rolling.finish(record, now, SD_STOPPED, STOPPED_BY_USER)
            for deployment in sim.deployments:
                if deployment.record_arn == record.arn:
                    deployment.launching_stopped = True
                    if deployment.rollout_state == "IN_PROGRESS":
                        deployment.rollout_state = "FAILED"
                        deployment.rollout_state_reason = STOPPED_BY_USER
            if sim.native is not None and sim.native.record is record:
                sim.native = None
        elif record.status == SD_ROLLBACK_REQUESTED and (sim.native is None or sim.native.record is not record):
            rolling.start_rollback(env, sim, now, record, record.status_reason or ROLLED_BACK_BY_USER)


def _finish_step(env: Env, sim: ServiceSim, now: float) -> None:
    tasks.retire_stopped(sim)
    if sim.status == "DRAINING" and not any(t.last_status != "STOPPED" for t in sim.all_tasks()):
        sim.status = "INACTIVE"
        sim.deployments = []
    sim.updated_at = now


def is_stoppable(record: ServiceDeploymentRecord) -> bool:
    # ConflictException only for a finished deployment; an ongoing stop or rollback
    # "keeps going" (AWS-SEMANTICS 6.6).
    return not record.finished
