"""The CodePipeline Invoke action handler on the local AWS, called with real job event shapes.

The job results are what the local AWS recorded from PutJobSuccessResult /
PutJobFailureResult. Time is the local AWS's (poll clock: each DescribeServices moves it
15 s); the Lambda context's remaining time follows the same clock.
"""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from typing import Any

import pytest
from deploy_project import create_service, image_of, push, service

from ecsflow.integrations.codepipeline import handler
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e
COMMIT = "8d1c5c3a2b7f4e6d9a0b1c2d3e4f5a6b7c8d9e0f"


@pytest.fixture(autouse=True)
def _lambda_env(monkeypatch: pytest.MonkeyPatch, local_aws: LocalAWS) -> None:
    for name, value in local_aws.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


class Context:
    """A Lambda context whose remaining time runs on the local AWS's clock."""

    def __init__(self, aws: LocalAWS, seconds: float) -> None:
        self.aws = aws
        self.deadline = aws.now() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.deadline - self.aws.now()) * 1000), 0)


def job_event(
    aws: LocalAWS, job_id: str, params: dict[str, Any], *, files: dict[str, str] | None = None, token: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "actionConfiguration": {
            "configuration": {"FunctionName": "ecsflow-deploy", "UserParameters": json.dumps(params)}
        },
        "inputArtifacts": [],
        "outputArtifacts": [],
        "artifactCredentials": {"accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "secret", "sessionToken": "token"},
    }
    if files is not None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in files.items():
                archive.writestr(name, text)
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="pipeline-artifacts")
        s3.put_object(Bucket="pipeline-artifacts", Key=f"app/BuildOutput/{job_id}.zip", Body=buffer.getvalue())
        data["inputArtifacts"] = [
            {
                "name": "BuildOutput",
                "revision": COMMIT,
                "location": {
                    "type": "S3",
                    "s3Location": {"bucketName": "pipeline-artifacts", "objectKey": f"app/BuildOutput/{job_id}.zip"},
                },
            }
        ]
    if token is not None:
        data["continuationToken"] = token
    aws.add_job(job_id, data)
    return {"CodePipeline.job": {"id": job_id, "accountId": "123456789012", "data": data}}


def results_for(aws: LocalAWS, job_id: str) -> list[dict[str, Any]]:
    return [r for r in aws.job_results() if r["jobId"] == job_id]


def run_to_the_end(aws: LocalAWS, job_id: str, event: dict[str, Any], seconds: float) -> list[dict[str, Any]]:
    """Invoke as CodePipeline does: again with the continuation token until a final result."""
    for _ in range(30):
        handler(event, Context(aws, seconds))
        last = results_for(aws, job_id)[-1]
        if last["final"]:
            return results_for(aws, job_id)
        data = {**event["CodePipeline.job"]["data"], "continuationToken": last["continuationToken"]}
        event = {"CodePipeline.job": {**event["CodePipeline.job"], "data": data}}
    raise AssertionError("the job never ended")


def register_newer(aws: LocalAWS, world: World, tag: str) -> str:
    """A revision registered outside any deploy (Terraform, the console, another pipeline)."""
    ecs = aws.client("ecs")
    body = ecs.describe_task_definition(taskDefinition=world.task_definition_arn)["taskDefinition"]
    keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory")
    request = {k: body[k] for k in keep if k in body} | {"executionRoleArn": world.execution_role_arn}
    request["containerDefinitions"][0]["image"] = f"{world.repository_uri}@{push(aws, tag)}"
    return str(ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"])


def test_latest_moves_the_service_to_the_newest_revision(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    newest = register_newer(local_aws, local_world, "v7")
    event = job_event(local_aws, "job-latest", {"cluster": "demo", "service": "web", "mode": "latest"})
    (result,) = run_to_the_end(local_aws, "job-latest", event, seconds=900)
    assert result["result"] == "Succeeded", result
    assert service(local_aws)["taskDefinition"] == newest
    assert result["outputVariables"]["taskDefinitionArn"] == newest
    assert result["outputVariables"]["outcome"] == "succeeded"
    assert result["outputVariables"]["deploymentId"].startswith("ecs-svc/")
    assert result["executionDetails"]["externalExecutionId"] == result["outputVariables"]["deploymentId"]


def test_latest_when_already_newest_is_a_success_with_nothing_to_deploy(
    local_aws: LocalAWS, local_world: World
) -> None:
    create_service(local_aws, local_world)
    event = job_event(local_aws, "job-same", {"cluster": "demo", "service": "web", "mode": "latest"})
    handler(event, Context(local_aws, 900))
    (result,) = results_for(local_aws, "job-same")
    assert result["result"] == "Succeeded" and "nothing to deploy" in result["executionDetails"]["summary"]
    assert "deploymentId" not in result["outputVariables"]


@pytest.mark.local_aws(scenario={"services": {"demo/web": {"task_start_seconds": 90, "healthy_after_seconds": 30}}})
def test_a_long_wait_continues_across_invocations(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    newest = register_newer(local_aws, local_world, "v8")
    params = {"cluster": "demo", "service": "web", "mode": "latest", "reserve_seconds": 20}
    event = job_event(local_aws, "job-long", params)
    results = run_to_the_end(local_aws, "job-long", event, seconds=50)
    assert len(results) >= 3, results  # at least two continuations, then the final result
    continued, final = results[:-1], results[-1]
    assert all(r["result"] == "Succeeded" and r["continuationToken"] for r in continued)
    tokens = [json.loads(r["continuationToken"]) for r in continued]
    deployment = tokens[0]["w"][0][3]
    assert all(t["w"][0][3] == deployment for t in tokens)  # the same deployment followed throughout
    assert [t["n"] for t in tokens] == list(range(2, len(tokens) + 2))
    assert "outputVariables" not in continued[0]  # AWS takes output variables on a final result only
    assert final["result"] == "Succeeded" and final["outputVariables"]["deploymentId"] == deployment
    assert service(local_aws)["taskDefinition"] == newest
    # Every invocation ended before its time ran out (the continuation kept the reserve).
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(results)]
    assert all(gap <= 50 for gap in gaps), gaps


@pytest.mark.local_aws(scenario={"failing_images": ["*:broken*"]})
def test_a_rollback_is_a_job_failure_with_the_reason(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    push(local_aws, "broken")
    definitions = json.dumps([{"name": local_world.container, "imageUri": f"{local_world.repository_uri}:broken"}])
    event = job_event(
        local_aws, "job-broken", {"cluster": "demo", "service": "web"}, files={"imagedefinitions.json": definitions}
    )
    results = run_to_the_end(local_aws, "job-broken", event, seconds=900)
    final = results[-1]
    assert final["result"] == "Failed", final
    assert final["failureDetails"]["type"] == "JobFailed"
    assert "rolled back" in final["failureDetails"]["message"]
    assert service(local_aws)["taskDefinition"] == local_world.task_definition_arn


def test_deploy_from_the_artifact_pins_and_records_the_commit(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    digest = push(local_aws, "v2")
    definitions = json.dumps([{"name": local_world.container, "imageUri": f"{local_world.repository_uri}:v2"}])
    event = job_event(
        local_aws,
        "job-deploy",
        {"cluster": "demo", "services": ["web"], "env": "prod"},
        files={"imagedefinitions.json": definitions, "README": "x"},
    )
    results = run_to_the_end(local_aws, "job-deploy", event, seconds=900)
    assert results[-1]["result"] == "Succeeded", results[-1]
    running = service(local_aws)["taskDefinition"]
    assert image_of(local_aws, running) == f"{local_world.repository_uri}:v2@{digest}"
    tags = {
        t["key"]: t["value"]
        for t in local_aws.client("ecs").describe_task_definition(taskDefinition=running, include=["TAGS"])["tags"]
    }
    assert tags["ecsflow:commit"] == COMMIT and tags["ecsflow:env"] == "prod"


@pytest.mark.parametrize(
    ("params", "files", "expected"),
    [
        ({"cluster": "demo", "service": "web", "mode": "sideways"}, None, "UserParameters.mode"),
        ({"service": "web"}, None, "UserParameters.cluster"),
        ({"cluster": "demo", "service": "web", "colour": "blue"}, None, "UserParameters.colour"),
        ({"cluster": "demo", "service": "web"}, None, "needs an input artifact"),
        ({"cluster": "demo", "service": "web"}, {"other.txt": "x"}, "neither imagedefinitions.json"),
        ({"cluster": "demo", "service": "nope", "mode": "latest"}, None, "'nope' not found"),
    ],
)
def test_bad_parameters_fail_the_job_before_any_change(
    local_aws: LocalAWS, local_world: World, params: dict[str, Any], files: dict[str, str] | None, expected: str
) -> None:
    create_service(local_aws, local_world)
    local_aws.reset_calls()
    handler(job_event(local_aws, "job-bad", params, files=files), Context(local_aws, 900))
    (result,) = results_for(local_aws, "job-bad")
    assert result["result"] == "Failed"
    assert expected in result["failureDetails"]["message"]
    operations = local_aws.calls()["operations"]
    assert "ecs:UpdateService" not in operations and "ecs:RegisterTaskDefinition" not in operations


def test_not_a_job_event_reports_nothing(local_aws: LocalAWS) -> None:
    assert handler({"Records": []}, Context(local_aws, 900))["result"] == "not a job"
    assert local_aws.job_results() == []


@pytest.mark.local_aws(scenario={"services": {"demo/web": {"task_start_seconds": 90, "healthy_after_seconds": 30}}})
def test_a_resumed_invocation_without_time_left_still_sees_the_end(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    register_newer(local_aws, local_world, "v9")
    params = {"cluster": "demo", "service": "web", "mode": "latest", "reserve_seconds": 20}
    event = job_event(local_aws, "job-late", params)
    handler(event, Context(local_aws, 40))
    (first,) = results_for(local_aws, "job-late")
    assert first["continuationToken"] and not first["final"]
    local_aws.advance(600)  # the deployment finishes while no invocation runs
    resumed = {**event["CodePipeline.job"]["data"], "continuationToken": first["continuationToken"]}
    handler({"CodePipeline.job": {**event["CodePipeline.job"], "data": resumed}}, Context(local_aws, 0))
    final = results_for(local_aws, "job-late")[-1]
    assert final["result"] == "Succeeded" and final["final"], final


def test_codedeploy_blue_green_is_followed_across_invocations(local_aws: LocalAWS) -> None:
    from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

    world = build_world(local_aws.client, BlueGreenOptions(termination_wait_minutes=5))
    body = task_definition("web", "public.ecr.aws/nginx/nginx:1.28", 80)
    newest = local_aws.client("ecs").register_task_definition(**body)["taskDefinition"]["taskDefinitionArn"]
    params = {"cluster": world.cluster, "service": world.service, "mode": "latest", "reserve_seconds": 20}
    event = job_event(local_aws, "job-bg", params)
    results = run_to_the_end(local_aws, "job-bg", event, seconds=120)
    final = results[-1]
    assert len(results) >= 2 and all(r["continuationToken"] for r in results[:-1]), results
    tokens = [json.loads(r["continuationToken"]) for r in results[:-1]]
    assert all(t["w"][0][3].startswith("d-") and t["w"][0][6] == "CODE_DEPLOY" for t in tokens)
    assert final["result"] == "Succeeded", final
    assert final["outputVariables"]["deploymentId"] == tokens[0]["w"][0][3]
    status = local_aws.client("codedeploy").get_deployment(deploymentId=tokens[0]["w"][0][3])["deploymentInfo"]
    assert status["status"] == "Succeeded"
    assert final["outputVariables"]["taskDefinitionArn"] == newest


def test_deploy_a_task_definition_template_from_the_artifact(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    digest = push(local_aws, "v4")
    ecs = local_aws.client("ecs")
    body = ecs.describe_task_definition(taskDefinition=local_world.task_definition_arn)["taskDefinition"]
    keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory")
    template = {k: body[k] for k in keep if k in body} | {"executionRoleArn": local_world.execution_role_arn}
    template["containerDefinitions"][0]["image"] = "<IMAGE1_NAME>"
    template["containerDefinitions"][0]["environment"] = [{"name": "FROM", "value": "artifact"}]
    detail = json.dumps({"ImageURI": f"{local_world.repository_uri}:v4"})
    params = {"cluster": "demo", "service": "web", "task_definition": "deploy/taskdef.json"}
    files = {"deploy/taskdef.json": json.dumps(template), "imageDetail.json": detail}
    results = run_to_the_end(local_aws, "job-template", job_event(local_aws, "job-template", params, files=files), 900)
    assert results[-1]["result"] == "Succeeded", results[-1]
    running = service(local_aws)["taskDefinition"]
    assert image_of(local_aws, running) == f"{local_world.repository_uri}:v4@{digest}"
    container = ecs.describe_task_definition(taskDefinition=running)["taskDefinition"]["containerDefinitions"][0]
    assert container["environment"] == [{"name": "FROM", "value": "artifact"}]


def test_a_template_path_outside_the_artifact_is_refused(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    params = {"cluster": "demo", "service": "web", "task_definition": "../../etc/taskdef.json"}
    files = {"../../etc/taskdef.json": "{}"}
    handler(job_event(local_aws, "job-escape", params, files=files), Context(local_aws, 900))
    (result,) = results_for(local_aws, "job-escape")
    assert result["result"] == "Failed" and "outside the artifact" in result["failureDetails"]["message"]
    assert result["failureDetails"]["type"] == "ConfigurationError"


def test_artifact_problems_name_the_artifact_and_the_file(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world)
    params = {"cluster": "demo", "service": "web", "image_definitions": "out/images.json"}
    handler(job_event(local_aws, "job-nofile", params, files={"other.json": "{}"}), Context(local_aws, 900))
    (missing,) = results_for(local_aws, "job-nofile")
    message = missing["failureDetails"]["message"]
    assert "input artifact 'BuildOutput' has no file 'out/images.json' (it has: other.json)" in message
    event = job_event(local_aws, "job-notzip", {"cluster": "demo", "service": "web"}, files={})
    location = event["CodePipeline.job"]["data"]["inputArtifacts"][0]["location"]["s3Location"]
    local_aws.client("s3").put_object(Bucket=location["bucketName"], Key=location["objectKey"], Body=b"plain text")
    handler(event, Context(local_aws, 900))
    (not_zip,) = results_for(local_aws, "job-notzip")
    assert "is not a zip file" in not_zip["failureDetails"]["message"]
    assert not_zip["failureDetails"]["type"] == "ConfigurationError"
