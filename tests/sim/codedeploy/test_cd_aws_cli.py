"""Another client: the AWS CLI (v1) sees the same simulated deployment as boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cd_helpers import setup

from ecsflow.sim.codedeploy.world import deploy

AWS = Path(sys.executable).with_name("aws")


@pytest.mark.local_aws(clock="manual")
def test_aws_cli_reads_deployment_and_target(aws) -> None:
    world = setup(aws, deployment_config="CodeDeployDefault.ECSCanary10Percent5Minutes")
    deployment = deploy(aws.client, world)
    aws.advance(60)
    env = {**os.environ, **aws.env(), "AWS_PAGER": ""}
    env.pop("AWS_SESSION_TOKEN", None)

    def cli(*args: str) -> dict:
        done = subprocess.run(
            [str(AWS), "deploy", *args, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    assert cli("get-deployment", "--deployment-id", deployment)["deploymentInfo"]["status"] == "InProgress"
    target = cli("get-deployment-target", "--deployment-id", deployment, "--target-id", world.target_id)
    weights = {
        ts["taskSetLabel"]: ts["trafficWeight"] for ts in target["deploymentTarget"]["ecsTarget"]["taskSetsInfo"]
    }
    assert weights == {"Blue": 90.0, "Green": 10.0}
