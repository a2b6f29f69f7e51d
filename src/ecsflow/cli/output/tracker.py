"""What the reporters know about each service's rollout, built from the events alone.

One ``RolloutTracker`` is fed every event (from several deploy threads; callers hold the
reporter's lock). It keeps per service: the current stage, the latest snapshot, task
failures, images, the result, and *phases* (named spans with start and end) that the
Markdown summary turns into a timeline chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecsflow.events import (
    DeploymentFinished,
    DeploymentProgress,
    DeploymentStarted,
    Event,
    ImagePinned,
    PlanReady,
    RevisionRegistered,
    StageReached,
    TaskStopped,
)
from ecsflow.model import DeploymentResult, DeploymentSnapshot, Outcome, TaskFailure

# Stage statuses that mean "this stage is over" (ECS native lifecycle stages report
# SUCCEEDED/FAILED, CodeDeploy lifecycle events Succeeded/Failed/Skipped).
_STAGE_DONE = {"succeeded", "failed", "skipped", "completed", "successful", "stopped", "ended"}
_STAGE_FAILED = {"failed", "stopped"}
# Rollout states or statuses that show a deployment is being rolled back.
_ROLLBACK_MARKERS = ("ROLLBACK", "FAILED")

MAX_MILESTONES = 3


@dataclass
class Phase:
    name: str
    start: float
    end: float | None = None
    critical: bool = False
    milestone: bool = False


@dataclass
class ServiceState:
    name: str
    first_at: float
    last_at: float
    stage: str = "preparing"
    strategy: str | None = None
    deployment_id: str | None = None
    task_definition: str | None = None
    snapshot: DeploymentSnapshot | None = None
    previous: DeploymentSnapshot | None = None
    failures: list[TaskFailure] = field(default_factory=list)
    images: list[tuple[str, str, str]] = field(default_factory=list)  # (container, requested, pinned)
    phases: list[Phase] = field(default_factory=list)
    result: DeploymentResult | None = None
    rolling_back: bool = False

    def open_phase(self, name: str, at: float, *, critical: bool = False) -> None:
        self.phases.append(Phase(name, at, critical=critical))

    def close_phase(self, name: str | None, at: float, *, critical: bool | None = None) -> None:
        for phase in reversed(self.phases):
            if phase.end is None and not phase.milestone and (name is None or phase.name == name):
                phase.end = max(at, phase.start)
                if critical is not None:
                    phase.critical = critical
                if name is not None:
                    return

    def milestone(self, name: str, at: float) -> None:
        if sum(1 for p in self.phases if p.milestone) < MAX_MILESTONES:
            self.phases.append(Phase(name, at, at, critical=True, milestone=True))

    @property
    def finished(self) -> bool:
        return self.result is not None


class RolloutTracker:
    """Per-service state from the event stream (not thread-safe: the reporter locks)."""

    def __init__(self) -> None:
        self.services: dict[str, ServiceState] = {}
        self.plan: list[str] = []
        self.first_at: float | None = None

    def record(self, event: Event) -> ServiceState | None:
        if self.first_at is None:
            self.first_at = event.at
        if isinstance(event, PlanReady):
            self.plan.extend(event.steps)
        if event.service is None:
            return None
        state = self.services.get(event.service)
        if state is None:
            state = ServiceState(event.service, event.at, event.at)
            state.open_phase("prepare", event.at)
            self.services[event.service] = state
        state.last_at = max(state.last_at, event.at)
        _apply(state, event)
        return state


def _apply(state: ServiceState, event: Event) -> None:
    at = event.at
    if isinstance(event, ImagePinned):
        state.images.append((event.container, event.requested, event.pinned))
        state.stage = "pinning images"
    elif isinstance(event, RevisionRegistered):
        state.task_definition = event.task_definition_arn
        state.stage = "registered"
    elif isinstance(event, DeploymentStarted):
        state.close_phase("prepare", at)
        state.deployment_id = event.deployment_id
        state.strategy = event.strategy
        if event.task_definition_arn:
            state.task_definition = event.task_definition_arn
        state.stage = "deploying"
        state.open_phase(f"rollout {event.strategy.lower()}", at)
    elif isinstance(event, DeploymentProgress):
        state.snapshot, state.previous = event.snapshot, event.previous
        snap = event.snapshot
        marker = f"{snap.status} {snap.rollout_state or ''}".upper()
        if not state.rolling_back and any(m in marker for m in _ROLLBACK_MARKERS):
            state.rolling_back = True
            _close_rollout(state, at, critical=True)
            state.open_phase("rollback", at, critical=True)
        state.stage = _stage_of(snap, state.rolling_back)
    elif isinstance(event, StageReached):
        _stage(state, event)
    elif isinstance(event, TaskStopped):
        state.failures.append(event.failure)
        state.milestone(f"task {event.failure.task_id[:8]} stopped", at)
    elif isinstance(event, DeploymentFinished):
        state.result = event.result
        state.stage = str(event.result.outcome)
        failed = not event.result.outcome.ok
        if event.result.outcome is Outcome.ROLLED_BACK and not state.rolling_back:
            # Judged at the end (e.g. from the service deployments API): mark when it was known.
            state.phases.append(Phase("rolled back", at, at, critical=True, milestone=True))
        for phase in state.phases:
            if phase.end is None and not phase.milestone:
                phase.end = max(at, phase.start)
                phase.critical = phase.critical or (failed and phase.name.startswith("rollout"))


def _close_rollout(state: ServiceState, at: float, *, critical: bool) -> None:
    for phase in reversed(state.phases):
        if phase.end is None and phase.name.startswith("rollout"):
            phase.end = max(at, phase.start)
            phase.critical = critical
            return


def _stage(state: ServiceState, event: StageReached) -> None:
    status = event.status.lower()
    if status in _STAGE_DONE:
        state.close_phase(event.stage, event.at, critical=status in _STAGE_FAILED)
        state.stage = f"{event.stage} {status}"
        return
    # A new stage starts: the previous open stage (not the rollout span) has ended.
    for phase in reversed(state.phases):
        if phase.end is None and not phase.milestone and phase.name not in ("prepare", "rollback"):
            if phase.name.startswith("rollout"):
                break
            phase.end = max(event.at, phase.start)
            break
    if not any(p.name == event.stage and p.end is None for p in state.phases):
        state.open_phase(event.stage, event.at)
    state.stage = event.stage


def _stage_of(snap: DeploymentSnapshot, rolling_back: bool) -> str:
    if snap.stage:
        return snap.stage
    if rolling_back:
        return "rolling back"
    return (snap.rollout_state or snap.status).lower().replace("_", " ")
