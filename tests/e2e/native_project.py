"""A load-balanced service on the example world for the ECS-native blue/green e2e tests:
an ALB with two target groups and a production and a test listener rule (AWS-SEMANTICS §7.1)."""

from __future__ import annotations

from typing import Any

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def load_balancer(aws: LocalAWS, world: World) -> dict[str, str]:
    elbv2 = aws.client("elbv2")
    lb = elbv2.create_load_balancer(Name="web", Subnets=list(world.subnet_ids), Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [
        elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=world.vpc_id, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name in ("web-blue", "web-green")
    ]
    rules = []
    for port in (80, 8080):
        listener = elbv2.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]
        forward = {
            "TargetGroups": [{"TargetGroupArn": groups[0], "Weight": 100}, {"TargetGroupArn": groups[1], "Weight": 0}]
        }
        rules.append(
            elbv2.create_rule(
                ListenerArn=listener,
                Priority=1,
                Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                Actions=[{"Type": "forward", "ForwardConfig": forward}],
            )["Rules"][0]["RuleArn"]
        )
    return {"blue": groups[0], "green": groups[1], "production": rules[0], "test": rules[1]}


def load_balancers(world: World, setup: dict[str, str], *, advanced: bool = True) -> list[dict[str, Any]]:
    lb: dict[str, Any] = {
        "targetGroupArn": setup["blue"],
        "containerName": world.container,
        "containerPort": world.container_port,
    }
    if advanced:
        lb["advancedConfiguration"] = {
            "alternateTargetGroupArn": setup["green"],
            "productionListenerRule": setup["production"],
            "testListenerRule": setup["test"],
            "roleArn": world.execution_role_arn,
        }
    return [lb]


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
