"""Shared helpers of the CodeDeploy scenario tests (boto3 over HTTP against the local AWS)."""

from __future__ import annotations

from typing import Any

from ecsflow.sim.codedeploy.world import BlueGreenOptions, BlueGreenWorld, build_world


def setup(aws: Any, **options: Any) -> BlueGreenWorld:
    return build_world(aws.client, BlueGreenOptions(**options))


def info(aws: Any, deployment_id: str) -> dict[str, Any]:
    return dict(aws.client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"])


def prod_weights(aws: Any, world: BlueGreenWorld) -> dict[str, int]:
    """Target group name -> weight on the production listener's default action."""
    listener = aws.client("elbv2").describe_listeners(ListenerArns=[world.prod_listener_arn])["Listeners"][0]
    return _weights(world, listener["DefaultActions"][0])


def listener_group(aws: Any, world: BlueGreenWorld) -> str:
    assert world.test_listener_arn is not None
    listener = aws.client("elbv2").describe_listeners(ListenerArns=[world.test_listener_arn])["Listeners"][0]
    (name,) = [n for n, w in _weights(world, listener["DefaultActions"][0]).items() if w]
    return name


def _weights(world: BlueGreenWorld, action: dict[str, Any]) -> dict[str, int]:
    names = {arn: name for name, arn in world.target_groups.items()}
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
    if not groups:
        return {names[action["TargetGroupArn"]]: 100}
    if len(groups) == 1:
        return {names[groups[0]["TargetGroupArn"]]: 100}
    return {names[g["TargetGroupArn"]]: g["Weight"] for g in groups}


def task_sets(aws: Any, world: BlueGreenWorld) -> list[dict[str, Any]]:
    service = aws.client("ecs").describe_services(cluster=world.cluster, services=[world.service])["services"][0]
    return list(service["taskSets"])


def ecs_target(aws: Any, world: BlueGreenWorld, deployment_id: str) -> dict[str, Any]:
    target = aws.client("codedeploy").get_deployment_target(deploymentId=deployment_id, targetId=world.target_id)
    return dict(target["deploymentTarget"]["ecsTarget"])
