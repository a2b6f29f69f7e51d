"""Any client sees the same cloud: a rolling deployment driven and watched with the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def aws_cli(local_aws: LocalAWS, tmp_path: Path, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(local_aws.env())
    # No user configuration may leak in: empty config and credentials files.
    (tmp_path / "config").write_text("")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "config")
    proc = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", local_aws.endpoint_url, "--output", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.mark.local_aws(poll_step=20)
def test_rolling_deployment_with_the_aws_cli(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:
    network = json.dumps(
        {
            "awsvpcConfiguration": {
                "subnets": list(local_world.subnet_ids),
                "securityGroups": [local_world.security_group_id],
            }
        }
    )
    aws_cli(
        local_aws,
        tmp_path,
        "ecs",
        "create-service",
        "--cluster",
        "demo",
        "--service-name",
        "web",
        "--task-definition",
        "web:1",
        "--desired-count",
        "2",
        "--launch-type",
        "FARGATE",
        "--network-configuration",
        network,
    )
    ecs = local_aws.client("ecs")
    for _ in range(10):  # let the first deployment finish before rolling out the next one
        first = ecs.describe_services(cluster="demo", services=["web"])["services"][0]
        if len(first["deployments"]) == 1 and first["deployments"][0]["rolloutState"] == "COMPLETED":
            break
    local_aws.reset_calls()
    taskdef = ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]
    container = dict(taskdef["containerDefinitions"][0], image=f"{local_world.repository_uri}:v2")
    second = aws_cli(
        local_aws,
        tmp_path,
        "ecs",
        "register-task-definition",
        "--family",
        "web",
        "--network-mode",
        "awsvpc",
        "--requires-compatibilities",
        "FARGATE",
        "--cpu",
        "256",
        "--memory",
        "512",
        "--container-definitions",
        json.dumps([container]),
    )
    second_arn = second["taskDefinition"]["taskDefinitionArn"]
    assert second_arn.endswith(":2")

    updated = aws_cli(
        local_aws,
        tmp_path,
        "ecs",
        "update-service",
        "--cluster",
        "demo",
        "--service",
        "web",
        "--task-definition",
        "web:2",
    )["service"]
    assert [d["status"] for d in updated["deployments"]] == ["PRIMARY", "ACTIVE"]

    states: list[tuple[int, str]] = []
    for _ in range(8):
        service = aws_cli(local_aws, tmp_path, "ecs", "describe-services", "--cluster", "demo", "--services", "web")[
            "services"
        ][0]
        states.append((len(service["deployments"]), service["deployments"][0]["rolloutState"]))
        if states[-1] == (1, "COMPLETED"):
            break
    assert states[0] == (2, "IN_PROGRESS"), states  # the CLI watched the rollout progress
    assert states[-1] == (1, "COMPLETED"), states
    assert service["taskDefinition"] == second_arn
    assert service["runningCount"] == service["desiredCount"] == 2
    # the botocore waiter inside the CLI agrees (it passes on its first poll)
    aws_cli(local_aws, tmp_path, "ecs", "wait", "services-stable", "--cluster", "demo", "--services", "web")

    counts = local_aws.calls()["operations"]
    assert counts["ecs:DescribeServices"]["calls"] == len(states) + 1  # the polls and the waiter
    assert counts["ecs:UpdateService"] == {"calls": 1, "attempts": 1, "errors": 0}
