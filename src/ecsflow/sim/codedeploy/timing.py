"""Everything a deployment's timeline depends on, fixed when the deployment is created.

Durations of the steps AWS does not publish are assumptions (docs/local-codedeploy.md
lists them); the ones AWS does publish (traffic steps, waits) come from the deployment
config and the deployment group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

START_SECONDS = 1.0  # [assumed] Created -> InProgress
STOP_SECONDS = 5.0  # [assumed] StopDeployment answer "Pending" -> status Stopped
ROUTE_SECONDS = 5.0  # [assumed] AllowTestTraffic: pointing the test listener at green
HOOK_SECONDS = 10.0  # [assumed] a hook Lambda that reports on its own


@dataclass(frozen=True)
class Plan:
    desired_count: int
    traffic_steps: list[tuple[float, float]]
    hooks: dict[str, str] = field(default_factory=dict)  # lifecycle event -> function name
    hook_results: dict[str, str] = field(default_factory=dict)  # scenario: event/function -> outcome
    has_test_listener: bool = False
    ready_wait_seconds: float | None = None  # None: CONTINUE_DEPLOYMENT (no ready wait)
    termination_wait_seconds: float = 0.0
    rollback_on_failure: bool = False
    task_start_seconds: float = 20.0
    healthy_after_seconds: float = 10.0
    problem: tuple[str, str] | None = None  # (error code, message): the deployment fails at start
    alarms: tuple[str, ...] = ()  # CloudWatch alarms the deployment group watches
    ignore_alarm_poll_failure: bool = False
    rollback_on_alarm: bool = False
    install_failure: str | None = None  # replacement tasks fail to start (scenario), with this reason
    start_seconds: float = START_SECONDS
    stop_seconds: float = STOP_SECONDS
    route_seconds: float = ROUTE_SECONDS
    hook_seconds: float = HOOK_SECONDS

    def hook_outcome(self, event: str) -> str:
        """Scenario outcome for the hook of ``event``: by event name, then by function name.

        Default SUCCEEDED (after ``hook_seconds``): Lambda code never runs locally, so a plain
        deployment with hooks must still complete; ``manual`` waits for a real
        PutLifecycleEventHookExecutionStatus call, ``timeout`` never reports.
        """
        function = self.hooks.get(event, "")
        for key in (event, function, function.rsplit(":", 1)[-1]):
            value = self.hook_results.get(key)
            if value:
                return normalise_outcome(value)
        return "SUCCEEDED"


def normalise_outcome(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in ("succeeded", "success"):
        return "SUCCEEDED"
    if lowered in ("failed", "failure"):
        return "FAILED"
    if lowered == "timeout":
        return "timeout"
    return "manual"
