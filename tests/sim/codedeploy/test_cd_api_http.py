"""CodeDeploy operations around the deployment, through boto3 over HTTP: targets,
configs, groups, CreateDeployment checks, ids."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from cd_helpers import info, setup, task_sets

from ecsflow.sim.codedeploy.world import deploy, revision, task_definition

MANUAL = pytest.mark.local_aws(clock="manual")


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


@MANUAL
def test_targets_api(aws) -> None:
    world = setup(aws, deployment_config="CodeDeployDefault.ECSCanary10Percent5Minutes")
    codedeploy = aws.client("codedeploy")
    deployment = deploy(aws.client, world)
    with pytest.raises(ClientError) as not_started:
        codedeploy.list_deployment_targets(deploymentId=deployment)
    assert error_code(not_started) == "DeploymentNotStartedException"
    aws.advance(60)
    assert codedeploy.list_deployment_targets(deploymentId=deployment)["targetIds"] == ["web-cluster:web"]
    in_progress = {"TargetStatus": ["InProgress"], "ServerInstanceLabel": ["Green"]}
    assert codedeploy.list_deployment_targets(deploymentId=deployment, targetFilters=in_progress)["targetIds"] == [
        "web-cluster:web"
    ]
    assert (
        codedeploy.list_deployment_targets(deploymentId=deployment, targetFilters={"TargetStatus": ["Succeeded"]})[
            "targetIds"
        ]
        == []
    )
    target = codedeploy.get_deployment_target(deploymentId=deployment, targetId=world.target_id)["deploymentTarget"]
    assert target["deploymentTargetType"] == "ECSTarget"
    ecs = target["ecsTarget"]
    assert (ecs["targetId"], ecs["targetArn"], ecs["status"]) == (world.target_id, world.service_arn, "InProgress")
    assert [e["lifecycleEventName"] for e in ecs["lifecycleEvents"]] == [
        "BeforeInstall",
        "Install",
        "AfterInstall",
        "AllowTestTraffic",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AllowTraffic",
        "AfterAllowTraffic",
    ]
    assert [e["status"] for e in ecs["lifecycleEvents"]][-2:] == ["InProgress", "Pending"]
    by_label = {ts["taskSetLabel"]: ts for ts in ecs["taskSetsInfo"]}
    ids = {ts["status"]: ts["id"] for ts in task_sets(aws, world)}
    assert by_label["Blue"]["identifer"] == ids["PRIMARY"] and by_label["Green"]["identifer"] == ids["ACTIVE"]
    assert by_label["Blue"]["targetGroup"] == {"name": "web-blue"}
    assert by_label["Green"]["targetGroup"] == {"name": "web-green"}
    assert (by_label["Green"]["desiredCount"], by_label["Green"]["runningCount"]) == (2, 2)
    batch = codedeploy.batch_get_deployment_targets(deploymentId=deployment, targetIds=[world.target_id])
    assert batch["deploymentTargets"][0]["ecsTarget"]["deploymentId"] == deployment
    with pytest.raises(ClientError) as unknown:
        codedeploy.get_deployment_target(deploymentId=deployment, targetId="other:svc")
    assert error_code(unknown) == "DeploymentTargetDoesNotExistException"
    with pytest.raises(ClientError) as too_many:
        codedeploy.batch_get_deployment_targets(deploymentId=deployment, targetIds=[world.target_id] * 26)
    assert error_code(too_many) == "DeploymentTargetListSizeExceededException"
    with pytest.raises(ClientError) as missing:
        codedeploy.get_deployment_target(deploymentId="d-NOTTHERE1", targetId=world.target_id)
    assert error_code(missing) == "DeploymentDoesNotExistException"


@MANUAL
def test_deployment_configs_api(aws) -> None:
    codedeploy = aws.client("codedeploy")
    canary = codedeploy.get_deployment_config(deploymentConfigName="CodeDeployDefault.ECSCanary10Percent15Minutes")
    routing = canary["deploymentConfigInfo"]["trafficRoutingConfig"]
    assert routing == {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15}}
    created = codedeploy.create_deployment_config(
        deploymentConfigName="Canary25Percent2Minutes",
        computePlatform="ECS",
        trafficRoutingConfig={
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 25, "canaryInterval": 2},
        },
    )
    mine = codedeploy.get_deployment_config(deploymentConfigName="Canary25Percent2Minutes")["deploymentConfigInfo"]
    assert mine["deploymentConfigId"] == created["deploymentConfigId"] and mine["computePlatform"] == "ECS"
    names = codedeploy.list_deployment_configs()["deploymentConfigsList"]
    assert "Canary25Percent2Minutes" in names and "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" in names
    with pytest.raises(ClientError) as reserved:
        codedeploy.create_deployment_config(
            deploymentConfigName="CodeDeployDefault.Mine",
            computePlatform="ECS",
            trafficRoutingConfig={"type": "AllAtOnce"},
        )
    assert error_code(reserved) == "InvalidDeploymentConfigNameException"
    with pytest.raises(ClientError) as missing:
        codedeploy.get_deployment_config(deploymentConfigName="Nope")
    assert error_code(missing) == "DeploymentConfigDoesNotExistException"

    # The custom config drives a deployment: 25 % first, the rest 2 minutes later.
    world = setup(aws, deployment_config="Canary25Percent2Minutes")
    deploy(aws.client, world)
    aws.advance(60)
    listener = aws.client("elbv2").describe_listeners(ListenerArns=[world.prod_listener_arn])["Listeners"][0]
    weights = sorted(g["Weight"] for g in listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"])
    assert weights == [25, 75]
    with pytest.raises(ClientError) as in_use:
        codedeploy.delete_deployment_config(deploymentConfigName="Canary25Percent2Minutes")
    assert error_code(in_use) == "DeploymentConfigInUseException"
    with pytest.raises(ClientError) as predefined:
        codedeploy.delete_deployment_config(deploymentConfigName="CodeDeployDefault.ECSAllAtOnce")
    assert error_code(predefined) == "InvalidOperationException"
    codedeploy.create_deployment_config(
        deploymentConfigName="Unused", computePlatform="ECS", trafficRoutingConfig={"type": "AllAtOnce"}
    )
    codedeploy.delete_deployment_config(deploymentConfigName="Unused")
    assert "Unused" not in codedeploy.list_deployment_configs()["deploymentConfigsList"]


@MANUAL
def test_deployment_groups_keep_alarms_default_config_and_batch_get(aws) -> None:
    world = setup(aws, deployment_config=None, alarms=("web-5xx",))
    codedeploy = aws.client("codedeploy")
    group = codedeploy.get_deployment_group(
        applicationName=world.application, deploymentGroupName=world.deployment_group
    )["deploymentGroupInfo"]
    assert group["deploymentConfigName"] == "CodeDeployDefault.ECSAllAtOnce"
    assert group["alarmConfiguration"] == {"enabled": True, "alarms": [{"name": "web-5xx"}]}
    batch = codedeploy.batch_get_deployment_groups(
        applicationName=world.application, deploymentGroupNames=[world.deployment_group, "ghost"]
    )
    assert [g["deploymentGroupName"] for g in batch["deploymentGroupsInfo"]] == [world.deployment_group]
    assert "ghost" in batch["errorMessage"]
    codedeploy.update_deployment_group(
        applicationName=world.application,
        currentDeploymentGroupName=world.deployment_group,
        deploymentConfigName="CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    )
    updated = codedeploy.get_deployment_group(
        applicationName=world.application, deploymentGroupName=world.deployment_group
    )["deploymentGroupInfo"]
    assert updated["deploymentConfigName"] == "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
    with pytest.raises(ClientError) as bad_ready:
        codedeploy.update_deployment_group(
            applicationName=world.application,
            currentDeploymentGroupName=world.deployment_group,
            blueGreenDeploymentConfiguration={
                "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 5}
            },
        )
    assert error_code(bad_ready) == "InvalidBlueGreenDeploymentConfigurationException"


@MANUAL
def test_create_deployment_checks(aws) -> None:
    world = setup(aws)
    codedeploy = aws.client("codedeploy")
    first = deploy(aws.client, world)
    with pytest.raises(ClientError) as busy:
        deploy(aws.client, world)
    assert error_code(busy) == "DeploymentLimitExceededException" and first in str(busy.value)
    with pytest.raises(ClientError) as unknown_config:
        deploy(aws.client, world, config="NoSuchConfig")
    assert error_code(unknown_config) == "DeploymentConfigDoesNotExistException"
    with pytest.raises(ClientError) as bad_sha:
        codedeploy.create_deployment(
            applicationName=world.application,
            deploymentGroupName=world.deployment_group,
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": "{}", "sha256": "0" * 64}},
        )
    assert error_code(bad_sha) == "InvalidRevisionException"
    codedeploy.stop_deployment(deploymentId=first, autoRollbackEnabled=True)
    aws.advance(10)
    assert info(aws, first)["status"] == "Stopped"
    # A broken AppSpec is accepted, then the deployment fails at start with INVALID_REVISION.
    bad = codedeploy.create_deployment(
        applicationName=world.application,
        deploymentGroupName=world.deployment_group,
        revision=revision(json.dumps({"version": 0.0, "Resources": [{"TargetService": {"Properties": {}}}]})),
    )["deploymentId"]
    aws.advance(5)
    failed = info(aws, bad)
    assert failed["status"] == "Failed" and failed["errorInformation"]["code"] == "INVALID_REVISION"
    assert len(task_sets(aws, world)) == 1


@MANUAL
def test_a_service_that_is_not_code_deploy_fails_the_deployment(aws) -> None:
    world = setup(aws)
    ecs = aws.client("ecs")
    ecs.create_service(cluster=world.cluster, serviceName="plain", taskDefinition="web:1", desiredCount=1)
    codedeploy = aws.client("codedeploy")
    codedeploy.update_deployment_group(
        applicationName=world.application,
        currentDeploymentGroupName=world.deployment_group,
        ecsServices=[{"serviceName": "plain", "clusterName": world.cluster}],
    )
    deployment = deploy(aws.client, world)
    aws.advance(5)
    failed = info(aws, deployment)
    assert failed["status"] == "Failed" and failed["errorInformation"]["code"] == "INVALID_ECS_SERVICE"
    assert "CODE_DEPLOY" in failed["errorInformation"]["message"]


@MANUAL
def test_stop_and_continue_on_unknown_deployments(aws) -> None:
    codedeploy = aws.client("codedeploy")
    with pytest.raises(ClientError) as stop:
        codedeploy.stop_deployment(deploymentId="d-AAAAAAAAA")
    assert error_code(stop) == "DeploymentDoesNotExistException"
    with pytest.raises(ClientError) as cont:
        codedeploy.continue_deployment(deploymentId="d-AAAAAAAAA", deploymentWaitType="READY_WAIT")
    assert error_code(cont) == "DeploymentDoesNotExistException"


def _run_once(aws) -> list[str]:
    aws.reset(3, clock="manual")
    world = setup(aws, termination_wait_minutes=0)
    deployment = deploy(aws.client, world)
    aws.advance(120)
    target = aws.client("codedeploy").get_deployment_target(deploymentId=deployment, targetId=world.target_id)
    target.pop("ResponseMetadata")  # carries the wall-clock Date header
    return [deployment, json.dumps(info(aws, deployment), default=str), json.dumps(target, default=str)]


def test_a_reset_with_the_same_seed_repeats_the_run(aws) -> None:
    first, second = _run_once(aws), _run_once(aws)
    assert first == second
    assert json.loads(first[1])["status"] == "Succeeded"


@pytest.mark.local_aws(clock="manual", scenario={"services": {"*": {"hook_results": {"AfterInstall": "manual"}}}})
def test_install_is_idempotent_and_a_reset_forgets_deployments(aws) -> None:
    from ecsflow.sim.codedeploy import install

    ctx = aws.context
    machines, sources = len(ctx.machines), len(ctx.hook_sources)
    install(ctx)
    assert (len(ctx.machines), len(ctx.hook_sources)) == (machines, sources)
    assert "codedeploy:GetDeploymentTarget" in ctx.observing_operations
    world = setup(aws)
    deployment = deploy(aws.client, world, hooks={"AfterInstall": "CodeDeployHook_wait"})
    aws.advance(60)
    assert [h["DeploymentId"] for h in aws.pending_hooks()] == [deployment]
    aws.reset(0, clock="manual")
    assert aws.pending_hooks() == []
    with pytest.raises(ClientError) as gone:
        aws.client("codedeploy").get_deployment(deploymentId=deployment)
    assert error_code(gone) == "DeploymentDoesNotExistException"


@MANUAL
def test_string_revision_with_a_yaml_appspec(aws) -> None:
    world = setup(aws, termination_wait_minutes=0)
    ecs = aws.client("ecs")
    arn = ecs.register_task_definition(**task_definition("web", "public.ecr.aws/nginx/nginx:1.28", 80))[
        "taskDefinition"
    ]["taskDefinitionArn"]
    content = (
        "version: 0.0\n"
        "resources:\n"
        "  - targetService:\n"
        "      type: AWS::ECS::Service\n"
        "      properties:\n"
        f"        taskDefinition: {arn}\n"
        "        loadBalancerInfo: {containerName: web, containerPort: 80}\n"
    )
    deployment = aws.client("codedeploy").create_deployment(
        applicationName=world.application,
        deploymentGroupName=world.deployment_group,
        revision={"revisionType": "String", "string": {"content": content}},
    )["deploymentId"]
    aws.advance(120)
    assert info(aws, deployment)["status"] == "Succeeded"
    (only,) = task_sets(aws, world)
    assert only["taskDefinition"] == arn
