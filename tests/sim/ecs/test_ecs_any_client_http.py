"""Any client sees the same rollout: the AWS CLI watches a deployment started by boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ecs_helpers import create_service, register_revision

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def _aws(local_aws: LocalAWS, *args: str) -> Any:
    cli = Path(sys.executable).with_name("aws")
    env = {**os.environ, **local_aws.env()}
    result = subprocess.run(
        [str(cli), *args, "--output", "json"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_aws_cli_sees_the_rollout(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=2)
    local_aws.advance(60)
    register_revision(local_aws, local_world, "nginx:2")
    local_aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:2")
    listed = _aws(local_aws, "ecs", "list-service-deployments", "--cluster", "demo", "--service", "web")
    assert [d["status"] for d in listed["serviceDeployments"]] == ["IN_PROGRESS", "SUCCESSFUL"]
    service = _aws(local_aws, "ecs", "describe-services", "--cluster", "demo", "--services", "web")["services"][0]
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY", "ACTIVE"]
    assert service["taskDefinition"].endswith(":task-definition/web:2")
