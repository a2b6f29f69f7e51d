"""The example world plus a running service and a project folder, for the status/rollback e2e tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def create_service(aws: LocalAWS, world: World, *, name: str = "web", desired: int = 2) -> None:
    ecs = aws.client("ecs")
    ecs.create_service(
        cluster=world.cluster,
        serviceName=name,
        taskDefinition=world.task_definition_arn,
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}
        },
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    wait_steady(aws, world.cluster, name)


def wait_steady(aws: LocalAWS, cluster: str, name: str) -> dict[str, Any]:
    ecs = aws.client("ecs")
    for _ in range(40):
        svc: dict[str, Any] = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
        if len(svc["deployments"]) == 1 and svc["deployments"][0].get("rolloutState") == "COMPLETED":
            return svc
        aws.advance(15)
    raise AssertionError(f"{name} did not reach a steady state")


def running_body(aws: LocalAWS, world: World) -> dict[str, Any]:
    td: dict[str, Any] = aws.client("ecs").describe_task_definition(taskDefinition=world.task_definition_arn)[
        "taskDefinition"
    ]
    return td


def write_project(tmp_path: Path, aws: LocalAWS, world: World, **container_changes: Any) -> Path:
    """ecsflow.yml + taskdef.json (the world's definition, image as a placeholder)."""
    body = running_body(aws, world)
    for key in ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities"):
        body.pop(key, None)
    for key in ("registeredAt", "registeredBy"):
        body.pop(key, None)
    body["containerDefinitions"][0].update({"image": "<IMAGE1_NAME>", **container_changes})
    (tmp_path / "taskdef.json").write_text(json.dumps(body, indent=2))
    (tmp_path / "ecsflow.yml").write_text(
        "version: 1\nservices:\n  web:\n    cluster: demo\n    service: web\n    task_definition: taskdef.json\n"
    )
    return tmp_path / "ecsflow.yml"
