"""The one outcome of a CodeDeploy ECS blue/green deployment, from GetDeployment and its ECS target.

Rules (AWS-SEMANTICS.md §5.3-5.5), checked on every poll of *our* deployment id:

* SUCCEEDED   - status ``Succeeded`` (the original task set is gone after the termination wait).
* ROLLED_BACK - status ``Failed`` or ``Stopped`` and traffic went back to the original task
  set: ``rollbackInfo`` says so, or the Green task set is gone / holds no production
  traffic while auto-rollback was on. The reason names the failing lifecycle event and the
  hook's message, the alarm, or the stop (ecsflow's own test gate, or a person's).
* FAILED      - ``Failed`` or ``Stopped`` without a rollback.
* SUPERSEDED  - ``Stopped`` by a request that was not ours while the group moved on to
  another deployment (CodeDeploy runs one deployment per group at a time).
* PAUSED      - ``Ready``: the group's ready wait holds production traffic until
  ``ContinueDeployment(READY_WAIT)`` (``ecsflow continue``).
* TIMED_OUT   - decided by the waiter at the deadline.
"""

from __future__ import annotations

from ecsflow.engines.outcome import Verdict
from ecsflow.model import DeploymentSnapshot, Outcome, TrafficWeights
from ecsflow.ports_codedeploy import CodeDeployDeployment, EcsTarget

# Lifecycle events in order (§4.2), for the stage shown while nothing is in progress.
EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
_ERROR_WORDS = {
    "HOOK_EXECUTION_FAILURE": "a lifecycle hook failed",
    "ALARM_ACTIVE": "an alarm went off",
    "MANUAL_STOP": "stopped on request",
    "TIMEOUT": "timed out",
    "ECS_UPDATE_ERROR": "ECS could not create or update the task set",
    "INVALID_REVISION": "the AppSpec is invalid",
    "INVALID_ECS_SERVICE": "the ECS service cannot be deployed by CodeDeploy",
}


def failing_event(target: EcsTarget | None) -> str | None:
    """``AfterAllowTestTraffic failed (hook CodeDeployHook_smoke): <message>`` for the first failed event."""
    if target is None:
        return None
    for e in target.lifecycle_events:
        if e.status == "Failed":
            text = f"{e.name} failed"
            if e.script:
                text += f" (hook {e.script})"
            if e.message:
                text += f": {e.message.strip().rstrip('.')}"
            return text
    return None


def rolled_back(d: CodeDeployDeployment, target: EcsTarget | None, auto_rollback: bool) -> bool:
    if d.rollback_message or d.rollback_deployment_id:
        return True
    if not auto_rollback or target is None:
        return False
    green = target.task_set("Green")
    return green is None or green.traffic_weight == 0


def judge(
    d: CodeDeployDeployment,
    target: EcsTarget | None,
    *,
    auto_rollback: bool,
    stopped_by_us: str | None = None,
    superseded_by: str | None = None,
) -> Verdict | None:
    """The outcome if this poll decides it, else ``None`` (keep waiting)."""
    if d.status == "Succeeded":
        return Verdict(Outcome.SUCCEEDED, f"{d.id} succeeded: production traffic is on the new revision")
    if d.status == "Ready":
        return Verdict(
            Outcome.PAUSED,
            f"{d.id} waits at the ready wait: test traffic is on the new revision, production is not",
        )
    if d.status not in ("Failed", "Stopped"):
        return None
    back = rolled_back(d, target, auto_rollback)
    why = _why(d, target, stopped_by_us)
    if superseded_by and not stopped_by_us and d.error_code in (None, "MANUAL_STOP"):
        return Verdict(Outcome.SUPERSEDED, f"{d.id} was stopped and {superseded_by} replaced it ({why})")
    if back:
        rollback = (d.rollback_message or "traffic went back to the original task set").strip().rstrip(".")
        return Verdict(Outcome.ROLLED_BACK, f"{why}; rolled back: {rollback}")
    return Verdict(Outcome.FAILED, f"{why}; not rolled back (auto-rollback is off for this event)")


def _why(d: CodeDeployDeployment, target: EcsTarget | None, stopped_by_us: str | None) -> str:
    if stopped_by_us:
        return stopped_by_us
    event = failing_event(target)
    words = _ERROR_WORDS.get(d.error_code or "", d.error_code or d.status.lower())
    message = (d.error_message or "").strip().rstrip(".")
    if event:
        return f"{event}" if d.error_code == "HOOK_EXECUTION_FAILURE" else f"{words}: {event}"
    return f"{words}: {message}" if message else words


def stage_of(d: CodeDeployDeployment, target: EcsTarget | None) -> str:
    """What the deployment is doing now, in CodeDeploy's words."""
    if d.status == "Ready":
        return "ready wait"
    if d.termination_wait_started and not d.final:
        return "termination wait"
    if target is not None:
        if not d.final and any(e.status == "Failed" for e in target.lifecycle_events):
            return "rolling back" if target.task_set("Green") is None or d.rollback_message else "failing"
        running = next((e.name for e in target.lifecycle_events if e.status == "InProgress"), None)
        if running:
            return running
        done = [e.name for e in target.lifecycle_events if e.status == "Succeeded"]
        if done and not d.final:
            return f"after {done[-1]}"
    return d.status


def snapshot(
    d: CodeDeployDeployment, target: EcsTarget | None, task_definition: str | None, *, test: bool
) -> DeploymentSnapshot:
    green = target.task_set("Green") if target else None
    if green is not None:
        production: float | None = green.traffic_weight
    elif d.status == "Succeeded":
        production = 100.0
    else:
        production = 0.0 if target is not None else None  # no replacement task set (yet, or any more)
    test_weight: float | None = None
    if test and target is not None:
        allow = target.event("AllowTestTraffic")
        back = d.status in ("Failed", "Stopped") or any(e.status == "Failed" for e in target.lifecycle_events)
        test_weight = 100.0 if allow is not None and allow.status == "Succeeded" and not back else 0.0
    return DeploymentSnapshot(
        deployment_id=d.id,
        status=d.status,
        task_definition=task_definition,
        desired=green.desired if green else 0,
        running=green.running if green else 0,
        pending=green.pending if green else 0,
        stage=stage_of(d, target),
        traffic=TrafficWeights(production=production, test=test_weight),
    )
