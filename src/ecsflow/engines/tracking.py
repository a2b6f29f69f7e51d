"""What the waiter remembers about one deployment it follows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ecsflow.engines.gates import Gate
from ecsflow.model import DeploymentResult, DeploymentSnapshot, Outcome, TaskFailure


@dataclass
class Tracked:
    """One deployment being waited for: ours, identified by the id UpdateService returned."""

    key: str  # the service's key in ecsflow.yml (or cluster/service)
    cluster: str
    service: str
    deployment_id: str
    task_definition: str | None  # our revision ARN
    previous_task_definition: str | None
    started_at: float
    deadline: float
    images: tuple[tuple[str, str], ...] = ()
    strategy: str = "ROLLING"  # picks the judge (engines/strategy.py)
    # container -> (awslogs-group, awslogs-stream-prefix, awslogs-region) for the last log lines on failure
    log_configs: Mapping[str, tuple[str, str, str | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timeout_derived: bool = False  # the deadline may be refined from the deployment's own settings
    # ECS native strategies (engines/native.py): the service deployment followed, the stop point / gate
    service_deployment_arn: str | None = None
    gate: Gate | None = None
    # mutable progress
    seen_events: set[str] = field(default_factory=set)
    last_snapshot: DeploymentSnapshot | None = None
    failed_at: float | None = None  # first poll that saw rolloutState FAILED
    failed_reason: str | None = None
    created_at: float | None = None  # our deployment's createdAt, once seen
    attached_late: bool = False  # `ecsflow wait ID` for a deployment no longer listed
    native_seen: tuple[object, ...] | None = None  # last (stage, weights, counts, status) shown
    hooks_seen: dict[str, str] = field(default_factory=dict)  # hook id -> last status shown
    quiet_until: float | None = None  # the judge expects no change before this: poll slower
    bake_seen_at: float | None = None  # native: first poll that saw BAKE_TIME
    gate_ran: bool = False
    gate_failure: str | None = None  # why ecsflow rolled the deployment back at its gate

    @property
    def family(self) -> str | None:
        if not self.task_definition:
            return None
        return self.task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0]

    def result(
        self,
        outcome: Outcome,
        reason: str,
        *,
        finished_at: float | None,
        failures: Iterable[TaskFailure] = (),
        notes: Iterable[str] = (),
    ) -> DeploymentResult:
        """The result of this deployment: ids, revisions and images as tracked, plus the verdict."""
        return DeploymentResult(
            service=self.key,
            outcome=outcome,
            reason=reason,
            deployment_id=self.deployment_id,
            task_definition_arn=self.task_definition,
            previous_task_definition_arn=self.previous_task_definition,
            images=self.images,
            started_at=self.started_at,
            finished_at=finished_at,
            failures=tuple(failures),
            notes=tuple(notes),
        )
