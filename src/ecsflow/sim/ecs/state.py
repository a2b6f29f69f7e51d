"""The simulator's own state for ECS services: plain dataclasses, no moto.

moto's objects are only the rendering target (``render.py``); everything that changes
over time lives here so the state machines can be unit-tested with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Task lifecycle as ECS reports it in ``lastStatus`` (a subset: PROVISIONING/ACTIVATING
# and DEACTIVATING/DEPROVISIONING are folded into their neighbours; assumed).
PENDING = "PENDING"
RUNNING = "RUNNING"
STOPPED = "STOPPED"

# ServiceDeploymentStatus (botocore model).
SD_PENDING = "PENDING"
SD_IN_PROGRESS = "IN_PROGRESS"
SD_SUCCESSFUL = "SUCCESSFUL"
SD_STOPPED = "STOPPED"
SD_STOP_REQUESTED = "STOP_REQUESTED"
SD_ROLLBACK_REQUESTED = "ROLLBACK_REQUESTED"
SD_ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
SD_ROLLBACK_SUCCESSFUL = "ROLLBACK_SUCCESSFUL"
SD_ROLLBACK_FAILED = "ROLLBACK_FAILED"
SD_FINISHED = frozenset({SD_SUCCESSFUL, SD_STOPPED, SD_ROLLBACK_SUCCESSFUL, SD_ROLLBACK_FAILED})


@dataclass
class ContainerSpec:
    """What a task needs to know about one container of its task definition."""

    name: str
    image: str
    essential: bool = True
    log_group: str | None = None  # awslogs-group
    log_stream_prefix: str | None = None  # awslogs-stream-prefix
    log_region: str | None = None


@dataclass
class SimTask:
    task_id: str
    arn: str
    deployment_id: str
    task_definition_arn: str
    containers: list[ContainerSpec]
    created_at: float
    start_at: float  # PENDING ends here: RUNNING, or STOPPED when it fails
    healthy_after: float  # seconds after RUNNING until it counts as healthy
    will_fail: bool
    last_status: str = PENDING
    desired_status: str = RUNNING
    healthy: bool = False
    started_at: float | None = None
    healthy_at: float | None = None
    stopping_at: float | None = None
    stop_at: float | None = None  # when a stopping task reaches STOPPED
    stopped_at: float | None = None
    stop_code: str | None = None
    stopped_reason: str | None = None
    exit_code: int | None = None
    container_reason: str | None = None

    @property
    def active(self) -> bool:
        """Counts against ``maximumPercent`` (PENDING or RUNNING, not being stopped)."""
        return self.desired_status == RUNNING and self.last_status != STOPPED


@dataclass
class Deployment:
    """One entry of ``services[].deployments[]`` (AWS-SEMANTICS 6.4)."""

    id: str
    task_definition: str
    revision_arn: str
    created_at: float
    updated_at: float
    status: str = "PRIMARY"  # PRIMARY | ACTIVE
    rollout_state: str = "IN_PROGRESS"  # IN_PROGRESS | COMPLETED | FAILED
    rollout_state_reason: str = ""
    failed_tasks: int = 0
    launching_stopped: bool = False  # circuit breaker tripped or aborted: no new tasks
    is_rollback: bool = False  # started by a rollback: runs a revision that worked before
    record_arn: str | None = None  # the service deployment this rollout belongs to
    tasks: list[SimTask] = field(default_factory=list)

    def active_tasks(self) -> list[SimTask]:
        return [t for t in self.tasks if t.active]

    def live_tasks(self) -> list[SimTask]:
        """Tasks not yet STOPPED (including those being stopped)."""
        return [t for t in self.tasks if t.last_status != STOPPED]


@dataclass
class HookExecution:
    """One lifecycle hook run for one stage (DeploymentLifecycleHookDetail)."""

    hook_id: str
    target_type: str  # AWS_LAMBDA | PAUSE
    target_arn: str | None
    stage: str
    status: str  # IN_PROGRESS | AWAITING_ACTION | SUCCEEDED | FAILED | TIMED_OUT
    expires_at: float
    timeout_action: str  # ROLLBACK | CONTINUE


@dataclass
class Revision:
    """A service revision: the configuration one deployment rolls out."""

    arn: str
    task_definition: str
    created_at: float
    container_images: list[dict[str, str]] = field(default_factory=list)
    launch_type: str | None = None
    load_balancers: list[dict[str, Any]] = field(default_factory=list)
    network_configuration: dict[str, Any] | None = None


@dataclass
class ServiceDeploymentRecord:
    """One service deployment (the 2024 service deployments API, AWS-SEMANTICS 6.6)."""

    arn: str
    created_at: float
    target_revision_arn: str
    source_revision_arns: list[str]
    configuration: dict[str, Any]
    strategy: str
    status: str = SD_IN_PROGRESS
    status_reason: str | None = None
    started_at: float | None = None
    updated_at: float | None = None
    finished_at: float | None = None
    stopped_at: float | None = None
    circuit_breaker: dict[str, Any] | None = None  # {status, failureCount, threshold}
    rollback: dict[str, Any] | None = None  # {reason, startedAt, serviceRevisionArn}
    lifecycle_stage: str | None = None
    hooks: list[HookExecution] = field(default_factory=list)
    prod_weight: float = 0.0  # production traffic on the target revision, percent
    test_weight: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in SD_FINISHED


@dataclass
class NativeRun:
    """Progress of one BLUE_GREEN / LINEAR / CANARY service deployment."""

    record: ServiceDeploymentRecord
    green: Deployment
    blue: Deployment | None
    green_target_group: str | None
    blue_target_group: str | None
    stage_index: int = -1
    stage_until: float = 0.0
    shift_step: int = 0
    hooks_started: bool = False
    rolling_back: bool = False


@dataclass
class Event:
    id: str
    created_at: float
    message: str


@dataclass
class ServiceSim:
    """Everything the simulator knows about one ECS service."""

    cluster_name: str
    service_name: str
    service_arn: str
    cluster_arn: str
    desired_count: int
    configuration: dict[str, Any]
    controller: str  # ECS | CODE_DEPLOY | EXTERNAL
    task_definition: str
    launch_type: str | None = None
    load_balancers: list[dict[str, Any]] = field(default_factory=list)
    network_configuration: dict[str, Any] | None = None
    status: str = "ACTIVE"  # ACTIVE | DRAINING | INACTIVE
    deployments: list[Deployment] = field(default_factory=list)  # PRIMARY first
    records: list[ServiceDeploymentRecord] = field(default_factory=list)  # oldest first
    revisions: dict[str, Revision] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)  # newest first, max 100
    stopped_tasks: list[SimTask] = field(default_factory=list)
    native: NativeRun | None = None
    last_completed: Deployment | None = None  # rollback target of the circuit breaker
    live_target_group: str | None = None  # the target group carrying production traffic
    steady: bool = False
    updated_at: float = 0.0
    tasks_launched: int = 0  # for ServiceScenario.fail_first_tasks
    processed_at: float | None = None  # the last simulated instant processed

    @property
    def primary(self) -> Deployment | None:
        return self.deployments[0] if self.deployments else None

    def record(self, arn: str | None) -> ServiceDeploymentRecord | None:
        for record in self.records:
            if record.arn == arn:
                return record
        return None

    def all_tasks(self) -> list[SimTask]:
        return [t for d in self.deployments for t in d.tasks]
