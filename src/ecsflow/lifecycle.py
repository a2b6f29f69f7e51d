"""Typed view of ECS service deployments for the native strategies (BLUE_GREEN, LINEAR,
CANARY), and the port that reads and steers them (AWS-SEMANTICS.md §6.6, §7).

A sibling of ``ecsflow.ports``: adapters in ``ecsflow.aws`` parse AWS's dicts into these
values at the boundary; engines (``engines/native*.py``) and test fakes speak only them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

NATIVE_STRATEGIES = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})

# ServiceDeploymentLifecycleStage values in order (§7.2). PRE_PRODUCTION_TRAFFIC_SHIFT is
# only a hook stage (DeploymentLifecycleHookStage), never reported as a lifecycle stage.
STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
ONGOING = frozenset({"PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"})
ROLLING_BACK = frozenset({"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"})

# The marker ecsflow puts in the ``hookDetails`` of the PAUSE hooks it adds for a stop point,
# so it can tell them from the user's own hooks and take them out again.
GATE_MARKER = "ecsflow-gate"


def is_gate(hook: Mapping[str, Any]) -> bool:
    """Whether a ``DeploymentLifecycleHook`` (as sent / described) is one of ecsflow's gate hooks."""
    details = hook.get("hookDetails")
    return isinstance(details, Mapping) and details.get(GATE_MARKER) is True


def stage_index(stage: str | None) -> int:
    """Position of a lifecycle stage (-1 when unknown or not started)."""
    if stage == "PRE_PRODUCTION_TRAFFIC_SHIFT":
        stage = "PRODUCTION_TRAFFIC_SHIFT"
    return STAGES.index(stage) if stage in STAGES else -1


@dataclass(frozen=True)
class HookSetting:
    """A configured ``DeploymentLifecycleHook`` (§7.3)."""

    stages: tuple[str, ...]
    target_type: str = "AWS_LAMBDA"  # AWS_LAMBDA | PAUSE
    target_arn: str | None = None
    timeout_minutes: int = 1440
    timeout_action: str = "ROLLBACK"  # ROLLBACK | CONTINUE
    gate: bool = False  # added by ecsflow for a stop point (GATE_MARKER in hookDetails)


@dataclass(frozen=True)
class NativeSettings:
    """The parts of ``deploymentConfiguration`` that decide how long a native deployment takes (§7.1)."""

    strategy: str = "ROLLING"
    bake_minutes: int = 0
    step_percent: float = 10.0  # LINEAR
    step_bake_minutes: int = 6
    canary_percent: float = 5.0  # CANARY
    canary_bake_minutes: int = 10
    hooks: tuple[HookSetting, ...] = ()


@dataclass(frozen=True)
class ListenerSetup:
    """``loadBalancers[].advancedConfiguration``: what blue/green traffic shifting needs (§7.1)."""

    target_group_arn: str | None
    alternate_target_group_arn: str | None = None
    production_listener_rule: str | None = None
    test_listener_rule: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class NativeService:
    """A service's deployment configuration as stored, for switching strategies and adding gates."""

    controller: str
    settings: NativeSettings
    listeners: tuple[ListenerSetup, ...] = ()
    service_connect: bool = False
    health_check_grace_seconds: int = 0
    raw_configuration: Mapping[str, Any] = field(default_factory=dict)  # deploymentConfiguration as described


@dataclass(frozen=True)
class HookDetail:
    """``lifecycleHookDetails[]`` of a service deployment (§7.3)."""

    hook_id: str
    target_type: str
    status: str  # Lambda: IN_PROGRESS | SUCCEEDED | FAILED | TIMED_OUT; PAUSE: AWAITING_ACTION | …
    target_arn: str | None = None
    stage: str | None = None  # not in the API; filled from the configured hooks when known
    expires_at: float | None = None
    timeout_action: str | None = None


@dataclass(frozen=True)
class NativeDeployment:
    """One ``DescribeServiceDeployments`` entry, reduced to what following a native deployment needs."""

    arn: str
    status: str
    status_reason: str | None = None
    lifecycle_stage: str | None = None
    production_weight: float | None = None  # % of production traffic on the target (green) revision
    test_weight: float | None = None
    target_revision_arn: str | None = None
    requested: int = 0
    running: int = 0
    pending: int = 0
    hooks: tuple[HookDetail, ...] = ()
    settings: NativeSettings = field(default_factory=NativeSettings)
    rollback_reason: str | None = None
    circuit_breaker_status: str | None = None
    triggered_alarms: tuple[str, ...] = ()
    created_at: float = 0.0
    finished_at: float | None = None

    @property
    def ongoing(self) -> bool:
        return self.status in ONGOING

    def awaiting(self) -> tuple[HookDetail, ...]:
        return tuple(h for h in self.hooks if h.status == "AWAITING_ACTION")


@runtime_checkable
class ServiceDeploymentPort(Protocol):
    """The ECS calls the native strategies make beyond ``EcsPort``."""

    def native_service(self, cluster: str, service: str) -> NativeService | None:
        """The service's stored deployment configuration and load balancer setup (DescribeServices)."""
        ...

    def describe_native(self, arn: str) -> NativeDeployment | None:
        """DescribeServiceDeployments of one ARN; ``None`` when ECS does not know it."""
        ...

    def ongoing_native(self, cluster: str, service: str) -> NativeDeployment | None:
        """The service's newest ongoing service deployment, described (ListServiceDeployments)."""
        ...

    def start_native(
        self,
        cluster: str,
        service: str,
        task_definition: str,
        configuration: Mapping[str, Any] | None,
        *,
        force_new_deployment: bool = False,
    ) -> tuple[str, str | None]:
        """UpdateService with the revision and (when given) deploymentConfiguration members;
        returns (the PRIMARY ecs-svc deployment id, the service deployment ARN)."""
        ...

    def configure(self, cluster: str, service: str, configuration: Mapping[str, Any]) -> None:
        """UpdateService with deploymentConfiguration members only (starts no deployment, §6.1)."""
        ...

    def continue_hook(self, arn: str, hook_id: str, action: str = "CONTINUE") -> None:
        """ContinueServiceDeployment on a PAUSE hook that is AWAITING_ACTION (§7.4)."""
        ...

    def stop(self, arn: str, stop_type: str = "ROLLBACK") -> None:
        """StopServiceDeployment (§6.6)."""
        ...

    def listener_url(self, arn: str) -> str | None:
        """``scheme://load-balancer-dns:port`` of an ALB listener rule's listener, or of an NLB
        listener; ``None`` when it cannot be read (ELB DescribeListeners / DescribeLoadBalancers)."""
        ...
