"""Helpers for ECS scenario tests through boto3 against the local AWS."""

from __future__ import annotations

from typing import Any

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World, blue_green_load_balancers, blue_green_routes


def network(world: World) -> dict[str, Any]:
    return {"awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}}


def create_service(aws: LocalAWS, world: World, name: str = "web", desired: int = 4, **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "cluster": world.cluster,
        "serviceName": name,
        "taskDefinition": world.family,
        "desiredCount": desired,
        "launchType": "FARGATE",
        "networkConfiguration": network(world),
    }
    params.update(kwargs)
    return dict(aws.client("ecs").create_service(**params)["service"])


def register_revision(aws: LocalAWS, world: World, image: str) -> str:
    """A new revision of the world's family with another image; returns its ARN."""
    ecs = aws.client("ecs")
    current = ecs.describe_task_definition(taskDefinition=world.family)["taskDefinition"]
    container = dict(current["containerDefinitions"][0], image=image)
    return str(
        ecs.register_task_definition(
            family=world.family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            executionRoleArn=world.execution_role_arn,
            containerDefinitions=[container],
        )["taskDefinition"]["taskDefinitionArn"]
    )


def describe(aws: LocalAWS, world: World, name: str = "web") -> dict[str, Any]:
    return dict(aws.client("ecs").describe_services(cluster=world.cluster, services=[name])["services"][0])


def steady(aws: LocalAWS, world: World, name: str = "web", attempts: int = 40) -> None:
    """boto3's own services_stable waiter, polling without sleeping (the clock is simulated)."""
    waiter = aws.client("ecs").get_waiter("services_stable")
    waiter.wait(cluster=world.cluster, services=[name], WaiterConfig={"Delay": 0, "MaxAttempts": attempts})


def service_deployments(aws: LocalAWS, world: World, name: str = "web") -> list[dict[str, Any]]:
    ecs = aws.client("ecs")
    briefs = ecs.list_service_deployments(cluster=world.cluster, service=name)["serviceDeployments"]
    if not briefs:
        return []
    arns = [b["serviceDeploymentArn"] for b in briefs]
    return list(ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"])


def blue_green_load_balancer(aws: LocalAWS, world: World) -> dict[str, str]:
    """An ALB with two target groups and a production and a test listener rule."""
    return blue_green_routes(aws.client, name="web", subnet_ids=world.subnet_ids, vpc_id=world.vpc_id)


def load_balancers(world: World, setup: dict[str, str]) -> list[dict[str, Any]]:
    return blue_green_load_balancers(
        setup, container=world.container, port=world.container_port, role_arn=world.execution_role_arn
    )


def weights(aws: LocalAWS, rule_arn: str) -> dict[str, int]:
    """Target group ARN -> weight of the rule's forward action."""
    [rule] = aws.client("elbv2").describe_rules(RuleArns=[rule_arn])["Rules"]
    forward = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    return {g["TargetGroupArn"]: g["Weight"] for g in forward}
