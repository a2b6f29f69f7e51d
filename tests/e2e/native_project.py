"""A load-balanced service on the example world for the ECS-native blue/green e2e tests:
an ALB with two target groups and a production and a test listener rule (AWS-SEMANTICS §7.1)."""

from __future__ import annotations

from typing import Any

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World, blue_green_load_balancers, blue_green_routes


def load_balancer(aws: LocalAWS, world: World) -> dict[str, str]:
    return blue_green_routes(aws.client, name="web", subnet_ids=world.subnet_ids, vpc_id=world.vpc_id)


def load_balancers(world: World, setup: dict[str, str], *, advanced: bool = True) -> list[dict[str, Any]]:
    return blue_green_load_balancers(
        setup,
        container=world.container,
        port=world.container_port,
        role_arn=world.execution_role_arn,
        advanced=advanced,
    )


def create_native_service(
    aws: LocalAWS,
    world: World,
    configuration: dict[str, Any],
    *,
    hooks: list[dict[str, Any]] | None = None,
    advanced: bool = True,
    desired: int = 2,
) -> dict[str, str]:
    """The service at steady state on web:1; ``hooks`` are set afterwards (CreateService drops
    them in moto and ECS runs none for the first deployment). Returns the ELB setup."""
    setup = load_balancer(aws, world)
    ecs = aws.client("ecs")
    ecs.create_service(
        cluster=world.cluster,
        serviceName="web",
        taskDefinition=world.task_definition_arn,
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}
        },
        loadBalancers=load_balancers(world, setup, advanced=advanced),
        deploymentConfiguration=configuration,
    )
    for _ in range(200):
        svc = ecs.describe_services(cluster=world.cluster, services=["web"])["services"][0]
        if len(svc["deployments"]) == 1 and svc["deployments"][0].get("rolloutState") == "COMPLETED":
            break
        aws.advance(15)
    else:
        raise AssertionError("web did not reach a steady state")
    if hooks:
        ecs.update_service(cluster=world.cluster, service="web", deploymentConfiguration={"lifecycleHooks": hooks})
    return setup


def weights(aws: LocalAWS, rule_arn: str) -> dict[str, int]:
    """Target group ARN -> weight of the rule's forward action."""
    [rule] = aws.client("elbv2").describe_rules(RuleArns=[rule_arn])["Rules"]
    forward = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    return {g["TargetGroupArn"]: g["Weight"] for g in forward}


def service_deployment(aws: LocalAWS, arn: str) -> dict[str, Any]:
    [found] = aws.client("ecs").describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return dict(found)


def newest_service_deployment(aws: LocalAWS) -> dict[str, Any]:
    briefs = aws.client("ecs").list_service_deployments(cluster="demo", service="web")["serviceDeployments"]
    return service_deployment(aws, briefs[0]["serviceDeploymentArn"])
