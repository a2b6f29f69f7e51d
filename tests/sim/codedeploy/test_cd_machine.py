"""The deployment state machine alone: fake effects, explicit simulated time."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.core.exceptions import ServiceException

from ecsflow.sim.codedeploy.configs import PREDEFINED
from ecsflow.sim.codedeploy.machine import Deployment, TaskSetState
from ecsflow.sim.codedeploy.timing import Plan

T0 = 1000.0


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.rendered: dict[str, TaskSetState] = {}
        self.firing: tuple[str, float] | None = None

    def create_green(self) -> None:
        self.calls.append(("create_green",))

    def route_test(self, to_green: bool) -> None:
        self.calls.append(("route_test", to_green))

    def route_production(self, green_weight: float) -> None:
        self.calls.append(("route_production", green_weight))

    def make_primary(self, label: str) -> None:
        self.calls.append(("make_primary", label))

    def delete_task_set(self, label: str) -> None:
        self.calls.append(("delete_task_set", label))

    def render_task_set(self, state: TaskSetState) -> None:
        self.rendered[state.label] = TaskSetState(**vars(state))

    def alarm(self, names: tuple[str, ...], ignore_missing: bool) -> tuple[str, float] | None:
        return self.firing


def make(config: str = "CodeDeployDefault.ECSAllAtOnce", **plan: Any) -> tuple[Deployment, Recorder]:
    defaults: dict[str, Any] = {
        "desired_count": 3,
        "traffic_steps": PREDEFINED[config].traffic_steps(),
        "has_test_listener": True,
        "termination_wait_seconds": 300.0,
        "rollback_on_failure": True,
    }
    defaults.update(plan)
    effects = Recorder()
    counter = iter(range(1, 100))
    deployment = Deployment("d-TEST00001", T0, Plan(**defaults), effects, lambda event: f"{event}-{next(counter)}")
    return deployment, effects


def code(exc: pytest.ExceptionInfo[ServiceException]) -> str:
    return str(exc.value.code)


def event_statuses(d: Deployment) -> dict[str, str]:
    return {e.name: e.status for e in d.events}


def test_all_at_once_runs_every_event_in_order_then_waits_to_terminate() -> None:
    d, fx = make()
    d.advance_to(T0)
    assert d.status == "Created"
    d.advance_to(T0 + 1)
    assert d.status == "InProgress" and d.started == T0 + 1
    assert fx.rendered["Green"].pending == 3 and not fx.rendered["Green"].stable
    d.advance_to(T0 + 21)  # task_start_seconds=20: running, not yet stable
    assert (fx.rendered["Green"].running, fx.rendered["Green"].stable) == (3, False)
    d.advance_to(T0 + 200)
    assert d.status == "InProgress" and d.termination_wait_started == T0 + 36
    assert all(s == "Succeeded" for s in event_statuses(d).values())
    times = [(e.name, e.start - T0, e.end - T0) for e in d.events]  # type: ignore[operator]
    assert times == [
        ("BeforeInstall", 1, 1),
        ("Install", 1, 31),
        ("AfterInstall", 31, 31),
        ("AllowTestTraffic", 31, 36),
        ("AfterAllowTestTraffic", 36, 36),
        ("BeforeAllowTraffic", 36, 36),
        ("AllowTraffic", 36, 36),
        ("AfterAllowTraffic", 36, 36),
    ]
    assert fx.calls == [
        ("create_green",),
        ("route_test", True),
        ("route_production", 100.0),
        ("make_primary", "Green"),
    ]
    d.advance_to(T0 + 36 + 299)
    assert d.status == "InProgress"
    d.advance_to(T0 + 36 + 300)
    assert d.status == "Succeeded" and d.completed == T0 + 336
    assert fx.calls[-1] == ("delete_task_set", "Blue")
    assert d.target_status() == "Succeeded"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", [(0, 10.0), (300, 100.0)]),
        ("CodeDeployDefault.ECSCanary10Percent15Minutes", [(0, 10.0), (900, 100.0)]),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", [(60 * i, 10.0 * (i + 1)) for i in range(10)]),
        ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", [(180 * i, 10.0 * (i + 1)) for i in range(10)]),
    ],
)
def test_traffic_shifts_follow_the_config(config: str, expected: list[tuple[int, float]]) -> None:
    d, fx = make(config)
    seen: list[tuple[float, float]] = []
    start = T0 + 36  # AllowTraffic starts after install (30 s) and test traffic (5 s)
    for t in range(0, 2000, 10):
        before = len(fx.calls)
        d.advance_to(T0 + t)
        seen += [(T0 + t - start, c[1]) for c in fx.calls[before:] if c[0] == "route_production"]
    # Each shift is observed at the first advance at or after its moment (10 s granularity).
    assert [w for _, w in seen] == [w for _, w in expected]
    assert all(0 <= got - want < 10 for (got, _), (want, _) in zip(seen, expected, strict=True))
    assert d.events[6].end - d.events[6].start == expected[-1][0]  # type: ignore[operator]


def test_history_does_not_depend_on_how_often_time_is_advanced() -> None:
    coarse, _ = make("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", hooks={"AfterInstall": "fn"})
    fine, _ = make("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", hooks={"AfterInstall": "fn"})
    coarse.advance_to(T0 + 5000)
    for t in range(0, 5001, 7):
        fine.advance_to(T0 + t)
    fine.advance_to(T0 + 5000)
    assert [(e.status, e.start, e.end) for e in coarse.events] == [(e.status, e.start, e.end) for e in fine.events]
    assert (coarse.status, coarse.completed) == (fine.status, fine.completed) == ("Succeeded", T0 + 886)


def test_hook_defaults_to_succeeding_after_a_short_delay() -> None:
    d, _ = make(hooks={"AfterAllowTestTraffic": "CodeDeployHook_check"})
    d.advance_to(T0 + 36 + 5)
    assert [h.function for h in d.pending_hooks()] == ["CodeDeployHook_check"]
    d.advance_to(T0 + 36 + 10)
    hook = d.events[4].hook
    assert hook is not None and (hook.result, hook.reported) == ("Succeeded", T0 + 46)
    assert d.events[4].status == "Succeeded" and d.pending_hooks() == []


def test_manual_hook_waits_for_put_lifecycle_event_hook_execution_status() -> None:
    d, _ = make(hooks={"AfterInstall": "fn"}, hook_results={"AfterInstall": "manual"})
    d.advance_to(T0 + 600)
    assert d.status == "InProgress" and d.events[2].status == "InProgress"
    (hook,) = d.pending_hooks()
    with pytest.raises(ServiceException) as bad_status:
        d.put_hook_status(hook.execution_id, "InProgress", T0 + 600)
    assert code(bad_status) == "InvalidLifecycleEventHookExecutionStatusException"
    with pytest.raises(ServiceException) as unknown:
        d.put_hook_status("nope", "Succeeded", T0 + 600)
    assert code(unknown) == "InvalidLifecycleEventHookExecutionIdException"
    d.put_hook_status(hook.execution_id, "Succeeded", T0 + 600)
    assert d.events[2].status == "Succeeded" and d.events[2].end == T0 + 600
    with pytest.raises(ServiceException) as again:
        d.put_hook_status(hook.execution_id, "Failed", T0 + 601)
    assert code(again) == "LifecycleEventAlreadyCompletedException"


def test_hook_selected_by_function_name_in_the_scenario() -> None:
    d, _ = make(hooks={"AfterInstall": "arn:aws:lambda:us-east-1:1:function:CodeDeployHook_x"})
    assert d.plan.hook_outcome("AfterInstall") == "SUCCEEDED"
    d2, _ = make(
        hooks={"AfterInstall": "arn:aws:lambda:us-east-1:1:function:CodeDeployHook_x"},
        hook_results={"CodeDeployHook_x": "Failed"},
    )
    assert d2.plan.hook_outcome("AfterInstall") == "FAILED"


def test_failing_hook_fails_the_deployment_and_rolls_back() -> None:
    d, fx = make(hooks={"AfterAllowTestTraffic": "fn"}, hook_results={"AfterAllowTestTraffic": "FAILED"})
    d.advance_to(T0 + 100)
    assert d.status == "Failed" and d.completed == T0 + 46
    assert d.error is not None and d.error[0] == "HOOK_EXECUTION_FAILURE"
    assert event_statuses(d)["AfterAllowTestTraffic"] == "Failed"
    assert event_statuses(d)["AllowTraffic"] == "Skipped"
    assert fx.calls[-3:] == [("route_production", 0.0), ("route_test", False), ("delete_task_set", "Green")]
    assert d.rollback_message is not None and "rerouted" in d.rollback_message
    assert (d.blue.primary, d.green.exists) == (True, False)


def test_failing_hook_without_auto_rollback_leaves_both_task_sets() -> None:
    d, fx = make(hooks={"AfterAllowTraffic": "fn"}, hook_results={"fn": "FAILED"}, rollback_on_failure=False)
    d.advance_to(T0 + 100)
    assert d.status == "Failed" and d.rollback_message is None
    assert ("delete_task_set", "Green") not in fx.calls
    assert d.green.exists and d.green.primary


def test_failure_after_green_became_primary_makes_blue_primary_again() -> None:
    d, fx = make(hooks={"AfterAllowTraffic": "fn"}, hook_results={"fn": "FAILED"})
    d.advance_to(T0 + 100)
    assert ("make_primary", "Blue") in fx.calls and d.blue.primary and d.blue.weight == 100.0


def test_hook_without_status_fails_after_one_hour() -> None:
    d, _ = make(hooks={"BeforeAllowTraffic": "fn"}, hook_results={"BeforeAllowTraffic": "timeout"})
    d.advance_to(T0 + 36 + 3599)
    assert d.status == "InProgress"
    d.advance_to(T0 + 36 + 3600)
    assert d.status == "Failed" and d.error is not None and d.error[0] == "TIMEOUT"
    assert d.completed == T0 + 3636


def test_ready_wait_holds_until_continue_deployment() -> None:
    d, fx = make(ready_wait_seconds=600.0)
    d.advance_to(T0 + 100)
    assert d.status == "Ready" and d.target_status() == "Ready"
    assert ("route_production", 100.0) not in fx.calls
    assert event_statuses(d)["BeforeAllowTraffic"] == "Pending"
    with pytest.raises(ServiceException) as early:
        d.continue_("TERMINATION_WAIT", T0 + 100)
    assert code(early) == "InvalidDeploymentStatusException"
    d.continue_("READY_WAIT", T0 + 200)
    assert d.status == "InProgress" and d.events[5].start == T0 + 200
    assert ("route_production", 100.0) in fx.calls
    with pytest.raises(ServiceException) as not_ready:
        d.continue_("READY_WAIT", T0 + 201)
    assert code(not_ready) == "DeploymentIsNotInReadyStateException"


def test_ready_wait_without_continue_stops_the_deployment() -> None:
    d, fx = make(ready_wait_seconds=600.0)
    d.advance_to(T0 + 36 + 600)
    assert d.status == "Stopped" and d.completed == T0 + 636
    assert d.error is not None and d.error[0] == "TIMEOUT"
    assert ("delete_task_set", "Green") in fx.calls and ("route_test", False) in fx.calls


def test_continue_termination_wait_ends_the_wait_at_once() -> None:
    d, fx = make()
    d.advance_to(T0 + 100)
    d.continue_("TERMINATION_WAIT", T0 + 100)
    assert d.status == "Succeeded" and d.completed == T0 + 100
    assert fx.calls[-1] == ("delete_task_set", "Blue")
    with pytest.raises(ServiceException) as done:
        d.continue_("TERMINATION_WAIT", T0 + 101)
    assert code(done) == "DeploymentAlreadyCompletedException"


def test_continue_with_an_unknown_wait_type_is_refused() -> None:
    d, _ = make()
    d.advance_to(T0 + 10)
    with pytest.raises(ServiceException) as bad:
        d.continue_("SOMETIME", T0 + 10)
    assert code(bad) == "InvalidDeploymentWaitTypeException"


def test_stop_answers_pending_then_succeeded_and_ends_stopped_with_rollback() -> None:
    d, fx = make("CodeDeployDefault.ECSCanary10Percent5Minutes")
    d.advance_to(T0 + 100)
    assert ("route_production", 10.0) in fx.calls
    assert d.stop(T0 + 100, rollback=True) == "Pending"
    assert d.status == "InProgress"
    assert d.stop(T0 + 102, rollback=True) == "Succeeded"
    d.advance_to(T0 + 105)
    assert d.status == "Stopped" and d.error == ("MANUAL_STOP", "The deployment was stopped by a user.")
    assert fx.calls[-3:] == [("route_production", 0.0), ("route_test", False), ("delete_task_set", "Green")]
    assert event_statuses(d)["AllowTraffic"] == "Skipped"
    with pytest.raises(ServiceException) as done:
        d.stop(T0 + 106, rollback=True)
    assert code(done) == "DeploymentAlreadyCompletedException"


def test_stop_without_rollback_leaves_traffic_where_it_is() -> None:
    d, fx = make("CodeDeployDefault.ECSCanary10Percent5Minutes")
    d.advance_to(T0 + 100)
    d.stop(T0 + 100, rollback=False)
    d.advance_to(T0 + 200)
    assert d.status == "Stopped" and ("route_production", 0.0) not in fx.calls and d.green.exists


def test_a_problem_found_at_start_fails_the_deployment_before_any_change() -> None:
    d, fx = make(problem=("INVALID_ECS_SERVICE", "The ECS service web-cluster/web cannot be found."))
    d.advance_to(T0 + 100)
    assert d.status == "Failed" and d.error is not None and d.error[0] == "INVALID_ECS_SERVICE"
    assert fx.calls == [] and all(s == "Skipped" for s in event_statuses(d).values())


def test_an_alarm_stops_the_deployment_at_the_moment_it_fired() -> None:
    d, fx = make("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", alarms=("web-5xx",), rollback_on_alarm=True)
    d.advance_to(T0 + 100)
    fx.firing = ("The alarm web-5xx is in the ALARM state.", T0 + 130)
    d.advance_to(T0 + 400)  # one jump: the shifts due before the alarm still happen, later ones do not
    assert d.status == "Stopped" and d.completed == T0 + 130
    assert d.error == ("ALARM_ACTIVE", "The alarm web-5xx is in the ALARM state.")
    shifts = [c[1] for c in fx.calls if c[0] == "route_production"]
    assert shifts == [10.0, 20.0, 0.0]  # 10 % at 36 s, 20 % at 96 s, then the rollback
    assert ("delete_task_set", "Green") in fx.calls


def test_an_alarm_without_rollback_on_alarm_only_stops() -> None:
    d, fx = make(alarms=("web-5xx",))
    fx.firing = ("CodeDeploy could not read the state of alarm web-5xx.", float("-inf"))
    d.advance_to(T0 + 100)
    assert d.status == "Stopped" and d.completed == T0 + 1 and d.error is not None
    assert fx.calls == []


def test_an_alarm_seen_late_still_lets_earlier_steps_happen_first() -> None:
    d, fx = make(alarms=("web-5xx",))
    fx.firing = ("The alarm web-5xx is in the ALARM state.", T0 + 20)
    d.advance_to(T0 + 500)  # never advanced before: start and Install begin before the alarm
    assert d.status == "Stopped" and (d.started, d.completed) == (T0 + 1, T0 + 20)
    assert fx.calls == [("create_green",)] and d.events[1].status == "Skipped"


def test_a_late_answer_to_a_timed_out_hook_is_refused() -> None:
    d, _ = make(hooks={"AfterInstall": "fn"}, hook_results={"fn": "manual"})
    d.advance_to(T0 + 100)
    (hook,) = d.pending_hooks()
    with pytest.raises(ServiceException) as late:
        d.put_hook_status(hook.execution_id, "Succeeded", T0 + 31 + 3600)
    assert code(late) == "LifecycleEventAlreadyCompletedException"
    assert d.status == "Failed" and d.completed == T0 + 31 + 3600


def test_without_a_test_listener_allow_test_traffic_changes_nothing() -> None:
    d, fx = make(has_test_listener=False)
    d.advance_to(T0 + 1000)
    assert d.status == "Succeeded" and not [c for c in fx.calls if c[0] == "route_test"]
    assert event_statuses(d)["AllowTestTraffic"] == "Succeeded"


CONFIGS = [name for name, config in PREDEFINED.items() if config.compute_platform == "ECS"]
EVENTS_WITH_HOOKS = [
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
]


@settings(max_examples=40, deadline=None)
@given(
    config=st.sampled_from(CONFIGS),
    hooks=st.dictionaries(st.sampled_from(EVENTS_WITH_HOOKS), st.sampled_from(["SUCCEEDED", "FAILED", "timeout"])),
    steps=st.lists(st.floats(min_value=0.5, max_value=900.0), min_size=1, max_size=40),
    ready_wait=st.sampled_from([None, 600.0]),
)
def test_any_polling_pattern_gives_the_same_history_as_one_jump(
    config: str, hooks: dict[str, str], steps: list[float], ready_wait: float | None
) -> None:
    plan: dict[str, Any] = {
        "hooks": {event: f"fn-{event}" for event in hooks},
        "hook_results": dict(hooks),
        "ready_wait_seconds": ready_wait,
    }
    jump, jump_fx = make(config, **plan)
    polled, polled_fx = make(config, **plan)
    end = T0 + 10_000.0
    jump.advance_to(end)
    t = T0
    for step in steps:
        t = min(end, t + step)
        polled.advance_to(t)
    polled.advance_to(end)
    assert [(e.status, e.start, e.end) for e in jump.events] == [(e.status, e.start, e.end) for e in polled.events]
    assert (jump.status, jump.completed, jump.error) == (polled.status, polled.completed, polled.error)
    assert jump_fx.calls == polled_fx.calls
    assert jump.done  # every path ends: success, failure, timeout or the ready-wait stop
