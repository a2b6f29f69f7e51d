"""Words for events and results: the one place that decides how each event reads.

The plain reporter prints these lines, the live view shows the latest of them, and the
Markdown summary reuses the result helpers, so every mode says the same thing.
"""

from __future__ import annotations

import time

from ecsflow.events import (
    CommandFinished,
    CommandOutput,
    CommandStarted,
    DeploymentFinished,
    DeploymentProgress,
    DeploymentStarted,
    Event,
    ImagePinned,
    Message,
    PlanReady,
    RevisionRegistered,
    ServiceEventSeen,
    StageReached,
    TaskStopped,
)
from ecsflow.model import DeploymentResult, DeploymentSnapshot, Outcome, TaskFailure

MAX_LOG_LINES = 5

OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.SUCCEEDED: "succeeded",
    Outcome.FAILED: "FAILED",
    Outcome.ROLLED_BACK: "ROLLED BACK",
    Outcome.SUPERSEDED: "superseded",
    Outcome.TIMED_OUT: "TIMED OUT",
    Outcome.PAUSED: "paused",
    Outcome.REACHED: "reached",
    Outcome.NOT_STARTED: "not started",
    Outcome.INTERRUPTED: "interrupted",
}

OUTCOME_STYLES: dict[Outcome, str] = {
    Outcome.SUCCEEDED: "bold green",
    Outcome.REACHED: "green",
    Outcome.NOT_STARTED: "dim",
    Outcome.FAILED: "bold red",
    Outcome.ROLLED_BACK: "bold red",
    Outcome.TIMED_OUT: "bold yellow",
    Outcome.SUPERSEDED: "yellow",
    Outcome.PAUSED: "cyan",
    Outcome.INTERRUPTED: "yellow",
}


def short_revision(arn: str | None) -> str:
    """``arn:aws:ecs:…:task-definition/web:4`` → ``web:4`` (a family:revision stays as is)."""
    if not arn:
        return "-"
    return arn.rsplit("/", 1)[-1]


def clock_time(at: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(at))


def iso_time(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def result_duration(result: DeploymentResult) -> float | None:
    if result.started_at is None or result.finished_at is None:
        return None
    return result.finished_at - result.started_at


def counts(snap: DeploymentSnapshot) -> str:
    text = f"{snap.running}/{snap.desired} running"
    if snap.pending:
        text += f", {snap.pending} pending"
    if snap.failed_tasks:
        text += f", {snap.failed_tasks} failed"
    return text


def traffic(snap: DeploymentSnapshot) -> str | None:
    weights = snap.traffic
    parts = []
    if weights.production is not None:
        parts.append(f"prod {weights.production:g}%")
    if weights.test is not None:
        parts.append(f"test {weights.test:g}%")
    return " / ".join(parts) if parts else None


def progress_line(snap: DeploymentSnapshot, previous: DeploymentSnapshot | None = None) -> str:
    state = snap.rollout_state or snap.status
    parts = [f"{state}: {counts(snap)}"]
    if snap.stage:
        parts.append(f"stage {snap.stage}")
    if (weights := traffic(snap)) is not None:
        parts.append(f"traffic {weights}")
    if previous is not None:
        parts.append(f"previous {short_revision(previous.task_definition)} {previous.running} running")
    if snap.rollout_reason:
        parts.append(snap.rollout_reason)
    return "; ".join(parts)


def failure_lines(failure: TaskFailure) -> list[str]:
    lines = [f"task {failure.task_id} stopped: {failure.reason}"]
    for name, exit_code, reason in failure.containers:
        detail = f"  container {name}"
        if exit_code is not None:
            detail += f" exited with code {exit_code}"
        if reason:
            detail += f": {reason}"
        lines.append(detail)
    lines.extend(f"  | {line}" for line in failure.log_lines[-MAX_LOG_LINES:])
    return lines


def event_lines(event: Event) -> list[str]:
    """How an event reads in a log (without time and service); empty for silent events."""
    if isinstance(event, Message):
        prefix = "" if event.level == "info" else f"{event.level}: "
        return [prefix + event.text]
    if isinstance(event, PlanReady):
        head = "plan (dry run):" if event.dry_run else "plan:"
        return [head, *(f"  {step}" for step in event.steps)]
    if isinstance(event, ImagePinned):
        return [f"image {event.container}: {event.requested} → {event.pinned}"]
    if isinstance(event, RevisionRegistered):
        verb = "reusing identical revision" if event.reused else "registered"
        return [f"{verb} {short_revision(event.task_definition_arn)}"]
    if isinstance(event, DeploymentStarted):
        target = f" of {short_revision(event.task_definition_arn)}" if event.task_definition_arn else ""
        return [f"deployment {event.deployment_id} started{target} ({event.strategy})"]
    if isinstance(event, DeploymentProgress):
        return [progress_line(event.snapshot, event.previous)]
    if isinstance(event, ServiceEventSeen):
        return [f"event: {event.message}"]
    if isinstance(event, TaskStopped):
        return failure_lines(event.failure)
    if isinstance(event, StageReached):
        return [f"stage {event.stage}: {event.status}"]
    if isinstance(event, DeploymentFinished):
        return [result_line(event.result)]
    # A command ecsflow runs during a deploy (a --test-command gate); the buildspec runner has its own view.
    if isinstance(event, CommandStarted):
        return [f"$ {event.command}"]
    if isinstance(event, CommandOutput):
        return [f"| {event.line}"]
    if isinstance(event, CommandFinished):
        return [f"{event.phase} exited with {event.exit_code}"]
    return [type(event).__name__]


def result_line(result: DeploymentResult) -> str:
    word = OUTCOME_WORDS[result.outcome]
    revision = short_revision(result.task_definition_arn)
    return f"{word} ({revision}, exit code {int(result.exit_code)}): {result.reason}"
