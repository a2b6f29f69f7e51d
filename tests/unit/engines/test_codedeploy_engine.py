"""CodeDeploy blue/green through the deploy engine, with fakes and a fake clock (no wall time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from codedeploy_fakes import CodeDeployWorld, Phase, canary, hook_fails, ready_wait

from ecsflow.engines.gates import Gate, StopPoint
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.errors import ExitCode, ThrottledError
from ecsflow.events import DeploymentProgress, DeploymentStarted, Message, StageReached
from ecsflow.model import Outcome


class FakeTests:
    def __init__(self, code: int) -> None:
        self.code = code
        self.ran: list[tuple[str, dict[str, str]]] = []

    def run(
        self, command: str, env: Mapping[str, str], on_line: Callable[[str], None], *, timeout: float | None
    ) -> int:
        self.ran.append((command, dict(env)))
        on_line("checking the test listener")
        return self.code


@pytest.fixture
def w() -> CodeDeployWorld:
    world = CodeDeployWorld()
    world.cd.add_group(deployment_config="CodeDeployDefault.ECSCanary10Percent5Minutes")
    return world


def weights(w: CodeDeployWorld) -> list[float | None]:
    seen = [e.snapshot.traffic.production for e in w.sink.of(DeploymentProgress)]
    return [x for i, x in enumerate(seen) if i == 0 or seen[i - 1] != x]


def test_canary_succeeds_with_events_and_weights_shown(w: CodeDeployWorld) -> None:
    plan, (result,) = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED, result.reason
    assert result.deployment_id == "d-TEST00001"
    (created,) = w.cd.created
    assert created["group"] == ("web-app", "web-dg") and created["config"] is None  # the group's own
    assert result.task_definition_arn in created["appspec"] and "<TASK_DEFINITION>" not in created["appspec"]
    assert "ContainerName: web" in created["appspec"] and "subnet-1" in created["appspec"]  # generated
    assert weights(w) == [0.0, 10.0, 100.0]
    stages = [(e.stage, e.status) for e in w.sink.of(StageReached)]
    assert ("AfterAllowTestTraffic", "SUCCEEDED") in stages and ("termination wait", "SUCCEEDED") in stages
    # Lifecycle events stop moving in the termination wait: one target read there, then none,
    # and the waiter sleeps towards the wait's end a minute at a time (5 minutes: about 5 polls).
    polls_in_wait = w.cd.calls["get_deployment"] - w.cd.calls["get_target"]
    assert 3 <= polls_in_wait <= 6
    lines = "\n".join(plan.lines())
    assert "CodeDeploy web-app/web-dg, CodeDeployDefault.ECSCanary10Percent5Minutes" in lines
    assert "create a CodeDeploy deployment of" in lines
    # Derived timeout: margin 300 + install 270 + test traffic 60 + canary 300 + termination wait 300.
    assert plan.services[0].timeout == 1230.0
    assert w.cd.calls["get_deployment_config"] == 0, "predefined configurations need no call"


def test_hook_failure_is_rolled_back_and_names_the_hook(w: CodeDeployWorld) -> None:
    w.cd.script = hook_fails()
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.ROLLED_BACK and result.exit_code is ExitCode.ROLLED_BACK
    assert "AfterAllowTestTraffic failed (hook CodeDeployHook_smoke): smoke test returned 500" in result.reason
    assert "traffic rerouted to the original task set" in result.reason


def test_failure_without_rollback_is_failed(w: CodeDeployWorld) -> None:
    w.cd.add_group(auto_rollback=False, auto_rollback_events=())
    w.cd.script = [Phase(0, done=1), Phase(40, "Failed", done=1, error=("ECS_UPDATE_ERROR", "tasks failed to start"))]
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.FAILED
    assert "ECS could not create or update the task set" in result.reason and "not rolled back" in result.reason


def test_ready_wait_pauses_with_the_continue_command(w: CodeDeployWorld) -> None:
    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=30)
    w.cd.script = ready_wait()
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.PAUSED and result.exit_code is ExitCode.PAUSED
    assert "continue: ecsflow continue web" in result.notes[0]
    assert "30 min" in result.notes[1]
    assert not w.cd.continued and not w.cd.stopped


def test_until_bake_returns_at_the_termination_wait(w: CodeDeployWorld) -> None:
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(until=StopPoint.BAKE)))
    assert result.outcome is Outcome.REACHED and result.exit_code is ExitCode.OK
    assert "bake" in result.reason
    assert "ecsflow continue web ends it now" in result.notes[0]
    # 5 s polls for the first minute, then 15 s: the termination wait begins 360 s in.
    assert w.cd.calls["get_deployment"] <= 60 / 5 + 300 / 15 + 1


def test_until_production_traffic_is_reached_and_goes_on(w: CodeDeployWorld) -> None:
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(until=StopPoint.PRODUCTION_TRAFFIC)))
    assert result.outcome is Outcome.REACHED and result.exit_code is ExitCode.OK
    assert any("ecsflow wait web" in n for n in result.notes)


def test_until_test_traffic_at_a_ready_wait_is_reached_and_says_what_waits(w: CodeDeployWorld) -> None:
    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=30)
    w.cd.script = ready_wait()
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(until=StopPoint.TEST_TRAFFIC)))
    assert result.outcome is Outcome.REACHED and result.exit_code is ExitCode.OK
    assert "it waits at the ready wait: ecsflow continue web" in result.notes[0]
    assert not w.cd.continued


def test_test_command_passes_at_the_ready_wait_then_continues(w: CodeDeployWorld) -> None:
    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=30, termination_wait_minutes=1)
    w.cd.script = ready_wait()
    w.cd.on_continue = lambda: [Phase(0, done=6, weight=100.0), Phase(30, "Succeeded", done=8, weight=100.0)]
    tests = FakeTests(0)
    w.engine.test_runner = tests
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(test_command="./smoke.sh")))
    assert result.outcome is Outcome.SUCCEEDED, result.reason
    assert w.cd.continued == [("d-TEST00001", "READY_WAIT")]
    (ran,) = tests.ran
    assert ran[1]["ECSFLOW_DEPLOYMENT_ID"] == "d-TEST00001" and ran[1]["ECSFLOW_STOP_POINT"] == "test-traffic"
    assert ran[1]["ECSFLOW_TEST_TARGET_GROUP"] == "tg-green"
    assert ran[1]["ECSFLOW_TEST_URL"] == "http://web-alb.example:8080"
    assert ran[1]["ECSFLOW_TEST_LISTENER"].endswith(":listener/test")


def test_test_command_fails_stops_with_rollback(w: CodeDeployWorld) -> None:
    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=30)
    w.cd.script = ready_wait()
    w.cd.on_stop = lambda: [
        Phase(10, "Stopped", done=5, error=("MANUAL_STOP", "stopped by request"), rollback="rerouted to blue")
    ]
    w.engine.test_runner = FakeTests(2)
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(test_command="./smoke.sh")))
    assert result.outcome is Outcome.ROLLED_BACK
    assert result.reason.startswith("the test command `./smoke.sh` exited with 2 at test-traffic")
    assert w.cd.stopped == [("d-TEST00001", True)]
    assert not w.cd.continued


def test_test_command_without_ready_wait_warns_of_the_race(w: CodeDeployWorld) -> None:
    w.engine.test_runner = FakeTests(0)
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(test_command="true")))
    assert result.outcome is Outcome.SUCCEEDED
    warnings = [m.text for m in w.sink.of(Message) if m.level == "warning"]
    assert any("no ready wait" in text for text in warnings)


def test_deadline_times_out_and_leaves_the_deployment(w: CodeDeployWorld) -> None:
    w.cd.script = [Phase(0, done=1)]
    _, (result,) = w.deploy(timeout=120.0)
    assert result.outcome is Outcome.TIMED_OUT
    assert "did not finish within 2 minutes" in result.reason
    assert not w.cd.stopped


def test_throttled_poll_is_skipped_with_a_warning(w: CodeDeployWorld) -> None:
    w.cd.errors["get_deployment"] = [ThrottledError("codedeploy:GetDeployment failed: Throttling")]
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    assert any("trying again at the next poll" in m.text for m in w.sink.of(Message))


def test_stopped_by_someone_while_the_group_moved_on_is_superseded(w: CodeDeployWorld) -> None:
    create = w.cd.create_deployment

    def create_then_replaced(*args: Any, **kw: Any) -> str:
        deployment_id = create(*args, **kw)
        w.cd.add_group(last_attempted="d-OTHER0001", last_attempted_status="InProgress")  # someone else's
        return deployment_id

    w.cd.create_deployment = create_then_replaced  # type: ignore[method-assign]
    w.cd.script = [Phase(0, done=2), Phase(60, "Stopped", done=2, error=("MANUAL_STOP", "stopped by request"))]
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.SUPERSEDED
    assert "d-OTHER0001 replaced it" in result.reason


def test_custom_configuration_per_deploy_is_read_and_named(w: CodeDeployWorld) -> None:
    from ecsflow.ports_codedeploy import TrafficRouting

    w.cd.configs["fast-linear"] = TrafficRouting("fast-linear", "TimeBasedLinear", 25, 2)
    plan, (result,) = w.deploy(options=RunOptions(deployment_config="fast-linear"))
    assert result.outcome is Outcome.SUCCEEDED
    assert w.cd.created[0]["config"] == "fast-linear"
    assert w.cd.calls["get_deployment_config"] == 1
    assert plan.services[0].timeout == 300 + 270 + 60 + 3 * 120 + 300


def test_a_failing_gate_whose_stop_is_refused_is_still_judged(w: CodeDeployWorld) -> None:
    from ecsflow.errors import AwsError

    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=30)
    w.cd.script = [
        *ready_wait(),
        Phase(90, "Stopped", done=5, error=("TIMEOUT", "ready wait expired"), rollback="back"),
    ]
    w.cd.errors["stop_deployment"] = [
        AwsError(
            "StopDeployment failed: DeploymentAlreadyCompletedException", code="DeploymentAlreadyCompletedException"
        )
    ]
    w.engine.test_runner = FakeTests(1)
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(test_command="./smoke.sh")))
    assert result.outcome is Outcome.ROLLED_BACK
    assert any("could not stop it" in m.text for m in w.sink.of(Message))


def test_a_gate_the_deployment_ended_before_is_reported_as_not_run(w: CodeDeployWorld) -> None:
    w.cd.script = [Phase(0, done=1), Phase(3, "Succeeded", done=8, weight=100.0)]
    tests = FakeTests(1)
    w.engine.test_runner = tests
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(test_command="./smoke.sh")))
    assert result.outcome is Outcome.SUCCEEDED
    assert not tests.ran
    assert "the test command did not run: d-TEST00001 ended before ecsflow saw test-traffic" in result.notes


def test_a_pending_gate_without_ready_wait_is_polled_fast(w: CodeDeployWorld) -> None:
    w.cd.script = canary(done_at=150.0)
    w.engine.test_runner = FakeTests(0)
    w.deploy(options=RunOptions(gate=Gate(test_command="./smoke.sh")))
    # Until the test ran (test traffic at 150 s), polls stay 5 s apart (15 s after a minute otherwise).
    assert w.clock.sleeps[:30] == [5.0] * 30
    assert 5.0 not in w.clock.sleeps[31:]


def test_with_a_ready_wait_the_gate_runs_at_the_hold(w: CodeDeployWorld) -> None:
    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=30, termination_wait_minutes=0)
    # Test traffic is on green a moment before the deployment reports the hold (Ready).
    w.cd.script = [Phase(0, done=2), Phase(30, done=5, hold=True), Phase(45, "Ready", done=5)]
    w.cd.on_continue = lambda: [Phase(0, done=6, weight=100.0), Phase(20, "Succeeded", done=8, weight=100.0)]
    tests = FakeTests(0)
    w.engine.test_runner = tests
    _, (result,) = w.deploy(options=RunOptions(gate=Gate(test_command="./smoke.sh")))
    assert result.outcome is Outcome.SUCCEEDED, result.reason
    assert len(tests.ran) == 1 and w.cd.continued == [("d-TEST00001", "READY_WAIT")]
    assert not any("no ready wait" in m.text for m in w.sink.of(Message))
    began = w.sink.of(DeploymentStarted)[0].at
    ran_at = next(m.at for m in w.sink.of(Message) if "running the test command" in m.text)
    assert ran_at - began >= 45, "the test waited for the hold, not just for test traffic"
