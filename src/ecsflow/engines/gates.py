"""Stop points and gates: where a blue/green deployment may stop for you, and the test
command that decides whether it goes on.

``--until POINT`` returns once the deployment reached ``POINT`` (exit 0, with what waits
and how to go on); ``--test-command CMD`` runs ``CMD`` at that point (test traffic when no
``--until`` is given) and then continues the deployment (exit status 0) or rolls it back
(anything else), by itself. Both strategies map the same four points:

============================  =====================================  ==========================================
stop point                    ECS native (lifecycle stage reached)   CodeDeploy (lifecycle event / wait)
============================  =====================================  ==========================================
``test-traffic``              ``POST_TEST_TRAFFIC_SHIFT``: the test  ``AfterAllowTestTraffic`` succeeded (test
                              listener sends 100 % to green          listener on green), before production moves
``production-traffic``        ``POST_PRODUCTION_TRAFFIC_SHIFT``:     ``AfterAllowTraffic`` succeeded (production
                              production is 100 % on green           on green)
``bake``                      ``BAKE_TIME`` began: both revisions    the termination wait began
                              run, blue takes traffic back at once   (``instanceTerminationWaitTimeStarted``)
``complete``                  the service deployment is             the deployment is ``Succeeded``
                              ``SUCCESSFUL``
============================  =====================================  ==========================================

Holding a deployment at a point needs something that makes AWS wait there. ECS native:
a ``PAUSE`` lifecycle hook on the point's stage (AWS-SEMANTICS.md §7.4); ecsflow adds one
for the deployment (``PAUSE_STAGES``, marked with ``lifecycle.GATE_MARKER`` in its
``hookDetails``) and takes it out of the service's configuration again when it continues.
``bake`` cannot be held (``BAKE_TIME`` is not hookable): ``--until bake`` returns while
the bake goes on. CodeDeploy: the ready wait (``deploymentReadyOption`` STOP_DEPLOYMENT)
and the termination wait hold it; ``ContinueDeployment`` releases them (§5.2, §5.5).

The test command runs through the ``TestCommand`` port (a shell in
``ecsflow.pipeline.gate_command``; a fake in unit tests) with these variables:
``ECSFLOW_SERVICE`` (the service's key), ``ECSFLOW_CLUSTER``, ``ECSFLOW_ECS_SERVICE``,
``ECSFLOW_DEPLOYMENT_ID``, ``ECSFLOW_STOP_POINT``, ``ECSFLOW_TASK_DEFINITION``,
``ECSFLOW_TEST_LISTENER`` (the test listener rule / listener ARN, when there is one),
``ECSFLOW_TEST_TARGET_GROUP`` (the green target group) and ``ECSFLOW_TEST_URL`` (when the
listener's address is known).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from ecsflow.diff import Masker
from ecsflow.events import CommandFinished, CommandOutput, CommandStarted, EventSink, Message
from ecsflow.ports import Clock

GATE_PHASE = "test-command"  # the ``phase`` of the Command* events a gate emits


class StopPoint(StrEnum):
    TEST_TRAFFIC = "test-traffic"
    PRODUCTION_TRAFFIC = "production-traffic"
    BAKE = "bake"
    COMPLETE = "complete"

    @property
    def words(self) -> str:
        return _WORDS[self]


_WORDS = {
    StopPoint.TEST_TRAFFIC: "test traffic is on the new revision",
    StopPoint.PRODUCTION_TRAFFIC: "production traffic is on the new revision",
    StopPoint.BAKE: "the bake time began (both revisions run)",
    StopPoint.COMPLETE: "the deployment completed",
}

# ECS native: the lifecycle stage whose start means the point is reached (§7.2) ...
NATIVE_STAGES: dict[StopPoint, str] = {
    StopPoint.TEST_TRAFFIC: "POST_TEST_TRAFFIC_SHIFT",
    StopPoint.PRODUCTION_TRAFFIC: "POST_PRODUCTION_TRAFFIC_SHIFT",
    StopPoint.BAKE: "BAKE_TIME",
}
# ... and the hook stage of the PAUSE hook that holds the deployment there (BAKE_TIME is not hookable).
PAUSE_STAGES: dict[StopPoint, str] = {
    StopPoint.TEST_TRAFFIC: "POST_TEST_TRAFFIC_SHIFT",
    StopPoint.PRODUCTION_TRAFFIC: "POST_PRODUCTION_TRAFFIC_SHIFT",
}
# CodeDeploy: the lifecycle event whose success means the point is reached (§4.2); BAKE is
# the termination wait (``instanceTerminationWaitTimeStarted``), COMPLETE ``Succeeded``.
CODEDEPLOY_EVENTS: dict[StopPoint, str] = {
    StopPoint.TEST_TRAFFIC: "AfterAllowTestTraffic",
    StopPoint.PRODUCTION_TRAFFIC: "AfterAllowTraffic",
}


def parse_stop_point(text: str) -> StopPoint:
    try:
        return StopPoint(text)
    except ValueError:
        from ecsflow.errors import UsageError

        known = ", ".join(p.value for p in StopPoint)
        raise UsageError(f"unknown stop point {text!r} (known: {known})") from None


@dataclass(frozen=True)
class Gate:
    """What a deploy should do at a stop point: stop there (``until``) and/or run a test command."""

    until: StopPoint | None = None
    test_command: str | None = None

    @property
    def point(self) -> StopPoint | None:
        """Where the deployment must be held: the test command's point, or --until's."""
        if self.test_command:
            if self.until in (None, StopPoint.COMPLETE, StopPoint.BAKE):
                return StopPoint.TEST_TRAFFIC
            return self.until
        return self.until if self.until is not StopPoint.COMPLETE else None

    @property
    def active(self) -> bool:
        return self.point is not None


@dataclass(frozen=True)
class GateContext:
    """Facts about the deployment a test command may need (exported as ``ECSFLOW_*`` variables)."""

    service: str  # the service's key
    cluster: str
    ecs_service: str
    deployment_id: str
    point: StopPoint
    task_definition: str | None = None
    test_listener: str | None = None
    test_target_group: str | None = None
    test_url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = {
            "ECSFLOW_SERVICE": self.service,
            "ECSFLOW_CLUSTER": self.cluster,
            "ECSFLOW_ECS_SERVICE": self.ecs_service,
            "ECSFLOW_DEPLOYMENT_ID": self.deployment_id,
            "ECSFLOW_STOP_POINT": self.point.value,
        }
        optional = {
            "ECSFLOW_TASK_DEFINITION": self.task_definition,
            "ECSFLOW_TEST_LISTENER": self.test_listener,
            "ECSFLOW_TEST_TARGET_GROUP": self.test_target_group,
            "ECSFLOW_TEST_URL": self.test_url,
        }
        env.update({k: v for k, v in optional.items() if v})
        env.update(self.extra)
        return env


class TestCommand(Protocol):
    """Runs the user's test command; the shell implementation lives in ecsflow.pipeline."""

    def run(
        self, command: str, env: Mapping[str, str], on_line: Callable[[str], None], *, timeout: float | None
    ) -> int:
        """Run ``command`` with ``env`` added to the environment, calling ``on_line`` for every
        line it prints (stdout and stderr, in order); return its exit status (124 when it ran
        longer than ``timeout`` seconds and was stopped)."""
        ...


@dataclass(frozen=True)
class GateResult:
    passed: bool
    exit_code: int
    summary: str


def run_gate(
    runner: TestCommand,
    command: str,
    context: GateContext,
    *,
    sink: EventSink,
    clock: Clock,
    masker: Masker | None = None,
    timeout: float | None = None,
) -> GateResult:
    """Run the test command and say whether the deployment may go on (exit status 0)."""
    m = masker or Masker()
    shown = m.scrub(command)
    key = context.service
    sink(Message(clock.now(), key, f"{context.point.words}: running the test command `{shown}`"))
    sink(CommandStarted(clock.now(), key, GATE_PHASE, shown))

    def line(text: str) -> None:
        sink(CommandOutput(clock.now(), key, GATE_PHASE, m.scrub(text)))

    code = runner.run(command, context.environment(), line, timeout=timeout)
    sink(CommandFinished(clock.now(), key, GATE_PHASE, shown, code))
    if code == 0:
        return GateResult(True, 0, f"the test command passed at {context.point.value}")
    why = "ran too long and was stopped" if code == 124 and timeout else f"exited with {code}"
    return GateResult(False, code, f"the test command `{shown}` {why} at {context.point.value}")
