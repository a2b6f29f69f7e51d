"""Native BLUE_GREEN / LINEAR / CANARY deployments through boto3 over HTTP, with ELBv2 weights."""

from __future__ import annotations

from typing import Any

import pytest
from ecs_helpers import blue_green_load_balancer, create_service, describe, load_balancers, register_revision, weights

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

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
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:check"


def _start(aws: LocalAWS, world: World, configuration: dict[str, Any]) -> tuple[dict[str, str], str]:
    """A native service at steady state, then an update to web:2; returns (ELB setup, deployment ARN)."""
    setup = blue_green_load_balancer(aws, world)
    base = {k: v for k, v in configuration.items() if k != "lifecycleHooks"}
    create_service(aws, world, desired=2, loadBalancers=load_balancers(world, setup), deploymentConfiguration=base)
    aws.advance(600)
    register_revision(aws, world, "nginx:2")
    hooks = {"lifecycleHooks": configuration.get("lifecycleHooks", [])}
    service = aws.client("ecs").update_service(
        cluster="demo", service="web", taskDefinition="web:2", deploymentConfiguration=hooks
    )["service"]
    return setup, service["currentServiceDeployment"]


def _deployment(aws: LocalAWS, arn: str) -> dict[str, Any]:
    [found] = aws.client("ecs").describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return dict(found)


def _trace(aws: LocalAWS, setup: dict[str, str], arn: str, limit: float = 7200) -> list[tuple[str, int, int]]:
    """(stage, production weight on green, test weight on green) at each change, until finished."""
    trace: list[tuple[str, int, int]] = []
    elapsed = 0.0
    while elapsed < limit:
        found = _deployment(aws, arn)
        point = (
            found.get("lifecycleStage", ""),
            weights(aws, setup["production"])[setup["green"]],
            weights(aws, setup["test"])[setup["green"]],
        )
        if not trace or point != trace[-1]:
            trace.append(point)
        if "finishedAt" in found:
            break
        # Every stage lasts at least ServiceScenario.stage_seconds (15 s): none is skipped.
        aws.advance(10)
        elapsed += 10
    return trace


def _stages(trace: list[tuple[str, int, int]]) -> list[str]:
    return [stage for i, (stage, _, _) in enumerate(trace) if i == 0 or trace[i - 1][0] != stage]


@pytest.mark.local_aws(clock="manual")
def test_blue_green_stages_and_listener_weights(local_aws: LocalAWS, local_world: World) -> None:
    setup, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1})
    service = describe(local_aws, local_world)
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY", "ACTIVE"]
    trace = _trace(local_aws, setup, arn)
    assert [stage for stage, _, _ in trace] == STAGES
    at = {stage: (prod, test) for stage, prod, test in trace}
    assert at["POST_SCALE_UP"] == (0, 0)
    assert at["TEST_TRAFFIC_SHIFT"] == (0, 100)
    assert at["PRODUCTION_TRAFFIC_SHIFT"] == (100, 100)
    done = _deployment(local_aws, arn)
    assert done["status"] == "SUCCESSFUL"
    assert done["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert weights(local_aws, setup["production"]) == {setup["blue"]: 0, setup["green"]: 100}
    service = describe(local_aws, local_world)
    assert [(d["status"], d["taskDefinition"][-5:]) for d in service["deployments"]] == [("PRIMARY", "web:2")]
    waiter = local_aws.client("ecs").get_waiter("services_stable")
    waiter.wait(cluster="demo", services=["web"], WaiterConfig={"Delay": 0, "MaxAttempts": 1})


@pytest.mark.local_aws(clock="manual")
def test_next_deployment_shifts_back_to_the_other_target_group(local_aws: LocalAWS, local_world: World) -> None:
    setup, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
    _trace(local_aws, setup, arn)
    register_revision(local_aws, local_world, "nginx:3")
    local_aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:3")
    local_aws.advance(3600)
    assert weights(local_aws, setup["production"]) == {setup["blue"]: 100, setup["green"]: 0}


@pytest.mark.local_aws(clock="manual")
def test_linear_steps(local_aws: LocalAWS, local_world: World) -> None:
    configuration = {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": 1,
        "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 1},
    }
    setup, arn = _start(local_aws, local_world, configuration)
    trace = _trace(local_aws, setup, arn)
    assert _stages(trace) == STAGES
    assert [prod for stage, prod, _ in trace if stage == "PRODUCTION_TRAFFIC_SHIFT"] == [50, 100]
    assert _deployment(local_aws, arn)["status"] == "SUCCESSFUL"


@pytest.mark.local_aws(clock="manual")
def test_canary_steps(local_aws: LocalAWS, local_world: World) -> None:
    configuration = {
        "strategy": "CANARY",
        "bakeTimeInMinutes": 1,
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1},
    }
    setup, arn = _start(local_aws, local_world, configuration)
    trace = _trace(local_aws, setup, arn)
    assert _stages(trace) == STAGES
    assert [prod for stage, prod, _ in trace if stage == "PRODUCTION_TRAFFIC_SHIFT"] == [10, 100]
    assert _deployment(local_aws, arn)["status"] == "SUCCESSFUL"


@pytest.mark.local_aws(clock="manual", scenario={"services": {"web": {"hook_results": {LAMBDA: "FAILED"}}}})
def test_lambda_hook_failure_rolls_back(local_aws: LocalAWS, local_world: World) -> None:
    hook = {
        "hookTargetArn": LAMBDA,
        "roleArn": local_world.execution_role_arn,
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
    }
    setup, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "lifecycleHooks": [hook]})
    trace = _trace(local_aws, setup, arn)
    assert "PRODUCTION_TRAFFIC_SHIFT" not in [stage for stage, _, _ in trace]
    assert trace[-1][1:] == (0, 0), "production and test traffic are back on blue"
    done = _deployment(local_aws, arn)
    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    assert done["rollback"]["serviceRevisionArn"] == done["sourceServiceRevisions"][0]["arn"]
    [detail] = done["lifecycleHookDetails"]
    assert (detail["targetType"], detail["targetArn"], detail["status"]) == ("AWS_LAMBDA", LAMBDA, "FAILED")
    assert describe(local_aws, local_world)["taskDefinition"] == local_world.task_definition_arn


def _await_pause(aws: LocalAWS, arn: str) -> dict[str, Any]:
    for _ in range(200):
        details = _deployment(aws, arn).get("lifecycleHookDetails", [])
        waiting = [d for d in details if d["status"] == "AWAITING_ACTION"]
        if waiting:
            return dict(waiting[0])
        aws.advance(10)
    raise AssertionError("no PAUSE hook became AWAITING_ACTION")


@pytest.mark.local_aws(clock="manual")
def test_pause_hook_continued(local_aws: LocalAWS, local_world: World) -> None:
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    setup, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "lifecycleHooks": [pause]})
    hook = _await_pause(local_aws, arn)
    assert "targetArn" not in hook and hook["timeoutAction"] == "ROLLBACK"
    [pending] = [h for h in local_aws.pending_hooks() if h.get("hookId") == hook["hookId"]]
    assert (pending["serviceDeploymentArn"], pending["status"]) == (arn, "AWAITING_ACTION")
    local_aws.advance(3600)
    assert _deployment(local_aws, arn)["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    ecs = local_aws.client("ecs")
    ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])
    _trace(local_aws, setup, arn)
    assert _deployment(local_aws, arn)["status"] == "SUCCESSFUL"


@pytest.mark.local_aws(clock="manual")
def test_pause_hook_rolled_back(local_aws: LocalAWS, local_world: World) -> None:
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"]}
    setup, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "lifecycleHooks": [pause]})
    hook = _await_pause(local_aws, arn)
    assert weights(local_aws, setup["production"])[setup["green"]] == 100
    local_aws.client("ecs").continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="ROLLBACK"
    )
    assert weights(local_aws, setup["production"]) == {setup["blue"]: 100, setup["green"]: 0}
    _trace(local_aws, setup, arn)
    assert _deployment(local_aws, arn)["status"] == "ROLLBACK_SUCCESSFUL"


@pytest.mark.local_aws(clock="manual")
def test_stop_with_rollback_during_bake_time(local_aws: LocalAWS, local_world: World) -> None:
    setup, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30})
    while _deployment(local_aws, arn).get("lifecycleStage") != "BAKE_TIME":
        local_aws.advance(10)
    local_aws.client("ecs").stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    # ROLLBACK_REQUESTED lasts until the next request reaches the simulator.
    assert _deployment(local_aws, arn)["status"] == "ROLLBACK_IN_PROGRESS"
    assert weights(local_aws, setup["production"])[setup["blue"]] == 100
    _trace(local_aws, setup, arn)
    assert _deployment(local_aws, arn)["status"] == "ROLLBACK_SUCCESSFUL"


@pytest.mark.local_aws(clock="manual", scenario={"services": {"web": {"stage_seconds": 60}}})
def test_stage_seconds_knob(local_aws: LocalAWS, local_world: World) -> None:
    _, arn = _start(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
    assert _deployment(local_aws, arn)["lifecycleStage"] == "PRE_SCALE_UP"
    local_aws.advance(59)
    assert _deployment(local_aws, arn)["lifecycleStage"] == "PRE_SCALE_UP"
    local_aws.advance(1)
    assert _deployment(local_aws, arn)["lifecycleStage"] == "SCALE_UP"
