"""A project folder (ecsflow.yml + taskdef.json) on the example world, for the deploy e2e tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.ecr import push_image
from ecsflow.sim.world import World

_READ_ONLY = {
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
}


def create_service(
    aws: LocalAWS, world: World, name: str = "web", *, desired: int = 2, breaker: bool = True, rollback: bool = True
) -> None:
    aws.client("ecs").create_service(
        cluster=world.cluster,
        serviceName=name,
        taskDefinition=world.task_definition_arn,
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}
        },
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": breaker, "rollback": rollback and breaker}},
    )
    ecs = aws.client("ecs")
    for _ in range(40):
        svc: dict[str, Any] = ecs.describe_services(cluster=world.cluster, services=[name])["services"][0]
        if len(svc["deployments"]) == 1 and svc["deployments"][0].get("rolloutState") == "COMPLETED":
            return
        aws.advance(15)
    raise AssertionError(f"{name} did not reach a steady state")


def push(aws: LocalAWS, tag: str, repository: str = "web") -> str:
    return push_image(aws.client("ecr"), repository, tag)


def write_project(
    tmp_path: Path, aws: LocalAWS, world: World, services: tuple[str, ...] = ("web",), extra: str = ""
) -> Path:
    td: dict[str, Any] = aws.client("ecs").describe_task_definition(taskDefinition=world.task_definition_arn)[
        "taskDefinition"
    ]
    body = {k: v for k, v in td.items() if k not in _READ_ONLY}
    body["containerDefinitions"][0]["image"] = f"{world.repository_uri}:v1"
    (tmp_path / "taskdef.json").write_text(json.dumps(body, indent=2))
    lines = ["version: 1", "defaults:", "  cluster: demo", "services:"]
    for name in services:
        lines += [
            f"  {name}:",
            "    task_definition: taskdef.json",
            "    images:",
            f"      {world.container}: {world.repository_uri}",
        ]
    (tmp_path / "ecsflow.yml").write_text("\n".join(lines) + "\n" + extra)
    return tmp_path / "ecsflow.yml"


def calls(aws: LocalAWS) -> dict[str, int]:
    """Logical calls per operation since the last reset (retries of one call count once)."""
    return {op: int(v["calls"]) for op, v in aws.calls()["operations"].items()}


def service(aws: LocalAWS, name: str = "web") -> dict[str, Any]:
    found: dict[str, Any] = aws.client("ecs").describe_services(cluster="demo", services=[name])["services"][0]
    return found


def image_of(aws: LocalAWS, task_definition: str) -> str:
    td = aws.client("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    return str(td["containerDefinitions"][0]["image"])
