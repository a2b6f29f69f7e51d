"""CodeDeploy ECS blue/green through boto3 over HTTP against the local AWS.

Most tests use the manual clock and move it explicitly, so every step is visible; the
waiter tests use the poll clock, where each GetDeployment moves time by 15 s.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError, WaiterError
from cd_helpers import ecs_target, info, listener_group, prod_weights, setup, task_sets

from ecsflow.sim.codedeploy.world import deploy

MANUAL = pytest.mark.local_aws(clock="manual")
FAST_WAITER = {"Delay": 0, "MaxAttempts": 400}


def hooks_scenario(outcome: str, event: str = "AfterAllowTestTraffic") -> pytest.MarkDecorator:
    return pytest.mark.local_aws(clock="manual", scenario={"services": {"web": {"hook_results": {event: outcome}}}})


@MANUAL
def test_all_at_once_success_moves_traffic_task_sets_and_service(aws) -> None:
    world = setup(aws, termination_wait_minutes=5)
    blue_id = task_sets(aws, world)[0]["id"]
    deployment = deploy(aws.client, world)
    assert deployment.startswith("d-") and len(deployment) == 11 and deployment[2:].isupper()
    assert info(aws, deployment)["status"] == "Created"
    aws.advance(20)
    assert info(aws, deployment)["status"] == "InProgress"
    sets = {ts["status"]: ts for ts in task_sets(aws, world)}
    assert sets["ACTIVE"]["pendingCount"] == 2 and sets["ACTIVE"]["stabilityStatus"] == "STABILIZING"
    assert sets["ACTIVE"]["loadBalancers"][0]["targetGroupArn"] == world.target_groups["web-green"]
    aws.advance(30)
    assert prod_weights(aws, world) == {"web-green": 100}
    assert listener_group(aws, world) == "web-green"
    current = info(aws, deployment)
    assert current["status"] == "InProgress" and current["instanceTerminationWaitTimeStarted"] is True
    sets = {ts["status"]: ts for ts in task_sets(aws, world)}
    assert sets["PRIMARY"]["id"] != blue_id and sets["ACTIVE"]["id"] == blue_id
    aws.advance(300)
    final = info(aws, deployment)
    assert final["status"] == "Succeeded" and final["deploymentOverview"]["Succeeded"] == 1
    assert final["completeTime"] > final["startTime"] > final["createTime"]
    (only,) = task_sets(aws, world)
    assert (only["status"], only["runningCount"], only["stabilityStatus"]) == ("PRIMARY", 2, "STEADY_STATE")
    service = aws.client("ecs").describe_services(cluster=world.cluster, services=[world.service])["services"][0]
    assert service["taskDefinition"].endswith("task-definition/web:2")
    group = aws.client("codedeploy").get_deployment_group(
        applicationName=world.application, deploymentGroupName=world.deployment_group
    )["deploymentGroupInfo"]
    assert group["lastSuccessfulDeployment"]["deploymentId"] == deployment


def test_deployment_successful_waiter_passes_on_success(aws) -> None:
    world = setup(aws, termination_wait_minutes=5)
    deployment = deploy(aws.client, world)
    aws.client("codedeploy").get_waiter("deployment_successful").wait(deploymentId=deployment, WaiterConfig=FAST_WAITER)
    # 15 s per poll: ~50 s to shift traffic, then the 5-minute termination wait.
    polls = aws.calls()["operations"]["codedeploy:GetDeployment"]["calls"]
    assert 20 <= polls <= 26


@pytest.mark.local_aws(scenario={"services": {"web": {"hook_results": {"AfterInstall": "FAILED"}}}})
def test_deployment_successful_waiter_fails_on_failed(aws) -> None:
    world = setup(aws)
    deployment = deploy(aws.client, world, hooks={"AfterInstall": "CodeDeployHook_check"})
    with pytest.raises(WaiterError, match="Failed"):
        aws.client("codedeploy").get_waiter("deployment_successful").wait(
            deploymentId=deployment, WaiterConfig=FAST_WAITER
        )


def test_deployment_successful_waiter_fails_on_stopped(aws) -> None:
    world = setup(aws, deployment_config="CodeDeployDefault.ECSCanary10Percent5Minutes")
    deployment = deploy(aws.client, world)
    aws.client("codedeploy").stop_deployment(deploymentId=deployment, autoRollbackEnabled=True)
    with pytest.raises(WaiterError, match="Stopped"):
        aws.client("codedeploy").get_waiter("deployment_successful").wait(
            deploymentId=deployment, WaiterConfig=FAST_WAITER
        )


@MANUAL
def test_canary_weights_in_listener_rules_and_targets(aws) -> None:
    world = setup(aws, deployment_config="CodeDeployDefault.ECSCanary10Percent5Minutes")
    elbv2 = aws.client("elbv2")
    rule = elbv2.create_rule(
        ListenerArn=world.prod_listener_arn,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": world.target_groups["web-blue"]}],
    )["Rules"][0]["RuleArn"]
    deployment = deploy(aws.client, world)
    aws.advance(60)
    assert prod_weights(aws, world) == {"web-blue": 90, "web-green": 10}
    (described,) = elbv2.describe_rules(RuleArns=[rule])["Rules"]
    groups = described["Actions"][0]["ForwardConfig"]["TargetGroups"]
    assert sorted(g["Weight"] for g in groups) == [10, 90]
    weights = {ts["taskSetLabel"]: ts["trafficWeight"] for ts in ecs_target(aws, world, deployment)["taskSetsInfo"]}
    assert weights == {"Blue": 90.0, "Green": 10.0}
    aws.advance(240)
    assert prod_weights(aws, world) == {"web-blue": 90, "web-green": 10}
    aws.advance(60)
    assert prod_weights(aws, world) == {"web-green": 100}


@MANUAL
def test_linear_steps_every_minute(aws) -> None:
    world = setup(aws, deployment_config=None)
    deployment = deploy(aws.client, world, config="CodeDeployDefault.ECSLinear10PercentEvery1Minutes")
    assert info(aws, deployment)["deploymentConfigName"] == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    aws.advance(40)
    seen = []
    for _ in range(10):
        seen.append(prod_weights(aws, world).get("web-green", 0))
        aws.advance(60)
    assert seen == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


@hooks_scenario("manual")
def test_hook_waits_for_put_lifecycle_event_hook_execution_status(aws) -> None:
    world = setup(aws)
    codedeploy = aws.client("codedeploy")
    deployment = deploy(aws.client, world, hooks={"AfterAllowTestTraffic": "CodeDeployHook_smoke"})
    aws.advance(600)
    assert info(aws, deployment)["status"] == "InProgress"
    assert prod_weights(aws, world) == {"web-blue": 100}
    (pending,) = aws.pending_hooks()
    assert pending["DeploymentId"] == deployment and pending["functionName"] == "CodeDeployHook_smoke"
    with urllib.request.urlopen(f"{aws.endpoint_url}/_ecsflow/hooks", timeout=10) as served:
        assert json.load(served)["hooks"] == [pending]
    execution = pending["LifecycleEventHookExecutionId"]
    with pytest.raises(ClientError) as bad:
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment, lifecycleEventHookExecutionId=execution, status="Skipped"
        )
    assert bad.value.response["Error"]["Code"] == "InvalidLifecycleEventHookExecutionStatusException"
    answer = codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment, lifecycleEventHookExecutionId=execution, status="Succeeded"
    )
    assert answer["lifecycleEventHookExecutionId"] == execution
    assert prod_weights(aws, world) == {"web-green": 100}
    with pytest.raises(ClientError) as again:
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment, lifecycleEventHookExecutionId=execution, status="Failed"
        )
    assert again.value.response["Error"]["Code"] == "LifecycleEventAlreadyCompletedException"
    events = {e["lifecycleEventName"]: e["status"] for e in ecs_target(aws, world, deployment)["lifecycleEvents"]}
    assert events["AfterAllowTestTraffic"] == "Succeeded"


@hooks_scenario("FAILED")
def test_hook_failure_fails_and_rolls_back(aws) -> None:
    world = setup(aws)
    deployment = deploy(aws.client, world, hooks={"AfterAllowTestTraffic": "CodeDeployHook_smoke"})
    aws.advance(120)
    final = info(aws, deployment)
    assert final["status"] == "Failed"
    assert final["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    codedeploy = aws.client("codedeploy")
    (batched,) = codedeploy.batch_get_deployments(deploymentIds=[deployment])["deploymentsInfo"]
    assert batched["errorInformation"] == final["errorInformation"]
    failed = codedeploy.list_deployments(
        applicationName=world.application, deploymentGroupName=world.deployment_group, includeOnlyStatuses=["Failed"]
    )
    assert failed["deployments"] == [deployment]
    assert "CodeDeployHook_smoke" in final["errorInformation"]["message"]
    assert "rerouted" in final["rollbackInfo"]["rollbackMessage"]
    assert prod_weights(aws, world) == {"web-blue": 100}
    assert listener_group(aws, world) == "web-blue"
    (only,) = task_sets(aws, world)
    assert only["status"] == "PRIMARY" and only["taskDefinition"].endswith("web:1")
    target = ecs_target(aws, world, deployment)
    assert target["status"] == "Failed"
    failed = [e for e in target["lifecycleEvents"] if e["status"] == "Failed"]
    assert [e["lifecycleEventName"] for e in failed] == ["AfterAllowTestTraffic"]


@hooks_scenario("timeout", event="BeforeAllowTraffic")
def test_hook_without_an_answer_times_out_after_an_hour(aws) -> None:
    world = setup(aws)
    deployment = deploy(aws.client, world, hooks={"BeforeAllowTraffic": "CodeDeployHook_slow"})
    aws.advance(3000)
    assert info(aws, deployment)["status"] == "InProgress"
    aws.advance(700)
    final = info(aws, deployment)
    assert final["status"] == "Failed" and final["errorInformation"]["code"] == "TIMEOUT"
    assert prod_weights(aws, world) == {"web-blue": 100}


@MANUAL
def test_ready_wait_and_continue_deployment(aws) -> None:
    world = setup(aws, ready_wait_minutes=30)
    codedeploy = aws.client("codedeploy")
    deployment = deploy(aws.client, world)
    aws.advance(120)
    assert info(aws, deployment)["status"] == "Ready"
    assert listener_group(aws, world) == "web-green" and prod_weights(aws, world) == {"web-blue": 100}
    assert codedeploy.list_deployment_targets(deploymentId=deployment, targetFilters={"TargetStatus": ["Ready"]})[
        "targetIds"
    ] == [world.target_id]
    codedeploy.continue_deployment(deploymentId=deployment, deploymentWaitType="READY_WAIT")
    assert info(aws, deployment)["status"] == "InProgress"
    assert prod_weights(aws, world) == {"web-green": 100}
    with pytest.raises(ClientError) as not_ready:
        codedeploy.continue_deployment(deploymentId=deployment, deploymentWaitType="READY_WAIT")
    assert not_ready.value.response["Error"]["Code"] == "DeploymentIsNotInReadyStateException"


@MANUAL
def test_ready_wait_times_out_into_stopped(aws) -> None:
    world = setup(aws, ready_wait_minutes=10)
    deployment = deploy(aws.client, world)
    aws.advance(60 + 600)
    final = info(aws, deployment)
    assert final["status"] == "Stopped" and final["errorInformation"]["code"] == "TIMEOUT"
    assert len(task_sets(aws, world)) == 1 and listener_group(aws, world) == "web-blue"


@MANUAL
def test_termination_wait_and_continue_termination_wait(aws) -> None:
    world = setup(aws, termination_wait_minutes=60)
    codedeploy = aws.client("codedeploy")
    deployment = deploy(aws.client, world)
    aws.advance(120)
    waiting = info(aws, deployment)
    assert waiting["status"] == "InProgress" and waiting["instanceTerminationWaitTimeStarted"] is True
    assert len(task_sets(aws, world)) == 2
    codedeploy.continue_deployment(deploymentId=deployment, deploymentWaitType="TERMINATION_WAIT")
    assert info(aws, deployment)["status"] == "Succeeded"
    assert len(task_sets(aws, world)) == 1
    with pytest.raises(ClientError) as done:
        codedeploy.continue_deployment(deploymentId=deployment, deploymentWaitType="TERMINATION_WAIT")
    assert done.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"


@MANUAL
def test_stop_deployment_with_rollback(aws) -> None:
    world = setup(aws, deployment_config="CodeDeployDefault.ECSCanary10Percent15Minutes")
    codedeploy = aws.client("codedeploy")
    deployment = deploy(aws.client, world)
    aws.advance(120)
    assert prod_weights(aws, world) == {"web-blue": 90, "web-green": 10}
    first = codedeploy.stop_deployment(deploymentId=deployment, autoRollbackEnabled=True)
    assert first["status"] == "Pending"
    assert codedeploy.stop_deployment(deploymentId=deployment, autoRollbackEnabled=True)["status"] == "Succeeded"
    aws.advance(10)
    final = info(aws, deployment)
    assert final["status"] == "Stopped" and final["errorInformation"]["code"] == "MANUAL_STOP"
    assert prod_weights(aws, world) == {"web-blue": 100}
    assert len(task_sets(aws, world)) == 1
    with pytest.raises(ClientError) as done:
        codedeploy.stop_deployment(deploymentId=deployment)
    assert done.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"


@MANUAL
def test_second_deployment_swaps_target_groups(aws) -> None:
    world = setup(aws, termination_wait_minutes=0)
    first = deploy(aws.client, world)
    aws.advance(120)
    assert info(aws, first)["status"] == "Succeeded"
    second = deploy(aws.client, world, image="public.ecr.aws/nginx/nginx:1.29")
    aws.advance(120)
    later = info(aws, second)
    assert later["status"] == "Succeeded"
    assert later["previousRevision"] == info(aws, first)["revision"] != later["revision"]
    assert prod_weights(aws, world) == {"web-blue": 100}
    (only,) = task_sets(aws, world)
    assert only["loadBalancers"][0]["targetGroupArn"] == world.target_groups["web-blue"]
    assert only["taskDefinition"].endswith("web:3")


@MANUAL
def test_a_broken_image_fails_install_and_rolls_back(aws) -> None:
    world = setup(aws)
    deployment = deploy(aws.client, world, image="public.ecr.aws/nginx/nginx:broken-1")
    aws.advance(5)
    green = [ts for ts in task_sets(aws, world) if ts["status"] == "ACTIVE"]
    assert len(green) == 1 and green[0]["runningCount"] == 0
    aws.advance(30)
    final = info(aws, deployment)
    assert final["status"] == "Failed" and final["errorInformation"]["code"] == "ECS_UPDATE_ERROR"
    assert "Essential container in task exited" in final["errorInformation"]["message"]
    (only,) = task_sets(aws, world)
    assert only["taskDefinition"].endswith("web:1") and prod_weights(aws, world) == {"web-blue": 100}


@MANUAL
def test_a_new_code_deploy_service_gets_its_first_task_set_which_starts_over_time(aws) -> None:
    world = setup(aws)
    ecs = aws.client("ecs")
    ecs.create_service(
        cluster=world.cluster,
        serviceName="api",
        taskDefinition=world.task_definition_arn,
        desiredCount=3,
        deploymentController={"type": "CODE_DEPLOY"},
        launchType="FARGATE",
    )
    (first,) = ecs.describe_services(cluster=world.cluster, services=["api"])["services"][0]["taskSets"]
    assert first["status"] == "PRIMARY" and first["taskDefinition"] == world.task_definition_arn
    assert (first["pendingCount"], first["runningCount"], first["stabilityStatus"]) == (3, 0, "STABILIZING")
    aws.advance(60)
    service = ecs.describe_services(cluster=world.cluster, services=["api"])["services"][0]
    (steady,) = service["taskSets"]
    assert (steady["runningCount"], steady["computedDesiredCount"], steady["stabilityStatus"]) == (3, 3, "STEADY_STATE")
    assert service["runningCount"] == 3


@MANUAL
def test_an_alarm_in_alarm_state_stops_and_rolls_back(aws) -> None:
    world = setup(
        aws,
        deployment_config="CodeDeployDefault.ECSCanary10Percent5Minutes",
        alarms=("web-5xx",),
        auto_rollback_events=("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"),
    )
    cloudwatch = aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="web-5xx",
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    deployment = deploy(aws.client, world)
    aws.advance(60)
    assert prod_weights(aws, world) == {"web-blue": 90, "web-green": 10}
    cloudwatch.set_alarm_state(AlarmName="web-5xx", StateValue="ALARM", StateReason="5xx during canary")
    aws.advance(15)
    final = info(aws, deployment)
    assert final["status"] == "Stopped" and final["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "web-5xx" in final["errorInformation"]["message"]
    assert prod_weights(aws, world) == {"web-blue": 100} and len(task_sets(aws, world)) == 1
