"""Native BLUE_GREEN / LINEAR / CANARY runs as pure state machines with a fake clock."""

from __future__ import annotations

from typing import Any

from ecs_fakes import T0, FakeEnv, latest, make_service, run_until, td

from ecsflow.sim.context import Scenario, ServiceScenario
from ecsflow.sim.ecs import machine
from ecsflow.sim.ecs.state import ServiceDeploymentRecord, ServiceSim

STAGES = [
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


def _native(conf: dict[str, Any], env: FakeEnv | None = None) -> tuple[FakeEnv, ServiceSim, ServiceDeploymentRecord]:
    env = env or FakeEnv()
    # Hooks are added with the update, so the initial deployment runs without them.
    base = {k: v for k, v in conf.items() if k != "lifecycleHooks"}
    sim = make_service(env, desired=2, deployment_configuration=base)
    run_until(env, sim, T0 + 3000)
    assert latest(sim).status == "SUCCESSFUL", "the first deployment has no blue to shift from"
    env.weights.clear()
    record = machine.update(
        env,
        sim,
        T0 + 3000,
        task_definition=td(2),
        force=False,
        triggered=False,
        desired_count=None,
        deployment_configuration={"lifecycleHooks": conf.get("lifecycleHooks", [])},
    )
    assert record is not None
    return env, sim, record


def _trace(
    env: FakeEnv, sim: ServiceSim, record: ServiceDeploymentRecord, end: float
) -> list[tuple[str | None, float, float]]:
    """(stage, production weight, test weight) each time one of them changes."""
    trace = [(record.lifecycle_stage, record.prod_weight, record.test_weight)]
    now = sim.processed_at or T0
    while now < end and not record.finished:
        now += 1
        machine.advance(env, sim, now)
        point = (record.lifecycle_stage, record.prod_weight, record.test_weight)
        if point != trace[-1]:
            trace.append(point)
    return trace


def test_blue_green_walks_the_stages_in_order_with_weights() -> None:
    env, sim, record = _native({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1})
    assert [d.status for d in sim.deployments] == ["PRIMARY", "ACTIVE"]
    trace = _trace(env, sim, record, T0 + 6000)
    assert [stage for stage, _, _ in trace] == STAGES
    weights = {stage: (prod, test) for stage, prod, test in trace}
    assert weights["POST_SCALE_UP"] == (0.0, 0.0)
    assert weights["TEST_TRAFFIC_SHIFT"] == (0.0, 100.0)
    assert weights["PRODUCTION_TRAFFIC_SHIFT"] == (100.0, 100.0)
    assert record.status == "SUCCESSFUL"
    assert [(d.task_definition, d.rollout_state) for d in sim.deployments] == [(td(2), "COMPLETED")]
    assert env.weights == [(0.0, 100.0), (100.0, 100.0)]


def test_blue_green_bake_time_keeps_both_revisions() -> None:
    env, sim, record = _native({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5})
    now = sim.processed_at or T0
    while record.lifecycle_stage != "BAKE_TIME":
        now += 1
        machine.advance(env, sim, now)
    entered = now
    while record.lifecycle_stage == "BAKE_TIME":
        assert len(sim.deployments) == 2 and all(d.active_tasks() for d in sim.deployments)
        now += 1
        machine.advance(env, sim, now)
    assert now - entered == 300


def test_linear_shifts_production_in_steps() -> None:
    conf = {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}}
    env, sim, record = _native(conf)
    trace = _trace(env, sim, record, T0 + 9000)
    production = [prod for stage, prod, _ in trace if stage == "PRODUCTION_TRAFFIC_SHIFT"]
    assert production == [25.0, 50.0, 75.0, 100.0]
    assert record.status == "SUCCESSFUL"


def test_canary_shifts_canary_percent_then_the_rest() -> None:
    conf = {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2}}
    env, sim, record = _native(conf)
    trace = _trace(env, sim, record, T0 + 9000)
    production = [prod for stage, prod, _ in trace if stage == "PRODUCTION_TRAFFIC_SHIFT"]
    assert production == [10.0, 100.0]
    assert record.status == "SUCCESSFUL"


def _hook(stage: str, **extra: Any) -> dict[str, Any]:
    return {
        "hookTargetArn": f"arn:aws:lambda:us-east-1:123456789012:function:{stage.lower()}",
        "lifecycleStages": [stage],
        **extra,
    }


def test_lambda_hook_failure_rolls_back_and_moves_traffic_back() -> None:
    hooks = [_hook("POST_TEST_TRAFFIC_SHIFT")]
    env = FakeEnv()
    conf = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": hooks}
    env, sim, record = _native(conf, env)
    env.scenario_ = Scenario(services={"app": ServiceScenario(hook_results={"POST_TEST_TRAFFIC_SHIFT": "FAILED"})})
    trace = _trace(env, sim, record, T0 + 9000)
    assert "PRODUCTION_TRAFFIC_SHIFT" not in [stage for stage, _, _ in trace]
    assert record.status == "ROLLBACK_SUCCESSFUL"
    assert record.rollback is not None and "POST_TEST_TRAFFIC_SHIFT" in record.rollback["reason"]
    assert [h.status for h in record.hooks] == ["FAILED"]
    assert env.weights[-1] == (0.0, 0.0), "test traffic is back on blue"
    assert [(d.task_definition, d.status) for d in sim.deployments] == [(td(1), "PRIMARY")]
    assert sim.task_definition == td(1)


def test_lambda_hook_keyed_by_target_arn_succeeds_by_default() -> None:
    hooks = [_hook("PRE_SCALE_UP"), _hook("POST_PRODUCTION_TRAFFIC_SHIFT")]
    env, sim, record = _native({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": hooks})
    _trace(env, sim, record, T0 + 9000)
    assert record.status == "SUCCESSFUL"
    assert [(h.stage, h.status, h.target_type) for h in record.hooks] == [
        ("PRE_SCALE_UP", "SUCCEEDED", "AWS_LAMBDA"),
        ("POST_PRODUCTION_TRAFFIC_SHIFT", "SUCCEEDED", "AWS_LAMBDA"),
    ]


def _pause_until_awaiting(conf: dict[str, Any]) -> tuple[FakeEnv, ServiceSim, ServiceDeploymentRecord, float]:
    env, sim, record = _native(conf)
    now = sim.processed_at or T0
    while not any(h.status == "AWAITING_ACTION" for h in record.hooks):
        now += 1
        machine.advance(env, sim, now)
    return env, sim, record, now


def test_pause_hook_waits_for_continue() -> None:
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    env, sim, record, now = _pause_until_awaiting({"strategy": "BLUE_GREEN", "lifecycleHooks": [pause]})
    assert record.lifecycle_stage == "POST_TEST_TRAFFIC_SHIFT"
    hook = record.hooks[0]
    assert hook.target_arn is None and hook.expires_at == now + 1440 * 60  # default timeout 24 h
    machine.advance(env, sim, now + 3600)
    assert record.lifecycle_stage == "POST_TEST_TRAFFIC_SHIFT", "still waiting an hour later"
    machine.continue_hook(env, sim, hook.hook_id, "CONTINUE", now + 3600)
    assert hook.status == "SUCCEEDED"
    _trace(env, sim, record, now + 9000)
    assert record.status == "SUCCESSFUL"


def test_pause_hook_continue_with_rollback() -> None:
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"]}
    env, sim, record, now = _pause_until_awaiting({"strategy": "BLUE_GREEN", "lifecycleHooks": [pause]})
    assert record.prod_weight == 100.0
    machine.continue_hook(env, sim, record.hooks[0].hook_id, "ROLLBACK", now)
    assert record.status == "ROLLBACK_IN_PROGRESS" and record.prod_weight == 0.0
    _trace(env, sim, record, now + 600)
    assert record.status == "ROLLBACK_SUCCESSFUL"


def test_pause_hook_timeout_actions() -> None:
    rollback = {
        "targetType": "PAUSE",
        "lifecycleStages": ["PRE_SCALE_UP"],
        "timeoutConfiguration": {"timeoutInMinutes": 5},
    }
    env, sim, record, now = _pause_until_awaiting({"strategy": "BLUE_GREEN", "lifecycleHooks": [rollback]})
    machine.advance(env, sim, now + 299)
    assert record.status == "IN_PROGRESS"
    _trace(env, sim, record, now + 900)
    assert record.status == "ROLLBACK_SUCCESSFUL" and record.hooks[0].status == "TIMED_OUT"

    carry_on = dict(rollback, timeoutConfiguration={"timeoutInMinutes": 5, "action": "CONTINUE"})
    env, sim, record, now = _pause_until_awaiting({"strategy": "BLUE_GREEN", "lifecycleHooks": [carry_on]})
    _trace(env, sim, record, now + 3000)
    assert record.status == "SUCCESSFUL" and record.hooks[0].status == "TIMED_OUT"


def test_stop_with_rollback_during_native_deployment() -> None:
    env, sim, record = _native({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10})
    now = sim.processed_at or T0
    while record.lifecycle_stage != "BAKE_TIME":
        now += 1
        machine.advance(env, sim, now)
    machine.stop(env, sim, record, "ROLLBACK", now)
    assert record.status == "ROLLBACK_REQUESTED"
    machine.advance(env, sim, now)
    assert record.status == "ROLLBACK_IN_PROGRESS" and record.prod_weight == 0.0
    _trace(env, sim, record, now + 600)
    assert record.status == "ROLLBACK_SUCCESSFUL"
    assert [d.task_definition for d in sim.deployments] == [td(1)]


def test_native_deployment_never_uses_the_rolling_path() -> None:
    """Green scales to 100 % at once (not within maximumPercent) and blue keeps all its tasks."""
    env, sim, record = _native({"strategy": "BLUE_GREEN", "maximumPercent": 100, "bakeTimeInMinutes": 1})
    now = sim.processed_at or T0
    while record.lifecycle_stage != "POST_SCALE_UP":
        now += 1
        machine.advance(env, sim, now)
        assert len(sim.deployments[-1].active_tasks()) == 2, "blue is not scaled down before CLEAN_UP"
    assert len(sim.deployments[0].active_tasks()) == 2


def test_new_deployment_during_a_native_run_reconciles_from_blue() -> None:
    env, sim, first = _native({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5})
    now = sim.processed_at or T0
    while first.lifecycle_stage != "POST_SCALE_UP":
        now += 1
        machine.advance(env, sim, now)
    blue = sim.deployments[-1]
    second = machine.update(
        env,
        sim,
        now,
        task_definition=td(3),
        force=False,
        triggered=False,
        desired_count=None,
        deployment_configuration=None,
    )
    assert second is not None and first.status == "STOPPED"
    assert second.lifecycle_stage == "RECONCILE_SERVICE", "more than one revision is live"
    assert sim.native is not None and sim.native.blue is blue
    trace = _trace(env, sim, second, now + 9000)
    assert [stage for stage, _, _ in trace] == ["RECONCILE_SERVICE", *STAGES]
    assert second.status == "SUCCESSFUL"
    assert [d.task_definition for d in sim.deployments] == [td(3)]
