"""Protocols the engines talk through. Adapters in ``ecsflow.aws`` implement them for
real AWS (and so for the local AWS); tests implement them with in-memory fakes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ecsflow.model import DeploymentSnapshot


class Clock(Protocol):
    """Time as engines see it: injected so tests run with a fake clock and zero wall time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


# --- observed AWS state, as the ports return it ----------------------------------------
# Adapters parse AWS's camelCase dicts into these at the boundary (DESIGN.md principle 4);
# engines and fakes speak only these types.


@dataclass(frozen=True)
class EcsDeployment:
    """One entry of ``services[].deployments[]`` (AWS-SEMANTICS.md §6.4)."""

    id: str  # ecs-svc/<number>
    status: str  # PRIMARY | ACTIVE | INACTIVE
    task_definition: str
    desired: int = 0
    running: int = 0
    pending: int = 0
    failed_tasks: int = 0
    rollout_state: str | None = None  # IN_PROGRESS | COMPLETED | FAILED (absent behind a Classic LB)
    rollout_reason: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    def snapshot(self) -> DeploymentSnapshot:
        return DeploymentSnapshot(
            deployment_id=self.id,
            status=self.status,
            task_definition=self.task_definition,
            rollout_state=self.rollout_state,
            rollout_reason=self.rollout_reason,
            desired=self.desired,
            running=self.running,
            pending=self.pending,
            failed_tasks=self.failed_tasks,
        )


@dataclass(frozen=True)
class ServiceEvent:
    """One entry of ``services[].events[]``; ECS keeps 100, newest first."""

    id: str
    created_at: float
    message: str


@dataclass(frozen=True)
class LoadBalancerRef:
    target_group_arn: str | None
    container_name: str | None
    container_port: int | None


@dataclass(frozen=True)
class ServiceState:
    """What ``DescribeServices`` says about one service, reduced to what deploys need."""

    cluster: str  # cluster ARN (or name when AWS gave no ARN)
    name: str
    arn: str
    status: str  # ACTIVE | DRAINING | INACTIVE
    task_definition: str
    desired: int
    running: int
    pending: int
    deployments: tuple[EcsDeployment, ...] = ()
    events: tuple[ServiceEvent, ...] = ()  # newest first, like ECS
    controller: str = "ECS"  # ECS | CODE_DEPLOY | EXTERNAL
    strategy: str = "ROLLING"  # ROLLING | BLUE_GREEN | LINEAR | CANARY
    circuit_breaker: bool = False
    circuit_breaker_rollback: bool = False
    alarms: tuple[str, ...] = ()
    alarms_rollback: bool = False
    minimum_healthy_percent: int | None = None
    maximum_percent: int | None = None
    health_check_grace_seconds: int = 0
    load_balancers: tuple[LoadBalancerRef, ...] = ()
    current_service_deployment: str | None = None  # ARN, when AWS reports it
    launch_type: str | None = None

    def deployment(self, deployment_id: str) -> EcsDeployment | None:
        return next((d for d in self.deployments if d.id == deployment_id), None)

    @property
    def primary(self) -> EcsDeployment | None:
        return next((d for d in self.deployments if d.status == "PRIMARY"), None)


@dataclass(frozen=True)
class RegisteredTaskDefinition:
    """A registered revision. ``body`` has the RegisterTaskDefinition request shape
    (read-only fields stripped, AWS-SEMANTICS.md §8.1); ``tags`` come from ``include=[TAGS]``."""

    arn: str
    family: str
    revision: int
    status: str
    body: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    registered_at: float | None = None  # absent on endpoints that do not report it


@dataclass(frozen=True)
class ServiceDeploymentInfo:
    """One entry of the service deployments API (AWS-SEMANTICS.md §6.6)."""

    arn: str
    status: str  # PENDING | IN_PROGRESS | SUCCESSFUL | STOPPED | ROLLBACK_* | STOP_REQUESTED
    status_reason: str | None = None
    target_revision_arn: str | None = None
    created_at: float = 0.0
    finished_at: float | None = None
    rollback_reason: str | None = None
    circuit_breaker_status: str | None = None
    triggered_alarms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceRevisionInfo:
    """A service revision (``DescribeServiceRevisions``): the task definition a service
    deployment rolled out and the image digests ECS resolved for it (AWS-SEMANTICS.md §6.1, §6.6)."""

    arn: str
    task_definition: str
    images: tuple[tuple[str, str, str | None], ...] = ()  # (container, image, sha256 digest)
    created_at: float = 0.0


@dataclass(frozen=True)
class ContainerState:
    name: str
    exit_code: int | None = None
    reason: str | None = None
    last_status: str | None = None


@dataclass(frozen=True)
class TaskInfo:
    """A task as ``DescribeTasks`` shows it (the parts diagnosis needs)."""

    arn: str
    task_definition: str
    last_status: str
    started_by: str | None = None
    stopped_reason: str | None = None
    stop_code: str | None = None
    stopped_at: float | None = None
    containers: tuple[ContainerState, ...] = ()

    @property
    def task_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class TargetHealth:
    target_id: str
    port: int | None
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None = None
    description: str | None = None


# --- ports --------------------------------------------------------------------------


class EcsPort(Protocol):
    """The ECS calls deploys make. Adapters translate AWS errors to ``ecsflow.errors``."""

    def describe_services(self, cluster: str, services: Sequence[str]) -> dict[str, ServiceState]:
        """Services by name (batched 10 per call by the adapter). Missing services are absent."""
        ...

    def describe_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        """``family`` (latest ACTIVE), ``family:rev`` or an ARN; raises ``ResourceNotFound``."""
        ...

    def list_task_definitions(self, family: str, *, newest_first: bool = True, limit: int | None = None) -> list[str]:
        """ACTIVE revision ARNs of exactly ``family``."""
        ...

    def register_task_definition(
        self, body: Mapping[str, Any], tags: Mapping[str, str]
    ) -> RegisteredTaskDefinition: ...

    def update_service(
        self, cluster: str, service: str, task_definition: str, *, force_new_deployment: bool = False
    ) -> ServiceState:
        """Start a deployment; the returned state has the new PRIMARY deployment."""
        ...

    def service_deployments(
        self, cluster: str, service: str, *, created_after: float | None = None
    ) -> list[ServiceDeploymentInfo] | None:
        """The service deployments of the service, newest first, described; ``None`` when the
        endpoint does not offer the API (deployments older than 25 Oct 2024, other clouds)."""
        ...

    def list_stopped_tasks(
        self, cluster: str, *, started_by: str | None = None, family: str | None = None, limit: int = 20
    ) -> list[str]: ...

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskInfo]: ...

    # Read-side verbs (status, revisions, history, deregister, rollback).
    def describe_service_revisions(self, arns: Sequence[str]) -> list[ServiceRevisionInfo] | None:
        """Service revisions by ARN (batched by the adapter); ``None`` when the endpoint lacks the API."""
        ...

    def deregister_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        """``family:rev`` or an ARN becomes INACTIVE (AWS-SEMANTICS.md §8.4)."""
        ...

    def stop_service_deployment(self, arn: str, *, stop_type: str = "ROLLBACK") -> None:
        """StopServiceDeployment: ROLLBACK returns the service to its last good revision (§6.6)."""
        ...


class EcrPort(Protocol):
    def resolve_tags(
        self, repository: str, tags: Sequence[str], *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str | None]:
        """tag -> ``sha256:…`` digest, or ``None`` when the tag does not exist."""
        ...


@dataclass(frozen=True)
class EcrImage:
    """An image as ``BatchGetImage`` returns it: the manifest exactly as stored (retagging
    must send it back byte for byte, AWS-SEMANTICS.md §11.1) and where it lives."""

    repository: str
    digest: str
    manifest: str
    media_type: str | None = None
    registry_id: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class TagMutability:
    """``imageTagMutability`` of a repository and its wildcard exclusion filters."""

    mode: str = "MUTABLE"  # MUTABLE | IMMUTABLE | IMMUTABLE_WITH_EXCLUSION | MUTABLE_WITH_EXCLUSION
    exclusions: tuple[str, ...] = ()


class EcrRetagPort(Protocol):
    """The ECR calls a promotion makes: read an image's manifest, put it under a new tag."""

    def get_image(
        self,
        repository: str,
        *,
        tag: str | None = None,
        digest: str | None = None,
        registry_id: str | None = None,
        region: str | None = None,
    ) -> EcrImage | None:
        """The image a tag or digest names, or ``None`` when there is none."""
        ...

    def put_tag(self, image: EcrImage, tag: str) -> bool:
        """PutImage of ``image``'s manifest under ``tag``; ``False`` when the tag already named
        that digest (``ImageAlreadyExistsException``). Returns after ECR checked the digest."""
        ...

    def tag_mutability(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> TagMutability: ...

    def read_repository_tags(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str]: ...

    def write_repository_tags(
        self, repository: str, tags: Mapping[str, str], *, registry_id: str | None = None, region: str | None = None
    ) -> None: ...


class LogsPort(Protocol):
    def tail(self, group: str, stream: str, limit: int, *, region: str | None = None) -> list[str]:
        """The last ``limit`` messages of a stream (empty when the stream does not exist);
        ``region``: the ``awslogs-region`` of the container, when it names one."""
        ...


class ElbPort(Protocol):
    def target_health(self, target_group_arn: str) -> list[TargetHealth]: ...


class SsmPort(Protocol):
    """Parameter Store, as the buildspec runner resolves ``env.parameter-store``."""

    def get_parameters(self, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        """Decrypted values by name, and the names that do not exist."""
        ...


class SecretsPort(Protocol):
    """Secrets Manager, as the buildspec runner resolves ``env.secrets-manager``."""

    def get_secret_value(
        self, secret_id: str, *, version_stage: str | None = None, version_id: str | None = None
    ) -> str:
        """The secret's string (a binary secret is returned decoded as UTF-8)."""
        ...
