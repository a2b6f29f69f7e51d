"""The ECS-native judge, stop points and gates, with a scripted service deployments port and a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest

from ecsflow.engines.gates import Gate, GateContext, StopPoint, parse_stop_point, run_gate
from ecsflow.engines.native import NativeJudge
from ecsflow.engines.native_setup import gate_hook, plan_native
from ecsflow.engines.timeouts import native_timeout
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import ConfigError, OperationFailed, UsageError
from ecsflow.events import CommandFinished, CommandOutput, Message, StageReached
from ecsflow.lifecycle import (
    GATE_MARKER,
    HookDetail,
    HookSetting,
    ListenerSetup,
    NativeDeployment,
    NativeService,
    NativeSettings,
)
from ecsflow.model import Outcome
from ecsflow.ports import Clock, ServiceState
from fakes import FakeClock, RecordingSink

ARN = "arn:aws:ecs:us-east-1:123456789012:service-deployment/main/web/abc"
TEST_RULE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3"
LISTENER = ListenerSetup("tg-blue", "tg-green", "rule-prod", TEST_RULE, "arn:aws:iam::123456789012:role/ecs-elb")


class FakeNative:
    """A ``ServiceDeploymentPort`` that answers DescribeServiceDeployments from a script."""

    def __init__(self, *script: NativeDeployment, live: NativeService | None = None) -> None:
        self.script = list(script)
        self.live = live or NativeService("ECS", NativeSettings("BLUE_GREEN"), (LISTENER,))
        self.calls: list[tuple[str, Any]] = []

    def native_service(self, cluster: str, service: str) -> NativeService | None:
        return self.live

    def describe_native(self, arn: str) -> NativeDeployment | None:
        current = self.script[0]
        if len(self.script) > 1:
            self.script.pop(0)
        return current

    def ongoing_native(self, cluster: str, service: str) -> NativeDeployment | None:
        return self.script[0] if self.script[0].ongoing else None

    def start_native(
        self,
        cluster: str,
        service: str,
        task_definition: str,
        configuration: Mapping[str, Any] | None,
        *,
        force_new_deployment: bool = False,
    ) -> tuple[str, str | None]:
        self.calls.append(("start", configuration))
        return "ecs-svc/1", ARN

    def configure(self, cluster: str, service: str, configuration: Mapping[str, Any]) -> None:
        self.calls.append(("configure", dict(configuration)))

    def continue_hook(self, arn: str, hook_id: str, action: str = "CONTINUE") -> None:
        self.calls.append(("continue", (hook_id, action)))

    def stop(self, arn: str, stop_type: str = "ROLLBACK") -> None:
        self.calls.append(("stop", stop_type))

    def listener_url(self, arn: str) -> str | None:
        return "http://web-test.example.com:8080" if arn == TEST_RULE else None


class FakeTests:
    def __init__(self, code: int, lines: tuple[str, ...] = ()) -> None:
        self.code = code
        self.lines = lines
        self.ran: list[tuple[str, dict[str, str], float | None]] = []

    def run(
        self, command: str, env: Mapping[str, str], on_line: Callable[[str], None], *, timeout: float | None
    ) -> int:
        self.ran.append((command, dict(env), timeout))
        for line in self.lines:
            on_line(line)
        return self.code


def dep(stage: str | None, status: str = "IN_PROGRESS", **kw: Any) -> NativeDeployment:
    return NativeDeployment(arn=ARN, status=status, lifecycle_stage=stage, **kw)


def state(**kw: Any) -> ServiceState:
    base = ServiceState(
        cluster="main",
        name="web",
        arn="arn:svc",
        status="ACTIVE",
        task_definition="arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        desired=2,
        running=2,
        pending=0,
        strategy="BLUE_GREEN",
        current_service_deployment=ARN,
    )
    return replace(base, **kw)


def tracked(clock: Clock, gate: Gate | None = None, **kw: Any) -> Tracked:
    return Tracked(
        key="web",
        cluster="main",
        service="web",
        deployment_id="ecs-svc/1",
        task_definition="arn:aws:ecs:us-east-1:123456789012:task-definition/web:2",
        previous_task_definition="arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        started_at=clock.now(),
        deadline=clock.now() + 900,
        strategy="BLUE_GREEN",
        service_deployment_arn=ARN,
        gate=gate,
        **kw,
    )


def setup(*script: NativeDeployment, tests: FakeTests | None = None) -> tuple[NativeJudge, FakeNative, RecordingSink]:
    clock = FakeClock()
    port = FakeNative(*script)
    sink = RecordingSink()
    return NativeJudge(port, clock, sink, tests=tests), port, sink


def follow(judge: NativeJudge, t: Tracked, svc: ServiceState | None = None, polls: int = 20) -> Any:
    clock = judge.clock
    assert isinstance(clock, FakeClock)
    for _ in range(polls):
        verdict = judge(t, svc or state(), clock.now())
        if verdict is not None:
            return verdict
        clock.advance(5)
    return None


# --- outcomes ---------------------------------------------------------------------------


def test_success_shows_every_stage_in_order_even_when_polls_skip_some() -> None:
    judge, _, sink = setup(
        dep("PRE_SCALE_UP"),
        dep("TEST_TRAFFIC_SHIFT", test_weight=100.0, production_weight=0.0),
        dep("BAKE_TIME", production_weight=100.0, test_weight=100.0),
        dep("CLEAN_UP", "SUCCESSFUL", production_weight=100.0),
    )
    verdict = follow(judge, tracked(judge.clock))
    assert verdict.outcome is Outcome.SUCCEEDED
    assert [e.stage for e in sink.of(StageReached)] == [
        "PRE_SCALE_UP",
        "SCALE_UP",
        "POST_SCALE_UP",
        "TEST_TRAFFIC_SHIFT",
        "POST_TEST_TRAFFIC_SHIFT",
        "PRODUCTION_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT",
        "BAKE_TIME",
        "CLEAN_UP",
    ]


def test_failing_hook_rolls_back_and_is_named() -> None:
    failed = HookDetail("h1", "AWS_LAMBDA", "FAILED", "arn:aws:lambda:us-east-1:1:function:smoke")
    judge, _, _ = setup(
        dep("POST_SCALE_UP"),
        dep("POST_SCALE_UP", "ROLLBACK_IN_PROGRESS", hooks=(failed,)),
        dep("POST_SCALE_UP", "ROLLBACK_SUCCESSFUL", hooks=(failed,), rollback_reason="Lifecycle hook failed"),
    )
    verdict = follow(judge, tracked(judge.clock))
    assert verdict.outcome is Outcome.ROLLED_BACK
    assert verdict.reason == "lifecycle hook smoke failed (Lifecycle hook failed); traffic is back on web:1"


@pytest.mark.parametrize(
    ("status", "reason", "outcome"),
    [
        ("ROLLBACK_FAILED", "no previous revision", Outcome.FAILED),
        ("STOPPED", "Service deployment was superseded by a newer service deployment.", Outcome.SUPERSEDED),
        ("STOPPED", "Circuit breaker triggered", Outcome.FAILED),
    ],
)
def test_terminal_statuses(status: str, reason: str, outcome: Outcome) -> None:
    judge, _, _ = setup(dep("SCALE_UP", status, status_reason=reason))
    verdict = follow(judge, tracked(judge.clock))
    assert verdict.outcome is outcome
    assert reason in verdict.reason


def test_a_newer_service_deployment_means_superseded() -> None:
    judge, _, _ = setup(dep("SCALE_UP", "STOPPED", status_reason="stopped"))
    verdict = follow(judge, tracked(judge.clock), state(current_service_deployment=ARN + "x"))
    assert verdict.outcome is Outcome.SUPERSEDED


def test_the_users_pause_hook_pauses_with_the_commands_to_go_on() -> None:
    pause = HookDetail("p1", "PAUSE", "AWAITING_ACTION", stage="POST_SCALE_UP", expires_at=1_800_000_000.0)
    judge, port, _ = setup(dep("SCALE_UP"), dep("POST_SCALE_UP", hooks=(pause,)))
    t = tracked(judge.clock)
    verdict = follow(judge, t)
    assert verdict.outcome is Outcome.PAUSED
    assert "POST_SCALE_UP" in verdict.reason and "p1" in verdict.reason and "rollback" in verdict.reason
    assert t.notes == ["continue: ecsflow continue web   roll back: ecsflow rollback web"]
    assert not port.calls, "ecsflow never continues someone else's PAUSE hook by itself"


def test_deadline_comes_from_the_deployments_own_settings() -> None:
    settings = NativeSettings("LINEAR", bake_minutes=60, step_percent=25.0, step_bake_minutes=10)
    judge, _, _ = setup(dep("PRE_SCALE_UP", settings=settings))
    t = tracked(judge.clock, timeout_derived=True)
    assert judge(t, state(), judge.clock.now()) is None
    assert t.deadline - t.started_at == native_timeout(settings)
    assert t.deadline - t.started_at >= 60 * 60 + 3 * 10 * 60
    assert not t.timeout_derived


# --- stop points and gates ----------------------------------------------------------------


def test_until_test_traffic_is_reached_at_ecsflows_pause_hook() -> None:
    gate = HookDetail("g1", "PAUSE", "AWAITING_ACTION", stage="POST_TEST_TRAFFIC_SHIFT")
    judge, port, _ = setup(dep("TEST_TRAFFIC_SHIFT"), dep("POST_TEST_TRAFFIC_SHIFT", hooks=(gate,)))
    t = tracked(judge.clock, Gate(until=StopPoint.TEST_TRAFFIC))
    verdict = follow(judge, t)
    assert verdict.outcome is Outcome.REACHED
    assert verdict.outcome.exit_code == 0
    assert "test traffic" in verdict.reason
    assert "ecsflow continue web" in t.notes[0]
    assert not port.calls


def test_until_bake_returns_while_the_bake_goes_on() -> None:
    judge, _, _ = setup(
        dep("POST_PRODUCTION_TRAFFIC_SHIFT"), dep("BAKE_TIME", settings=NativeSettings(bake_minutes=30))
    )
    t = tracked(judge.clock, Gate(until=StopPoint.BAKE))
    verdict = follow(judge, t)
    assert verdict.outcome is Outcome.REACHED
    assert "30 min" in t.notes[0] and "ecsflow rollback web" in t.notes[0]


def test_passing_test_command_continues_and_the_gate_hook_goes() -> None:
    hooked = {"lifecycleHooks": [gate_hook("POST_TEST_TRAFFIC_SHIFT")]}
    live = NativeService("ECS", NativeSettings("BLUE_GREEN"), (LISTENER,), raw_configuration=hooked)
    waiting = HookDetail("g1", "PAUSE", "AWAITING_ACTION", stage="POST_TEST_TRAFFIC_SHIFT")
    tests = FakeTests(0, ("200 OK",))
    judge, port, sink = setup(
        dep("POST_TEST_TRAFFIC_SHIFT", hooks=(waiting,)),
        dep("PRODUCTION_TRAFFIC_SHIFT", production_weight=100.0),
        dep("CLEAN_UP", "SUCCESSFUL"),
        tests=tests,
    )
    port.live = live
    t = tracked(judge.clock, Gate(test_command="./smoke.sh"))
    verdict = follow(judge, t)
    assert verdict.outcome is Outcome.SUCCEEDED
    [(command, env, _)] = tests.ran
    assert command == "./smoke.sh"
    assert env["ECSFLOW_TEST_LISTENER"] == TEST_RULE
    assert env["ECSFLOW_TEST_URL"] == "http://web-test.example.com:8080"
    assert env["ECSFLOW_STOP_POINT"] == "test-traffic"
    assert env["ECSFLOW_DEPLOYMENT_ID"] == "ecs-svc/1"
    assert ("configure", {"lifecycleHooks": []}) in port.calls
    assert ("continue", ("g1", "CONTINUE")) in port.calls
    assert [e.line for e in sink.of(CommandOutput)] == ["200 OK"]
    assert [e.exit_code for e in sink.of(CommandFinished)] == [0]


def test_failing_test_command_rolls_back_with_its_exit_status() -> None:
    waiting = HookDetail("g1", "PAUSE", "AWAITING_ACTION", stage="POST_TEST_TRAFFIC_SHIFT")
    judge, port, sink = setup(
        dep("POST_TEST_TRAFFIC_SHIFT", hooks=(waiting,)),
        dep("POST_TEST_TRAFFIC_SHIFT", "ROLLBACK_IN_PROGRESS"),
        dep("POST_TEST_TRAFFIC_SHIFT", "ROLLBACK_SUCCESSFUL", rollback_reason="Lifecycle hook failed"),
        tests=FakeTests(2),
    )
    t = tracked(judge.clock, Gate(test_command="pytest smoke"))
    verdict = follow(judge, t)
    assert verdict.outcome is Outcome.ROLLED_BACK
    assert verdict.reason.startswith("the test command `pytest smoke` exited with 2 at test-traffic")
    assert ("continue", ("g1", "ROLLBACK")) in port.calls
    assert any(m.level == "error" for m in sink.of(Message))


def test_gate_at_production_traffic() -> None:
    waiting = HookDetail("g1", "PAUSE", "AWAITING_ACTION", stage="POST_PRODUCTION_TRAFFIC_SHIFT")
    tests = FakeTests(0)
    judge, _, _ = setup(
        dep("POST_TEST_TRAFFIC_SHIFT"),
        dep("POST_PRODUCTION_TRAFFIC_SHIFT", hooks=(waiting,)),
        dep("CLEAN_UP", "SUCCESSFUL"),
        tests=tests,
    )
    gate = Gate(until=StopPoint.PRODUCTION_TRAFFIC, test_command="check")
    verdict = follow(judge, tracked(judge.clock, gate))
    assert verdict.outcome is Outcome.SUCCEEDED
    assert tests.ran[0][1]["ECSFLOW_STOP_POINT"] == "production-traffic"


@pytest.mark.parametrize(
    ("gate", "point"),
    [
        (Gate(), None),
        (Gate(until=StopPoint.COMPLETE), None),
        (Gate(until=StopPoint.BAKE), StopPoint.BAKE),
        (Gate(test_command="x"), StopPoint.TEST_TRAFFIC),
        (Gate(until=StopPoint.BAKE, test_command="x"), StopPoint.TEST_TRAFFIC),
        (Gate(until=StopPoint.PRODUCTION_TRAFFIC, test_command="x"), StopPoint.PRODUCTION_TRAFFIC),
    ],
)
def test_where_a_gate_holds(gate: Gate, point: StopPoint | None) -> None:
    assert gate.point is point


def test_unknown_stop_point_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="known: test-traffic, production-traffic, bake, complete"):
        parse_stop_point("halfway")


def test_run_gate_masks_secrets_and_says_why_it_failed() -> None:
    clock = FakeClock()
    sink = RecordingSink()
    context = GateContext("web", "main", "web", "ecs-svc/1", StopPoint.TEST_TRAFFIC)
    tests = FakeTests(124, ("API_TOKEN=abc123",))
    result = run_gate(tests, "curl -H 'token: x'", context, sink=sink, clock=clock, timeout=30)
    assert not result.passed
    assert "ran too long and was stopped" in result.summary
    assert "abc123" not in " ".join(e.line for e in sink.of(CommandOutput))


# --- native setup: strategy switch and gate hooks -------------------------------------------


def test_switch_to_blue_green_with_the_pieces_in_place() -> None:
    live = NativeService("ECS", NativeSettings("ROLLING"), (LISTENER,))
    start = plan_native("web", "web", "ROLLING", "blue_green", None, live)
    assert start is not None
    assert start.strategy == "BLUE_GREEN"
    assert start.configuration == {"strategy": "BLUE_GREEN"}


def test_switch_without_the_pieces_lists_what_is_missing() -> None:
    live = NativeService("ECS", NativeSettings("ROLLING"), (ListenerSetup("tg-blue"),))
    with pytest.raises(OperationFailed) as err:
        plan_native("web", "web", "ROLLING", "canary", None, live)
    message = err.value.message
    assert "alternateTargetGroupArn" in message and "productionListenerRule" in message and "roleArn" in message
    assert "Nothing was changed" in (err.value.hint or "")


def test_gate_adds_a_pause_hook_unless_the_users_own_holds_the_stage() -> None:
    live = NativeService("ECS", NativeSettings("LINEAR"), (LISTENER,))
    start = plan_native("web", "web", "LINEAR", None, Gate(until=StopPoint.TEST_TRAFFIC), live)
    assert start is not None and start.configuration is not None
    [hook] = start.configuration["lifecycleHooks"]
    assert hook["targetType"] == "PAUSE" and hook["lifecycleStages"] == ["POST_TEST_TRAFFIC_SHIFT"]
    assert hook["hookDetails"] == {GATE_MARKER: True}
    own = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    live = replace(live, raw_configuration={"lifecycleHooks": [own]})
    start = plan_native("web", "web", "LINEAR", None, Gate(until=StopPoint.TEST_TRAFFIC), live)
    assert start is not None and start.configuration is None


def test_a_stale_gate_hook_is_taken_out_by_the_next_deploy() -> None:
    lam = {"hookTargetArn": "arn:aws:lambda:us-east-1:1:function:f", "lifecycleStages": ["POST_SCALE_UP"]}
    live = NativeService(
        "ECS",
        NativeSettings("BLUE_GREEN"),
        (LISTENER,),
        raw_configuration={"lifecycleHooks": [lam, gate_hook("POST_TEST_TRAFFIC_SHIFT")]},
    )
    start = plan_native("web", "web", "BLUE_GREEN", "auto", Gate(until=StopPoint.BAKE), live)
    assert start is not None
    assert start.configuration == {"lifecycleHooks": [lam]}


def test_stop_points_need_a_blue_green_strategy() -> None:
    with pytest.raises(UsageError, match="need a blue/green strategy"):
        plan_native("web", "web", "ROLLING", None, Gate(test_command="x"), NativeService("ECS", NativeSettings()))


def test_codedeploy_services_are_left_to_their_engine_and_cannot_switch() -> None:
    assert plan_native("web", "web", "CODE_DEPLOY", None, Gate(until=StopPoint.TEST_TRAFFIC), None) is None
    with pytest.raises(ConfigError, match="needs the ECS deployment controller"):
        plan_native("web", "web", "CODE_DEPLOY", "linear", None, None)


# --- timeouts -------------------------------------------------------------------------------


def test_native_timeout_adds_steps_bake_and_lambda_hook_timeouts() -> None:
    svc = 0.0
    blue_green = native_timeout(NativeSettings("BLUE_GREEN", bake_minutes=10), svc)
    linear = native_timeout(NativeSettings("LINEAR", bake_minutes=10, step_percent=10.0, step_bake_minutes=6), svc)
    canary = native_timeout(NativeSettings("CANARY", bake_minutes=10, canary_bake_minutes=15), svc)
    assert linear - blue_green == 9 * 6 * 60
    assert canary - blue_green == 15 * 60
    hooked = NativeSettings(
        "BLUE_GREEN",
        bake_minutes=10,
        hooks=(HookSetting(("POST_SCALE_UP",), timeout_minutes=30), HookSetting(("PRE_SCALE_UP",), "PAUSE")),
    )
    assert native_timeout(hooked, svc) - blue_green == 30 * 60, "PAUSE hooks add nothing"


def test_polls_slow_down_during_a_long_bake_and_speed_up_near_its_end() -> None:
    baking = dep("BAKE_TIME", settings=NativeSettings(bake_minutes=10))
    judge, _, _ = setup(baking)
    clock = judge.clock
    assert isinstance(clock, FakeClock)
    t = tracked(clock)
    judge(t, state(), clock.now())
    assert t.quiet_until == clock.now() + 30
    clock.advance(9 * 60)
    judge(t, state(), clock.now())
    assert t.quiet_until is None, "within a minute of the bake's end: the usual fast polls"


def test_an_alarm_rollback_names_the_alarm() -> None:
    judge, _, _ = setup(dep("BAKE_TIME", "ROLLBACK_SUCCESSFUL", triggered_alarms=("web-5xx",), rollback_reason="Alarm"))
    verdict = follow(judge, tracked(judge.clock))
    assert verdict.outcome is Outcome.ROLLED_BACK
    assert verdict.reason == "alarm web-5xx (Alarm); traffic is back on web:1"


def test_a_gate_the_deployment_did_not_wait_at_still_tests_and_stops_on_failure() -> None:
    judge, port, sink = setup(
        dep("PRODUCTION_TRAFFIC_SHIFT", production_weight=10.0),
        dep("PRODUCTION_TRAFFIC_SHIFT", "ROLLBACK_IN_PROGRESS"),
        dep("PRODUCTION_TRAFFIC_SHIFT", "ROLLBACK_SUCCESSFUL", rollback_reason="Stopped by request"),
        tests=FakeTests(1),
    )
    verdict = follow(judge, tracked(judge.clock, Gate(test_command="smoke")))
    assert verdict.outcome is Outcome.ROLLED_BACK
    assert verdict.reason.startswith("the test command `smoke` exited with 1 at test-traffic")
    assert ("stop", "ROLLBACK") in port.calls
    assert not [c for c in port.calls if c[0] == "continue"], "no hook of anyone else's is continued"
    assert any("did not wait at POST_TEST_TRAFFIC_SHIFT" in m.text for m in sink.of(Message))


def test_success_before_the_gate_was_seen_says_the_test_did_not_run() -> None:
    judge, _, _ = setup(dep("CLEAN_UP", "SUCCESSFUL"), tests=FakeTests(0))
    t = tracked(judge.clock, Gate(test_command="smoke"))
    verdict = follow(judge, t)
    assert verdict.outcome is Outcome.SUCCEEDED
    assert t.notes == ["the test command did not run: the deployment completed before ecsflow saw its gate"]


# --- continue and stop ------------------------------------------------------------------------


def test_continue_releases_every_awaiting_pause_hook_and_takes_ecsflows_gate_out() -> None:
    from ecsflow.engines.native_continue import continue_native

    own = {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}
    live = NativeService(
        "ECS",
        NativeSettings("BLUE_GREEN"),
        (LISTENER,),
        raw_configuration={"lifecycleHooks": [own, gate_hook("POST_TEST_TRAFFIC_SHIFT")]},
    )
    waiting = HookDetail("p1", "PAUSE", "AWAITING_ACTION", stage="POST_SCALE_UP")
    port = FakeNative(dep("POST_SCALE_UP", hooks=(waiting,)), live=live)
    sink = RecordingSink()
    continue_native(port, "web", "main", "web", sink=sink, clock=FakeClock())
    assert port.calls == [("configure", {"lifecycleHooks": [own]}), ("continue", ("p1", "CONTINUE"))]


def test_continue_with_nothing_waiting_changes_nothing() -> None:
    from ecsflow.engines.native_continue import continue_native

    port = FakeNative(dep("SCALE_UP"))
    with pytest.raises(OperationFailed, match="waits for no one"):
        continue_native(port, "web", "main", "web", sink=RecordingSink(), clock=FakeClock())
    assert port.calls == []


def test_waiter_polls_no_faster_than_a_quiet_judge_asks() -> None:
    from ecsflow.engines.diagnosis import Diagnoser
    from ecsflow.engines.waiter import RollingWaiter
    from fakes import FakeEcs

    clock = FakeClock()
    ecs = FakeEcs(clock)
    waiter = RollingWaiter(ecs, clock, RecordingSink(), Diagnoser(ecs))
    t = tracked(clock)
    t.started_at -= 120  # past the fast period: steady polls of 6 s
    waiter.add(t)
    assert waiter.next_interval() == 6.0
    t.quiet_until = clock.now() + 30
    assert waiter.next_interval() == 30.0
