"""The standard example world, built through the AWS API of any endpoint.

Cluster ``demo``; a VPC with DNS hostnames and two subnets; a security group; ECR
repository ``web`` with image ``web:v1`` pushed (real digest); task definition family
``web`` (container ``web``, port 8080, Fargate, awsvpc) using that image by digest; log
group ``/ecs/web``; an execution role. ``ecsflow demo`` and the tests share it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class World:
    cluster: str
    cluster_arn: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    repository: str
    repository_uri: str
    image_tag: str
    image_digest: str
    image: str  # repository URI @ digest, as the task definition uses it
    task_definition_arn: str
    family: str
    container: str
    container_port: int
    log_group: str
    execution_role_arn: str


_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def create_world(client: ClientFactory, *, region: str = "us-east-1") -> World:
    """Create the example world with clients from ``client(service)`` (e.g. ``LocalAWS.client``)."""
    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # moto needs DNS hostnames for awsvpc tasks (private_dns_name); AWS defaults it off
    # for non-default VPCs, and Fargate tasks work either way there.
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))
    )
    group_id = ec2.create_security_group(GroupName="web", Description="web tasks", VpcId=vpc_id)["GroupId"]

    from ecsflow.sim.ecr import push_image

    ecr = client("ecr")
    repo = ecr.create_repository(repositoryName="web")["repository"]
    digest = push_image(ecr, "web", "v1")
    image = f"{repo['repositoryUri']}@{digest}"

    logs = client("logs")
    logs.create_log_group(logGroupName="/ecs/web")

    iam = client("iam")
    role_arn = iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"][
        "Arn"
    ]

    ecs = client("ecs")
    cluster_arn = ecs.create_cluster(clusterName="demo")["cluster"]["clusterArn"]
    taskdef = ecs.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        executionRoleArn=role_arn,
        containerDefinitions=[
            {
                "name": "web",
                "image": image,
                "essential": True,
                "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/web",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "web",
                    },
                },
            }
        ],
    )["taskDefinition"]
    return World(
        cluster="demo",
        cluster_arn=cluster_arn,
        vpc_id=vpc_id,
        subnet_ids=subnets,
        security_group_id=group_id,
        repository="web",
        repository_uri=repo["repositoryUri"],
        image_tag="v1",
        image_digest=digest,
        image=image,
        task_definition_arn=taskdef["taskDefinitionArn"],
        family="web",
        container="web",
        container_port=8080,
        log_group="/ecs/web",
        execution_role_arn=role_arn,
    )


def blue_green_routes(client: ClientFactory, *, name: str, subnet_ids: Sequence[str], vpc_id: str) -> dict[str, str]:
    """What an ECS-native blue/green service is routed through (AWS-SEMANTICS §7.1): ALB
    ``name``, target groups ``name-blue`` and ``name-green`` (HTTP 8080, ip), and a production
    (port 80) and a test (port 8080) listener, each with a rule forwarding 100/0 to blue/green.

    Returns the ARNs under ``blue``, ``green``, ``production`` and ``test`` (the two rules)."""
    elbv2 = client("elbv2")
    lb_arn = elbv2.create_load_balancer(Name=name, Subnets=list(subnet_ids), Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    blue, green = (
        elbv2.create_target_group(Name=f"{name}-{color}", Protocol="HTTP", Port=8080, VpcId=vpc_id, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for color in ("blue", "green")
    )
    rules = []
    for port in (80, 8080):
        listener = elbv2.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]
        forward = {"TargetGroups": [{"TargetGroupArn": blue, "Weight": 100}, {"TargetGroupArn": green, "Weight": 0}]}
        rule = elbv2.create_rule(
            ListenerArn=listener,
            Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=[{"Type": "forward", "ForwardConfig": forward}],
        )
        rules.append(rule["Rules"][0]["RuleArn"])
    return {"blue": blue, "green": green, "production": rules[0], "test": rules[1]}


def blue_green_load_balancers(
    routes: Mapping[str, str], *, container: str, port: int, role_arn: str, advanced: bool = True
) -> list[dict[str, Any]]:
    """A service's ``loadBalancers`` behind ``routes`` (``blue_green_routes``); ``advanced``: with
    the alternate target group, listener rules and role that native blue/green needs."""
    lb: dict[str, Any] = {"targetGroupArn": routes["blue"], "containerName": container, "containerPort": port}
    if advanced:
        lb["advancedConfiguration"] = {
            "alternateTargetGroupArn": routes["green"],
            "productionListenerRule": routes["production"],
            "testListenerRule": routes["test"],
            "roleArn": role_arn,
        }
    return [lb]
