"""Build a CodeDeploy ECS blue/green world through the AWS API (tests and the demo).

VPC with two subnets, an ALB with two target groups, a production and a test listener,
a cluster, a task definition, a CODE_DEPLOY service with its initial PRIMARY task set,
a CodeDeploy application and a deployment group. Works with any boto3 client factory:
in-process ``moto.mock_aws()`` or the local AWS over HTTP.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class BlueGreenOptions:
    name: str = "web"
    desired_count: int = 2
    image: str = "public.ecr.aws/nginx/nginx:1.27"
    container_port: int = 80
    deployment_config: str | None = "CodeDeployDefault.ECSAllAtOnce"
    test_listener: bool = True
    termination_wait_minutes: int = 5
    ready_wait_minutes: int | None = None  # None: CONTINUE_DEPLOYMENT
    auto_rollback_events: tuple[str, ...] = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST")
    alarms: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlueGreenWorld:
    options: BlueGreenOptions
    cluster: str
    service: str
    service_arn: str
    task_definition_arn: str
    subnets: list[str]
    security_group: str
    load_balancer_arn: str
    target_groups: dict[str, str]  # name -> ARN (first one serves production at start)
    prod_listener_arn: str
    test_listener_arn: str | None
    application: str
    deployment_group: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def target_id(self) -> str:
        return f"{self.cluster}:{self.service}"


def build_world(client: ClientFactory, options: BlueGreenOptions | None = None) -> BlueGreenWorld:
    o = options or BlueGreenOptions()
    ec2, elbv2, ecs, codedeploy = client("ec2"), client("elbv2"), client("ecs"), client("codedeploy")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # moto needs DNS hostnames for awsvpc task sets (MOTO-FIDELITY: ECS ListTasks row).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    sg = ec2.create_security_group(GroupName=f"{o.name}-sg", Description=o.name, VpcId=vpc)["GroupId"]
    lb = elbv2.create_load_balancer(Name=f"{o.name}-alb", Subnets=subnets, SecurityGroups=[sg], Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    groups: dict[str, str] = {}
    for color in ("blue", "green"):
        tg = elbv2.create_target_group(
            Name=f"{o.name}-{color}", Protocol="HTTP", Port=o.container_port, VpcId=vpc, TargetType="ip"
        )
        groups[f"{o.name}-{color}"] = tg["TargetGroups"][0]["TargetGroupArn"]
    first = next(iter(groups.values()))

    def listener(port: int) -> str:
        created = elbv2.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": first}],
        )
        return str(created["Listeners"][0]["ListenerArn"])

    prod = listener(80)
    test = listener(8080) if o.test_listener else None
    ecs.create_cluster(clusterName=f"{o.name}-cluster")
    task_def = ecs.register_task_definition(**task_definition(o.name, o.image, o.container_port))
    task_def_arn = task_def["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg], "assignPublicIp": "DISABLED"}}
    lb_ref = [{"targetGroupArn": first, "containerName": o.name, "containerPort": o.container_port}]
    service = ecs.create_service(
        cluster=f"{o.name}-cluster",
        serviceName=o.name,
        taskDefinition=task_def_arn,
        desiredCount=o.desired_count,
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=lb_ref,
        networkConfiguration=network,
        launchType="FARGATE",
    )["service"]
    described = ecs.describe_services(cluster=f"{o.name}-cluster", services=[o.name])["services"][0]
    if not described.get("taskSets"):
        # ECS creates the first task set of a CODE_DEPLOY service itself; plain moto does not.
        task_set = ecs.create_task_set(
            cluster=f"{o.name}-cluster",
            service=o.name,
            taskDefinition=task_def_arn,
            loadBalancers=lb_ref,
            networkConfiguration=network,
            launchType="FARGATE",
        )["taskSet"]
        ecs.update_service_primary_task_set(
            cluster=f"{o.name}-cluster", service=o.name, primaryTaskSet=task_set["taskSetArn"]
        )
    codedeploy.create_application(applicationName=f"{o.name}-app", computePlatform="ECS")
    blue_green: dict[str, Any] = {
        "terminateBlueInstancesOnDeploymentSuccess": {
            "action": "TERMINATE",
            "terminationWaitTimeInMinutes": o.termination_wait_minutes,
        },
        "deploymentReadyOption": (
            {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}
            if o.ready_wait_minutes is None
            else {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": o.ready_wait_minutes}
        ),
    }
    pair: dict[str, Any] = {
        "targetGroups": [{"name": n} for n in groups],
        "prodTrafficRoute": {"listenerArns": [prod]},
    }
    if test:
        pair["testTrafficRoute"] = {"listenerArns": [test]}
    group_args: dict[str, Any] = {
        "applicationName": f"{o.name}-app",
        "deploymentGroupName": f"{o.name}-dg",
        "serviceRoleArn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": blue_green,
        "loadBalancerInfo": {"targetGroupPairInfoList": [pair]},
        "ecsServices": [{"serviceName": o.name, "clusterName": f"{o.name}-cluster"}],
        "autoRollbackConfiguration": {
            "enabled": bool(o.auto_rollback_events),
            "events": list(o.auto_rollback_events),
        },
    }
    if o.deployment_config:
        group_args["deploymentConfigName"] = o.deployment_config
    if o.alarms:
        group_args["alarmConfiguration"] = {"enabled": True, "alarms": [{"name": a} for a in o.alarms]}
    codedeploy.create_deployment_group(**group_args)
    return BlueGreenWorld(
        options=o,
        cluster=f"{o.name}-cluster",
        service=o.name,
        service_arn=service["serviceArn"],
        task_definition_arn=task_def_arn,
        subnets=subnets,
        security_group=sg,
        load_balancer_arn=lb_arn,
        target_groups=groups,
        prod_listener_arn=prod,
        test_listener_arn=test,
        application=f"{o.name}-app",
        deployment_group=f"{o.name}-dg",
    )


def task_definition(family: str, image: str, port: int) -> dict[str, Any]:
    return {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {"name": family, "image": image, "essential": True, "portMappings": [{"containerPort": port}]}
        ],
    }


def appspec(task_definition_arn: str, container: str, port: int, hooks: dict[str, str] | None = None) -> str:
    """An ECS AppSpec (JSON form) for ``CreateDeployment``."""
    doc: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": task_definition_arn,
                        "LoadBalancerInfo": {"ContainerName": container, "ContainerPort": port},
                    },
                }
            }
        ],
    }
    if hooks:
        doc["Hooks"] = [{event: function} for event, function in hooks.items()]
    return json.dumps(doc)


def revision(content: str) -> dict[str, Any]:
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": content, "sha256": hashlib.sha256(content.encode()).hexdigest()},
    }


def deploy(
    client: ClientFactory,
    world: BlueGreenWorld,
    *,
    image: str = "public.ecr.aws/nginx/nginx:1.28",
    hooks: dict[str, str] | None = None,
    config: str | None = None,
    **extra: Any,
) -> str:
    """Register a new revision and start a CodeDeploy deployment of it; returns the deployment id."""
    o = world.options
    task_def = client("ecs").register_task_definition(**task_definition(o.name, image, o.container_port))
    arn = task_def["taskDefinition"]["taskDefinitionArn"]
    args: dict[str, Any] = {
        "applicationName": world.application,
        "deploymentGroupName": world.deployment_group,
        "revision": revision(appspec(arn, o.name, o.container_port, hooks)),
        **extra,
    }
    if config:
        args["deploymentConfigName"] = config
    return str(client("codedeploy").create_deployment(**args)["deploymentId"])
