"""ECS native BLUE_GREEN / LINEAR / CANARY deployments (AWS-SEMANTICS 7).

A run walks the lifecycle stages in order (RECONCILE_SERVICE only when more than one
revision is live), with the traffic weights at each: green scales to 100 % of the
desired count in SCALE_UP, test traffic moves in TEST_TRAFFIC_SHIFT, production
traffic in PRODUCTION_TRAFFIC_SHIFT (one step, ``stepPercent`` steps, or canary then
the rest), both revisions run through BAKE_TIME, blue scales to zero in CLEAN_UP.
Hooks run when their stage starts; the stage ends only when every hook succeeded.

Assumed (not documented by AWS): stages without their own wait last
``ServiceScenario.stage_seconds``; Lambda hooks answer at once with the scenario's
``hook_results`` (Lambda code does not run locally); hooks are not re-run during a
rollback; PAUSE hooks are honoured for native strategies only.
"""

from __future__ import annotations

from ecsflow.sim.ecs import config, ids, rolling, tasks
from ecsflow.sim.ecs.state import (
    SD_IN_PROGRESS,
    SD_ROLLBACK_FAILED,
    SD_ROLLBACK_IN_PROGRESS,
    SD_ROLLBACK_REQUESTED,
    SD_ROLLBACK_SUCCESSFUL,
    SD_SUCCESSFUL,
    HookExecution,
    NativeRun,
    ServiceSim,
)
from ecsflow.sim.ecs.tasks import Env

# PRE_PRODUCTION_TRAFFIC_SHIFT is hookable but not a ServiceDeploymentLifecycleStage:
# its hooks run before the first production shift, shown as PRODUCTION_TRAFFIC_SHIFT.
STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
_DISPLAY = {"PRE_PRODUCTION_TRAFFIC_SHIFT": "PRODUCTION_TRAFFIC_SHIFT"}
_HOOK_DONE = frozenset({"SUCCEEDED"})
_LAMBDA_WAITING = frozenset({"IN_PROGRESS", "TIMEOUT", "MANUAL"})


def stage_seconds(env: Env, sim: ServiceSim) -> float:
    return float(getattr(env.scenario(sim), "stage_seconds", 15.0))


def start(env: Env, sim: ServiceSim, run: NativeRun, now: float) -> None:
    run.record.started_at = now
    run.record.updated_at = now
    # RECONCILE_SERVICE only runs when more than one revision is live (AWS-SEMANTICS 7.2).
    first = 0 if len(sim.deployments) > 2 else 1
    _enter(env, sim, run, first, now)


def due_times(run: NativeRun) -> list[float]:
    times = [run.stage_until]
    times += [h.expires_at for h in run.record.hooks if h.status in ("IN_PROGRESS", "AWAITING_ACTION")]
    return times


def advance(env: Env, sim: ServiceSim, run: NativeRun, now: float) -> None:
    """Everything due at ``now``: hook timeouts, stage ends, rollback progress."""
    record = run.record
    if record.status == SD_ROLLBACK_REQUESTED and not run.rolling_back:
        rollback(env, sim, run, now, record.status_reason or "Rollback requested")
    if not run.rolling_back:
        _keep_green(env, sim, run, now)  # may start a rollback (circuit breaker)
    for _ in range(len(STAGES) * 200):
        if _rolling_back(run):
            _advance_rollback(env, sim, run, now)
            return
        if sim.native is not run or not _step(env, sim, run, now):
            return


def _rolling_back(run: NativeRun) -> bool:
    return run.rolling_back


def _keep_green(env: Env, sim: ServiceSim, run: NativeRun, now: float) -> None:
    """Replace failed green tasks once SCALE_UP started; apply the circuit breaker."""
    if run.stage_index < STAGES.index("SCALE_UP"):
        return
    green = run.green
    missing = sim.desired_count - len(green.active_tasks())
    threshold = config.failure_threshold(sim.desired_count, sim.configuration)
    if run.record.circuit_breaker is not None:
        run.record.circuit_breaker["failureCount"] = green.failed_tasks
        run.record.circuit_breaker["threshold"] = threshold
    # Uncertain whether the breaker applies to blue/green (AWS-SEMANTICS 6.3); applied.
    if config.breaker_enabled(sim.configuration) and green.failed_tasks >= threshold:
        if run.record.circuit_breaker is not None:
            run.record.circuit_breaker["status"] = "TRIGGERED"
        green.rollout_state_reason = rolling.CIRCUIT_BREAKER_REASON
        rollback(env, sim, run, now, "Circuit breaker triggered")
        return
    if missing > 0 and run.stage_index < STAGES.index("CLEAN_UP"):
        tasks.launch(env, sim, green, now, missing)


def _enter(env: Env, sim: ServiceSim, run: NativeRun, index: int, now: float) -> None:
    run.stage_index = index
    stage = STAGES[index]
    record = run.record
    record.lifecycle_stage = _DISPLAY.get(stage, stage)
    record.updated_at = now
    run.shift_step = 0
    seconds = stage_seconds(env, sim)
    run.stage_until = now + seconds
    if stage == "SCALE_UP":
        tasks.launch(env, sim, run.green, now, sim.desired_count - len(run.green.active_tasks()))
    elif stage == "TEST_TRAFFIC_SHIFT":
        record.test_weight = 100.0
        env.traffic_changed(sim, run)
    elif stage == "PRE_PRODUCTION_TRAFFIC_SHIFT":
        run.stage_until = now
    elif stage == "PRODUCTION_TRAFFIC_SHIFT":
        weight, wait = config.production_steps(sim.configuration)[0]
        _shift(env, sim, run, weight)
        run.stage_until = now + seconds + wait
    elif stage == "BAKE_TIME":
        run.stage_until = now + config.bake_seconds(sim.configuration)
    elif stage == "CLEAN_UP":
        blue = run.blue
        if blue is not None:
            tasks.stop(env, sim, blue.active_tasks(), now, f"Scaling activity initiated by (deployment {run.green.id})")
    for hook in config.hooks_for(sim.configuration, stage):
        _start_hook(env, sim, run, hook, stage, now)


def _shift(env: Env, sim: ServiceSim, run: NativeRun, weight: float) -> None:
    run.record.prod_weight = weight
    env.traffic_changed(sim, run)


def _start_hook(env: Env, sim: ServiceSim, run: NativeRun, hook: dict[str, object], stage: str, now: float) -> None:
    target_type = str(hook.get("targetType") or "AWS_LAMBDA")
    timeout = hook.get("timeoutConfiguration") or {}
    assert isinstance(timeout, dict)
    minutes = float(timeout.get("timeoutInMinutes", config.HOOK_TIMEOUT_MINUTES))
    target_arn = hook.get("hookTargetArn")
    execution = HookExecution(
        hook_id=ids.uuid_like(env.seed, "ecs-hook", env.number("ecs-hook")),
        target_type=target_type,
        target_arn=str(target_arn) if target_arn and target_type != "PAUSE" else None,
        stage=stage,
        status="AWAITING_ACTION" if target_type == "PAUSE" else "IN_PROGRESS",
        expires_at=now + minutes * 60,
        timeout_action=str(timeout.get("action", config.HOOK_TIMEOUT_ACTION)),
    )
    if target_type != "PAUSE":
        results = env.scenario(sim).hook_results
        result = results.get(execution.target_arn or "", results.get(stage, "SUCCEEDED")).upper()
        if result == "SUCCEEDED":
            execution.status = "SUCCEEDED"
        elif result not in _LAMBDA_WAITING:
            # FAILED, or anything that is not a valid hookStatus, means rollback (AWS-SEMANTICS 7.3).
            execution.status = "FAILED"
    run.record.hooks.append(execution)
    run.record.updated_at = now


def continue_hook(env: Env, sim: ServiceSim, run: NativeRun, hook: HookExecution, action: str, now: float) -> None:
    """ContinueServiceDeployment on an AWAITING_ACTION PAUSE hook (AWS-SEMANTICS 7.4)."""
    hook.status = "SUCCEEDED" if action == "CONTINUE" else "FAILED"
    run.record.updated_at = now
    advance(env, sim, run, now)


def _step(env: Env, sim: ServiceSim, run: NativeRun, now: float) -> bool:
    """Move the run forward by at most one stage or shift step; True if it moved."""
    record = run.record
    stage = STAGES[run.stage_index]
    current = [h for h in record.hooks if h.stage == stage]
    for hook in current:
        if hook.status in ("IN_PROGRESS", "AWAITING_ACTION") and hook.expires_at <= now:
            hook.status = "TIMED_OUT"
            if hook.timeout_action == "ROLLBACK":
                rollback(env, sim, run, now, f"Lifecycle hook {hook.hook_id} timed out")
                return False
    if any(h.status == "FAILED" for h in current):
        rollback(env, sim, run, now, f"Lifecycle hook failed in stage {_DISPLAY.get(stage, stage)}")
        return False
    if stage == "PRODUCTION_TRAFFIC_SHIFT":
        steps = config.production_steps(sim.configuration)
        if run.shift_step < len(steps) - 1 and now >= run.stage_until:
            run.shift_step += 1
            weight, wait = steps[run.shift_step]
            _shift(env, sim, run, weight)
            run.stage_until = now + stage_seconds(env, sim) + wait
            return True
    if now < run.stage_until:
        return False
    if any(h.status not in _HOOK_DONE and h.status != "TIMED_OUT" for h in current):
        return False
    if stage == "SCALE_UP":
        active = run.green.active_tasks()
        if len(active) < sim.desired_count or not all(t.healthy for t in active):
            return False
    if stage == "CLEAN_UP":
        if run.blue is not None and run.blue.live_tasks():
            return False
        _complete(env, sim, run, now)
        return False
    _enter(env, sim, run, run.stage_index + 1, now)
    return True


def _complete(env: Env, sim: ServiceSim, run: NativeRun, now: float) -> None:
    green = run.green
    sim.deployments = [green]
    green.status = "PRIMARY"
    green.rollout_state = "COMPLETED"
    green.rollout_state_reason = f"ECS deployment {green.id} completed."
    green.updated_at = now
    sim.last_completed = green
    sim.live_target_group = run.green_target_group
    sim.native = None
    if run.record.circuit_breaker is not None and run.record.circuit_breaker["status"] == "MONITORING":
        run.record.circuit_breaker["status"] = "MONITORING_COMPLETE"
    rolling.finish(run.record, now, SD_SUCCESSFUL, "Service deployment completed successfully.")
    tasks.add_event(env, sim, now, f"(service {sim.service_name}) (deployment {green.id}) deployment completed.")
    sim.steady = True
    tasks.add_event(env, sim, now, f"(service {sim.service_name}) has reached a steady state.")


def rollback(env: Env, sim: ServiceSim, run: NativeRun, now: float, reason: str) -> None:
    """Traffic back to blue at once (it still runs), then green scales down (AWS-SEMANTICS 7.5)."""
    record = run.record
    blue = run.blue
    if blue is None:
        rolling.finish(record, now, SD_ROLLBACK_FAILED, f"{reason}; no previous revision to roll back to.")
        run.green.launching_stopped = True
        sim.native = None
        return
    run.rolling_back = True
    record.status = SD_ROLLBACK_IN_PROGRESS
    record.status_reason = reason
    record.updated_at = now
    record.rollback = {"reason": reason, "startedAt": now, "serviceRevisionArn": blue.revision_arn}
    record.prod_weight = 0.0
    record.test_weight = 0.0
    env.traffic_changed(sim, run)
    green = run.green
    green.launching_stopped = True
    green.rollout_state = "FAILED"
    green.rollout_state_reason = reason
    green.status = "ACTIVE"
    blue.status = "PRIMARY"
    sim.deployments = [blue] + [d for d in sim.deployments if d is not blue]
    sim.task_definition = blue.task_definition
    sim.steady = False
    message = f"(service {sim.service_name}) (deployment {green.id}) rolling back to deployment {blue.id}."
    tasks.add_event(env, sim, now, message)
    tasks.stop(env, sim, green.active_tasks(), now, f"Scaling activity initiated by (deployment {blue.id})")


def _advance_rollback(env: Env, sim: ServiceSim, run: NativeRun, now: float) -> None:
    if run.green.live_tasks():
        return
    blue = run.blue
    assert blue is not None
    sim.deployments = [blue]
    sim.native = None
    rolling.finish(run.record, now, SD_ROLLBACK_SUCCESSFUL, run.record.status_reason)
    sim.steady = True
    tasks.add_event(env, sim, now, f"(service {sim.service_name}) has reached a steady state.")


def in_progress(run: NativeRun) -> bool:
    return run.record.status in (SD_IN_PROGRESS, SD_ROLLBACK_REQUESTED, SD_ROLLBACK_IN_PROGRESS)
