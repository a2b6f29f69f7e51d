"""Frozen value types shared by every layer: outcomes, deployment snapshots, results.

These are plain data: no I/O, no AWS types. Engines produce them, the CLI renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ecsflow.errors import ExitCode


class Outcome(StrEnum):
    """Exactly one outcome per deployment (see the README's exit codes)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    SUPERSEDED = "superseded"
    TIMED_OUT = "timed_out"
    PAUSED = "paused"  # waits for someone: a PAUSE hook, a CodeDeploy ready wait
    REACHED = "reached"  # a requested stop point (--until) was reached; the deployment goes on
    NOT_STARTED = "not_started"  # --no-wait / --dry-run: nothing was waited for
    INTERRUPTED = "interrupted"  # ecsflow stopped waiting; the deployment goes on

    @property
    def exit_code(self) -> ExitCode:
        return _EXIT_CODES[self]

    @property
    def ok(self) -> bool:
        return self.exit_code is ExitCode.OK


_EXIT_CODES: dict[Outcome, ExitCode] = {
    Outcome.SUCCEEDED: ExitCode.OK,
    Outcome.REACHED: ExitCode.OK,
    Outcome.NOT_STARTED: ExitCode.OK,
    Outcome.FAILED: ExitCode.FAILED,
    Outcome.ROLLED_BACK: ExitCode.ROLLED_BACK,
    Outcome.SUPERSEDED: ExitCode.SUPERSEDED,
    Outcome.TIMED_OUT: ExitCode.TIMED_OUT,
    Outcome.PAUSED: ExitCode.PAUSED,
    Outcome.INTERRUPTED: ExitCode.INTERRUPTED,
}


def worst_exit_code(outcomes: list[Outcome]) -> ExitCode:
    """The exit code of several deployments: the first non-zero one in a fixed severity order."""
    order = [
        ExitCode.INTERRUPTED,
        ExitCode.FAILED,
        ExitCode.ROLLED_BACK,
        ExitCode.TIMED_OUT,
        ExitCode.SUPERSEDED,
        ExitCode.PAUSED,
    ]
    codes = {o.exit_code for o in outcomes}
    for code in order:
        if code in codes:
            return code
    return ExitCode.OK


@dataclass(frozen=True)
class ServiceRef:
    """An ECS service: cluster name (or ARN) and service name."""

    cluster: str
    service: str

    def __str__(self) -> str:
        return f"{self.cluster}/{self.service}"


@dataclass(frozen=True)
class TrafficWeights:
    """Percent of production / test traffic on the new (green) revision, when known."""

    production: float | None = None
    test: float | None = None


@dataclass(frozen=True)
class DeploymentSnapshot:
    """What one poll saw of one deployment, whatever the controller.

    ``status`` is the controller's own word (``PRIMARY``/``IN_PROGRESS``/``InProgress``…),
    ``rollout_state`` the ECS rollout state when there is one, ``stage`` the ECS lifecycle
    stage or CodeDeploy lifecycle event in progress.
    """

    deployment_id: str
    status: str
    task_definition: str | None = None
    rollout_state: str | None = None
    rollout_reason: str | None = None
    desired: int = 0
    running: int = 0
    pending: int = 0
    failed_tasks: int = 0
    stage: str | None = None
    traffic: TrafficWeights = field(default_factory=TrafficWeights)


@dataclass(frozen=True)
class TaskFailure:
    """Why a task of the deployment stopped: the facts the user needs to fix it."""

    task_id: str
    reason: str
    containers: tuple[tuple[str, int | None, str | None], ...] = ()  # (name, exit code, reason)
    log_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeploymentResult:
    """The single, honest result of deploying one service."""

    service: str  # the service's key in ecsflow.yml, or cluster/service
    outcome: Outcome
    reason: str
    deployment_id: str | None = None
    task_definition_arn: str | None = None
    previous_task_definition_arn: str | None = None
    images: tuple[tuple[str, str], ...] = ()  # (container, image as deployed, pinned to a digest)
    started_at: float | None = None
    finished_at: float | None = None
    failures: tuple[TaskFailure, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def exit_code(self) -> ExitCode:
        return self.outcome.exit_code
