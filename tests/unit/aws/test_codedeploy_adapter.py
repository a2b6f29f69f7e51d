"""The CodeDeploy adapter over real HTTP against the local AWS, and botocore Stubber edge cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from ecsflow.aws import AwsClients, AwsSettings
from ecsflow.aws.codedeploy import CodeDeployAdapter
from ecsflow.errors import AwsError, ResourceNotFound
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.codedeploy.world import BlueGreenOptions, appspec, build_world, deploy


def clients(aws: LocalAWS) -> AwsClients:
    return AwsClients(AwsSettings(region="us-east-1", endpoint_url=aws.endpoint_url))


@pytest.mark.e2e
def test_groups_configs_and_discovery(local_aws: LocalAWS) -> None:
    build_world(local_aws.client, BlueGreenOptions(ready_wait_minutes=45, termination_wait_minutes=7))
    local_aws.client("codedeploy").create_application(applicationName="other", computePlatform="Server")
    cd = CodeDeployAdapter(clients(local_aws))
    found = cd.find_deployment_group("arn:aws:ecs:us-east-1:123456789012:cluster/web-cluster", "web")
    assert found is not None and (found.application, found.name) == ("web-app", "web-dg")
    assert found.manual_ready_wait and found.ready_wait_minutes == 45 and found.termination_wait_minutes == 7
    assert found.auto_rollback and "DEPLOYMENT_STOP_ON_REQUEST" in found.auto_rollback_events
    assert found.test_listener and found.deployment_config == "CodeDeployDefault.ECSAllAtOnce"
    assert cd.find_deployment_group("web-cluster", "api") is None
    with pytest.raises(ResourceNotFound):
        cd.get_deployment_group("web-app", "missing-dg")
    local_aws.client("codedeploy").create_deployment_config(
        deploymentConfigName="canary-25",
        computePlatform="ECS",
        trafficRoutingConfig={
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 25, "canaryInterval": 3},
        },
    )
    routing = cd.get_deployment_config("canary-25")
    assert (routing.type, routing.percentage, routing.interval_minutes, routing.shifting_seconds) == (
        "TimeBasedCanary",
        25,
        3,
        180.0,
    )
    with pytest.raises(ResourceNotFound):
        cd.get_deployment_config("no-such-config")


@pytest.mark.e2e
@pytest.mark.local_aws(clock="manual")
def test_deployment_target_continue_and_stop(local_aws: LocalAWS) -> None:
    world = build_world(local_aws.client, BlueGreenOptions(ready_wait_minutes=30))
    cd = CodeDeployAdapter(clients(local_aws))
    arn = world.task_definition_arn
    deployment_id = cd.create_deployment("web-app", "web-dg", appspec(arn, "web", 80), description="ecsflow: web:1")
    assert cd.get_deployment(deployment_id).status == "Created"
    assert cd.get_target(deployment_id, world.target_id) is None  # not started yet
    local_aws.advance(120)
    d = cd.get_deployment(deployment_id)
    assert d.status == "Ready" and d.appspec_content is not None and arn in d.appspec_content
    target = cd.get_target(deployment_id, world.target_id)
    assert target is not None
    assert [e.name for e in target.lifecycle_events][:2] == ["BeforeInstall", "Install"]
    assert target.event("AfterAllowTestTraffic") is not None
    green = target.task_set("Green")
    assert green is not None and green.traffic_weight == 0 and green.target_group == "web-green"
    group = cd.get_deployment_group("web-app", "web-dg")
    assert group.last_attempted == deployment_id
    with pytest.raises(AwsError) as refused:
        cd.continue_deployment(deployment_id, "TERMINATION_WAIT")
    assert refused.value.code
    assert cd.stop_deployment(deployment_id, auto_rollback=True) in ("Pending", "Succeeded")
    local_aws.advance(30)
    stopped = cd.get_deployment(deployment_id)
    assert stopped.status == "Stopped" and stopped.error_code == "MANUAL_STOP" and stopped.rollback_message


@pytest.mark.e2e
def test_succeeded_deployments_newest_first(local_aws: LocalAWS) -> None:
    world = build_world(local_aws.client, BlueGreenOptions(termination_wait_minutes=0))
    cd = CodeDeployAdapter(clients(local_aws))
    first = deploy(local_aws.client, world, image="public.ecr.aws/nginx/nginx:1.28")
    for _ in range(40):
        if cd.get_deployment(first).final:
            break
    second = deploy(local_aws.client, world, image="public.ecr.aws/nginx/nginx:1.29")
    for _ in range(40):
        if cd.get_deployment(second).final:
            break
    good = cd.succeeded_deployments("web-app", "web-dg")
    assert [d.id for d in good] == [second, first]
    assert cd.describe_service("web-cluster", "web") is not None
    assert cd.describe_service("web-cluster", "ghost") is None


def test_expired_credentials_during_a_wait_are_refreshed() -> None:
    made: list[Any] = []

    def session() -> Any:
        import boto3

        s = boto3.session.Session(region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        made.append(s)
        return s

    aws = AwsClients(AwsSettings(region="us-east-1", max_attempts=1), session_factory=session)
    first = Stubber(aws.client("codedeploy"))
    first.add_client_error(
        "get_deployment", "ExpiredTokenException", "The security token included in the request is expired"
    )
    first.activate()
    original = aws.client("codedeploy")
    real = aws.client

    def client(service: str, region: str | None = None) -> Any:
        c = real(service, region)
        if c is not original and not getattr(c, "_stubbed", False):
            s = Stubber(c)
            now = datetime(2026, 1, 1, tzinfo=UTC)
            s.add_response(
                "get_deployment",
                {"deploymentInfo": {"deploymentId": "d-ABCDEFGH1", "status": "InProgress", "createTime": now}},
            )
            s.activate()
            c._stubbed = True
        return c

    aws.client = client  # type: ignore[method-assign]
    d = CodeDeployAdapter(aws).get_deployment("d-ABCDEFGH1")
    assert d.status == "InProgress" and d.created_at > 0
    assert len(made) == 2


def test_missing_deployment_is_resource_not_found() -> None:
    aws = AwsClients(AwsSettings(region="us-east-1", max_attempts=1))
    stub = Stubber(aws.client("codedeploy"))
    stub.add_client_error("get_deployment", "DeploymentDoesNotExistException", "no such deployment")
    stub.activate()
    with pytest.raises(ResourceNotFound) as err:
        CodeDeployAdapter(aws).get_deployment("d-ABCDEFGH1")
    assert err.value.operation == "codedeploy:GetDeployment"
