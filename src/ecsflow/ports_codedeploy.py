"""The CodeDeploy port: typed views of CodeDeploy ECS blue/green and the calls deploys make.

Adapters in ``ecsflow.aws.codedeploy`` parse CodeDeploy's camelCase answers into these
values at the boundary (DESIGN.md principle 4); engines and fakes speak only these types.
Field meanings follow AWS-SEMANTICS.md §5 (deployment groups, statuses, targets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# DeploymentInfo.status values that are final (§5.3); everything else is still moving.
FINAL_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})


@dataclass(frozen=True)
class DeploymentGroup:
    """An ECS deployment group, reduced to what deploys and waits need (§5.2)."""

    application: str
    name: str
    services: tuple[tuple[str, str], ...] = ()  # (cluster name, service name) pairs of ecsServices
    deployment_config: str | None = None
    ready_action: str = "CONTINUE_DEPLOYMENT"  # deploymentReadyOption.actionOnTimeout
    ready_wait_minutes: int = 0  # only meaningful with STOP_DEPLOYMENT
    termination_wait_minutes: int = 0
    auto_rollback: bool = False
    auto_rollback_events: tuple[str, ...] = ()
    alarms: tuple[str, ...] = ()
    test_listener: bool = False
    test_listener_arn: str | None = None
    last_attempted: str | None = None  # lastAttemptedDeployment.deploymentId
    last_attempted_status: str | None = None

    @property
    def manual_ready_wait(self) -> bool:
        """The group waits for ``ContinueDeployment(READY_WAIT)`` before shifting production."""
        return self.ready_action == "STOP_DEPLOYMENT"

    def serves(self, cluster: str, service: str) -> bool:
        wanted_cluster = cluster.rsplit("/", 1)[-1]
        return any(c.rsplit("/", 1)[-1] == wanted_cluster and s == service for c, s in self.services)


@dataclass(frozen=True)
class TrafficRouting:
    """``trafficRoutingConfig`` of a deployment configuration (§5.1)."""

    name: str
    type: str = "AllAtOnce"  # AllAtOnce | TimeBasedCanary | TimeBasedLinear
    percentage: int = 100
    interval_minutes: int = 0

    @property
    def shifting_seconds(self) -> float:
        """How long production traffic takes to move once AllowTraffic starts."""
        if self.type == "TimeBasedCanary":
            return self.interval_minutes * 60.0
        if self.type == "TimeBasedLinear" and self.percentage > 0:
            steps = -(-100 // self.percentage)  # ceil: a last short step reaches 100 %
            return (steps - 1) * self.interval_minutes * 60.0
        return 0.0

    def describe(self) -> str:
        if self.type == "TimeBasedCanary":
            return f"canary {self.percentage}% then the rest after {self.interval_minutes} min"
        if self.type == "TimeBasedLinear":
            return f"linear {self.percentage}% every {self.interval_minutes} min"
        return "all at once"


@dataclass(frozen=True)
class LifecycleEvent:
    """One ``ecsTarget.lifecycleEvents[]`` entry (§4.2, §5.4)."""

    name: str
    status: str  # Pending | InProgress | Succeeded | Failed | Skipped | Unknown
    started_at: float | None = None
    ended_at: float | None = None
    error_code: str | None = None
    message: str | None = None
    script: str | None = None  # the hook function, when a hook ran


@dataclass(frozen=True)
class TaskSetInfo:
    """One ``ecsTarget.taskSetsInfo[]`` entry (the API spells the id field ``identifer``)."""

    id: str
    label: str  # Blue | Green
    status: str  # PRIMARY | ACTIVE | DRAINING
    traffic_weight: float = 0.0
    desired: int = 0
    running: int = 0
    pending: int = 0
    target_group: str | None = None


@dataclass(frozen=True)
class EcsTarget:
    """The one target of an ECS deployment: the service (id ``cluster:service``)."""

    target_id: str
    status: str
    lifecycle_events: tuple[LifecycleEvent, ...] = ()
    task_sets: tuple[TaskSetInfo, ...] = ()

    def task_set(self, label: str) -> TaskSetInfo | None:
        return next((t for t in self.task_sets if t.label == label), None)

    def event(self, name: str) -> LifecycleEvent | None:
        return next((e for e in self.lifecycle_events if e.name == name), None)


@dataclass(frozen=True)
class CodeDeployDeployment:
    """``DeploymentInfo`` (GetDeployment), the parts outcomes depend on (§5.3)."""

    id: str
    status: str  # Created | Queued | InProgress | Baking | Ready | Succeeded | Failed | Stopped
    application: str = ""
    deployment_group: str = ""
    deployment_config: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    rollback_message: str | None = None
    rollback_deployment_id: str | None = None
    rollback_triggering_deployment_id: str | None = None
    termination_wait_started: bool = False
    creator: str | None = None
    created_at: float = 0.0
    completed_at: float | None = None
    status_messages: tuple[str, ...] = ()
    appspec_content: str | None = None  # the revision's AppSpec, when it was sent inline

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


class CodeDeployPort(Protocol):
    """The CodeDeploy calls blue/green deploys make. Adapters translate AWS errors to
    ``ecsflow.errors`` (a missing group or deployment is ``ResourceNotFound``)."""

    def find_deployment_group(self, cluster: str, service: str) -> DeploymentGroup | None:
        """Scan the ECS applications for the group whose ecsServices names cluster/service."""
        ...

    def get_deployment_group(self, application: str, name: str) -> DeploymentGroup: ...

    def get_deployment_config(self, name: str) -> TrafficRouting: ...

    def create_deployment(
        self,
        application: str,
        group: str,
        appspec: str,
        *,
        deployment_config: str | None = None,
        description: str | None = None,
    ) -> str:
        """CreateDeployment with the AppSpec as ``AppSpecContent`` (content + sha256); the id."""
        ...

    def get_deployment(self, deployment_id: str) -> CodeDeployDeployment: ...

    def get_target(self, deployment_id: str, target_id: str) -> EcsTarget | None:
        """The deployment's ECS target, or ``None`` before the deployment started."""
        ...

    def succeeded_deployments(self, application: str, group: str, *, limit: int = 10) -> list[CodeDeployDeployment]:
        """The group's succeeded deployments, newest first, described."""
        ...

    def continue_deployment(self, deployment_id: str, wait_type: str) -> None:
        """ContinueDeployment: ``READY_WAIT`` or ``TERMINATION_WAIT``."""
        ...

    def stop_deployment(self, deployment_id: str, *, auto_rollback: bool) -> str:
        """StopDeployment; the answer's status (``Pending`` or ``Succeeded``)."""
        ...

    def listener_url(self, listener_arn: str) -> str | None:
        """``http(s)://<load balancer DNS name>:<port>`` of a listener, or ``None`` when unknown."""
        ...

    def describe_service(self, cluster: str, service: str) -> Mapping[str, Any] | None:
        """The service in DescribeServices shape (an AppSpec is generated from it)."""
        ...


def target_id(cluster: str, service: str) -> str:
    """The ECS target id CodeDeploy uses: ``<cluster name>:<service name>`` (§5.4)."""
    return f"{cluster.rsplit('/', 1)[-1]}:{service}"
