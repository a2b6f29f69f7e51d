"""Deciding the one outcome of a rolling deployment from what DescribeServices shows.

Never trust ``services_stable``: it passes after a rollback (AWS-SEMANTICS.md §6.5).
Rules, checked on every poll for *our* deployment (the id UpdateService returned):

* SUCCEEDED  - ours is PRIMARY, ``rolloutState`` COMPLETED, the only deployment, and
  running == desired (behind a Classic LB, where there is no rolloutState: the only
  deployment with running == desired and nothing pending).
* ROLLED_BACK - ours is FAILED and another deployment took over (circuit breaker or
  alarm rollback, §6.3), or ours vanished and the service went back to the previous
  revision while a rollback was configured.
* FAILED     - ours is FAILED and no rollback starts within ``ROLLBACK_GRACE``; or tasks
  keep failing without a circuit breaker (``failure_threshold``); or the service is
  being deleted.
* SUPERSEDED - a newer deployment that is not a rollback replaced ours.
* TIMED_OUT  - decided by the waiter at the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsflow.engines.timeouts import failure_threshold
from ecsflow.engines.tracking import Tracked
from ecsflow.model import Outcome
from ecsflow.ports import ServiceDeploymentInfo, ServiceState

# ECS starts the rollback deployment in the same step that fails ours; allow a few polls
# before calling it "failed without rollback" so a slow API view does not mislead.
ROLLBACK_GRACE = 30.0
_ROLLBACK_STATUSES = frozenset({"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"})


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    inferred: bool = False  # a guess from DescribeServices alone that the API may correct


def short_td(arn: str | None) -> str:
    return (arn or "?").rsplit("/", 1)[-1]


def judge(t: Tracked, state: ServiceState, now: float) -> Verdict | None:
    """The outcome if this poll decides it, else ``None`` (keep waiting)."""
    if state.status in ("DRAINING", "INACTIVE"):
        return Verdict(Outcome.FAILED, f"the service is {state.status} (being deleted)")
    ours = state.deployment(t.deployment_id)
    primary = state.primary
    rollback_configured = state.circuit_breaker_rollback or state.alarms_rollback
    if ours is None:
        # Ours left the list: a newer deployment replaced it completely between two polls.
        back_to_previous = primary is not None and primary.task_definition == t.previous_task_definition
        if t.failed_at is not None:
            return Verdict(Outcome.ROLLED_BACK, t.failed_reason or "the deployment failed and was rolled back")
        if rollback_configured and back_to_previous:
            # Most likely ECS's rollback, completed between two polls; a person redeploying the
            # previous revision looks the same, so the service deployments API gets a say.
            return Verdict(Outcome.ROLLED_BACK, f"the service went back to {short_td(state.task_definition)}", True)
        other = primary.id if primary else "another deployment"
        return Verdict(
            Outcome.SUPERSEDED,
            f"{other} ({short_td(state.task_definition)}) replaced {t.deployment_id} before it finished",
        )
    if ours.rollout_state == "FAILED":
        if t.failed_at is None:
            t.failed_at = now
            t.failed_reason = ours.rollout_reason or "the deployment failed"
        if primary is not None and primary.id != ours.id:
            back = f"rolled back to {short_td(primary.task_definition)}"
            return Verdict(Outcome.ROLLED_BACK, ours.rollout_reason or back)
        if not rollback_configured or now - t.failed_at >= ROLLBACK_GRACE:
            return Verdict(Outcome.FAILED, ours.rollout_reason or "the deployment failed (no rollback)")
        return None
    if ours.status == "PRIMARY" and len(state.deployments) == 1:
        done = ours.rollout_state == "COMPLETED" or (ours.rollout_state is None and ours.pending == 0)
        if done and ours.running == ours.desired and state.running >= state.desired:
            if state.desired == 0:
                t.notes.append("the service has 0 desired tasks: no task of the new revision was started")
            return Verdict(Outcome.SUCCEEDED, ours.rollout_reason or f"{t.deployment_id} completed")
    if ours.status != "PRIMARY" and primary is not None and primary.created_at >= ours.created_at:
        return Verdict(
            Outcome.SUPERSEDED,
            f"{primary.id} ({short_td(primary.task_definition)}) started after ours and replaced it",
        )
    if not state.circuit_breaker and ours.failed_tasks >= failure_threshold(ours.desired or state.desired):
        return Verdict(
            Outcome.FAILED,
            f"tasks keep failing: {ours.failed_tasks} tasks of {short_td(ours.task_definition)} failed to start "
            "and the service has no circuit breaker, so ECS keeps retrying",
        )
    return None


def refine_with_service_deployment(verdict: Verdict, info: ServiceDeploymentInfo | None) -> Verdict:
    """Correct a verdict with the service deployments API, which states a rollback directly
    (ROLLBACK_* statuses, §6.6): it tells ECS's rollback from a person's redeploy."""
    if info is None:
        return verdict
    reason = info.status_reason or info.rollback_reason or verdict.reason
    if info.status in _ROLLBACK_STATUSES and verdict.outcome in (
        Outcome.SUPERSEDED,
        Outcome.FAILED,
        Outcome.ROLLED_BACK,
    ):
        # Also for an inferred rollback: the API's reason names the trigger (circuit breaker, alarm).
        return Verdict(Outcome.ROLLED_BACK, reason)
    if info.status == "ROLLBACK_FAILED":
        return Verdict(Outcome.FAILED, f"the rollback failed too: {reason}")
    if verdict.inferred and info.status in ("STOPPED", "SUCCESSFUL", "IN_PROGRESS", "PENDING"):
        # Not a rollback after all: another deployment of the previous revision replaced ours.
        return Verdict(
            Outcome.SUPERSEDED, verdict.reason.replace("the service went back to", "replaced by a deployment of")
        )
    return verdict
