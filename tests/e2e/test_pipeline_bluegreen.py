"""A pipeline whose build writes CodeDeployToECS's artifacts (taskdef.json with ``<IMAGE1_NAME>``,
appspec.yaml, imageDetail.json) and whose deploy action deploys a CODE_DEPLOY service with them,
on the local AWS (ALB, two target groups, a CodeDeploy application and deployment group)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

pytestmark = pytest.mark.e2e

BUILDSPEC = """
version: 0.2
phases:
  build:
    commands:
      - mkdir -p out
      - printf '{"ImageURI":"%s"}' "public.ecr.aws/nginx/nginx:$NGINX" > out/imageDetail.json
      - cp deploy/taskdef.json deploy/appspec.yaml out/
artifacts:
  base-directory: out
  files: ["**/*"]
"""

APPSPEC = """version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 80
"""

CONFIG = """version: 1
services:
  web: {cluster: web-cluster, task_definition: taskdef.json}
pipelines:
  bluegreen:
    variables: {NGINX: "1.28"}
    stages:
      - name: Build
        actions:
          - {name: Build, build: {env: {NGINX: "#{variables.NGINX}"}}, outputs: [BuildOutput]}
      - name: Deploy
        actions:
          - name: Deploy
            deploy: {services: [web], task_definition: taskdef.json, appspec: appspec.yaml}
            inputs: [BuildOutput]
"""


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def project(local_aws: LocalAWS, tmp_path: Path) -> Path:
    build_world(local_aws.client, BlueGreenOptions(deployment_config="CodeDeployDefault.ECSAllAtOnce"))
    # The repository's own template runs 1.27; the pipeline's artifact is a placeholder template.
    (tmp_path / "taskdef.json").write_text(json.dumps(task_definition("web", "public.ecr.aws/nginx/nginx:1.27", 80)))
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "taskdef.json").write_text(
        json.dumps(task_definition("web", "<IMAGE1_NAME>", 80) | {"tags": [{"key": "from", "value": "artifact"}]})
    )
    (tmp_path / "deploy" / "appspec.yaml").write_text(APPSPEC)
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC)
    (tmp_path / "ecsflow.yml").write_text(CONFIG)
    return tmp_path / "ecsflow.yml"


def test_codedeploy_artifacts_from_a_build_deploy_a_blue_green_service(
    run_cli: Any, local_aws: LocalAWS, project: Path
) -> None:
    code, out, err = run_cli(
        "--endpoint-url", local_aws.endpoint_url, "-c", str(project), "--output", "json", "run", "bluegreen"
    )
    assert code == ExitCode.OK, out[-3000:] + err
    run = json.loads(out.strip().splitlines()[-1])["runs"][0]
    build, deploy = run["stages"][0]["actions"][0], run["stages"][1]["actions"][0]
    assert sorted(build["artifacts"][0]["files"]) == ["appspec.yaml", "imageDetail.json", "taskdef.json"]
    (deployed,) = deploy["deployed"]
    assert deployed["outcome"] == "succeeded", deploy["message"]
    ecs = local_aws.client("ecs")
    running = ecs.describe_services(cluster="web-cluster", services=["web"])["services"][0]["taskDefinition"]
    assert running == deployed["task_definition_arn"]
    td = ecs.describe_task_definition(taskDefinition=running)["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == "public.ecr.aws/nginx/nginx:1.28"  # from imageDetail.json


def test_a_missing_appspec_fails_before_codedeploy_is_called(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    (project.parent / "deploy" / "appspec.yaml").unlink()
    (project.parent / "buildspec.yml").write_text(BUILDSPEC.replace(" deploy/appspec.yaml", ""))
    local_aws.reset_calls()
    code, out, err = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(project), "run", "bluegreen")
    assert code == ExitCode.INVALID, out + err
    assert "stage Deploy, action Deploy: input artifact BuildOutput: appspec.yaml is missing" in out
    operations = set(local_aws.calls()["operations"])
    assert not {"ecs:RegisterTaskDefinition", "codedeploy:CreateDeployment"} & operations
