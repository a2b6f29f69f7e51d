"""Typed events: engines emit them, the CLI renders them (live view, plain lines, JSON lines).

Engines never print. They receive an ``EventSink`` (any callable taking an ``Event``)
and call it as things happen. Every event has ``at`` (seconds since the epoch, from the
engine's injected clock) and, where it concerns one service, ``service``.

``to_dict`` gives the JSON-lines form: ``{"event": "<snake_case type>", ...fields}``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecsflow.model import DeploymentResult, DeploymentSnapshot, TaskFailure


@dataclass(frozen=True)
class Event:
    at: float
    service: str | None


@dataclass(frozen=True)
class Message(Event):
    """A line of progress worth showing (``level`` is info, warning or error)."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class PlanReady(Event):
    """The plan, one line per step, before anything is changed (and all of --dry-run)."""

    steps: tuple[str, ...]
    dry_run: bool = False


@dataclass(frozen=True)
class ImagePinned(Event):
    container: str
    requested: str
    pinned: str  # repo:tag@sha256:…


@dataclass(frozen=True)
class RevisionRegistered(Event):
    task_definition_arn: str
    reused: bool  # an identical revision already existed and is used as is


@dataclass(frozen=True)
class DeploymentStarted(Event):
    deployment_id: str
    task_definition_arn: str | None
    strategy: str  # ROLLING, BLUE_GREEN, LINEAR, CANARY, CODE_DEPLOY


@dataclass(frozen=True)
class DeploymentProgress(Event):
    """One poll's view of our deployment (and the one it replaces, if any)."""

    snapshot: DeploymentSnapshot
    previous: DeploymentSnapshot | None = None


@dataclass(frozen=True)
class ServiceEventSeen(Event):
    """A new ECS service event (or CodeDeploy status message) since the last poll."""

    message: str
    created_at: float


@dataclass(frozen=True)
class TaskStopped(Event):
    failure: TaskFailure


@dataclass(frozen=True)
class StageReached(Event):
    """A lifecycle stage (ECS native) or lifecycle event (CodeDeploy) started or ended."""

    stage: str
    status: str


@dataclass(frozen=True)
class DeploymentFinished(Event):
    result: DeploymentResult


EventSink = Callable[[Event], None]


def null_sink(event: Event) -> None:
    """A sink that drops events (library use without output)."""


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def event_name(event: Event) -> str:
    return _SNAKE.sub("_", type(event).__name__).lower()


def to_dict(event: Event) -> dict[str, Any]:
    """The JSON-lines form of an event; nested dataclasses become objects, tuples lists."""
    body = dataclasses.asdict(event)
    return {"event": event_name(event), **body}


# --- buildspec runner (ecsflow.pipeline.buildspec_runner) ------------------------------


@dataclass(frozen=True)
class PhaseStarted(Event):
    """A build phase (INSTALL, PRE_BUILD, BUILD, POST_BUILD, UPLOAD_ARTIFACTS) started."""

    phase: str


@dataclass(frozen=True)
class PhaseFinished(Event):
    """A build phase ended: ``status`` is SUCCEEDED, FAILED or SKIPPED (CodeBuild's words)."""

    phase: str
    status: str
    message: str = ""


@dataclass(frozen=True)
class CommandStarted(Event):
    phase: str
    command: str  # secret values already masked


@dataclass(frozen=True)
class CommandOutput(Event):
    """One line a build command printed (stdout and stderr, in order; secrets masked)."""

    phase: str
    line: str


@dataclass(frozen=True)
class CommandFinished(Event):
    phase: str
    command: str
    exit_code: int


@dataclass(frozen=True)
class BuildFinished(Event):
    build_id: str
    status: str  # SUCCEEDED or FAILED
