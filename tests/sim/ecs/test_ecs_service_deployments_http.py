"""The service deployments API (List/Describe/Stop, DescribeServiceRevisions) through boto3 over HTTP."""

from __future__ import annotations

import datetime

import botocore.exceptions
import pytest
from ecs_helpers import create_service, describe, register_revision, service_deployments, steady

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def _two_deployments(aws: LocalAWS, world: World) -> None:
    create_service(aws, world, desired=2)
    steady(aws, world)
    register_revision(aws, world, "nginx:2")
    aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:2")


def test_stop_with_rollback_mid_rollout(local_aws: LocalAWS, local_world: World) -> None:
    _two_deployments(local_aws, local_world)
    ecs = local_aws.client("ecs")
    arn = describe(local_aws, local_world)["currentServiceDeployment"]
    assert ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")["serviceDeploymentArn"] == arn
    [current] = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    assert current["status"] == "ROLLBACK_IN_PROGRESS"
    assert current["rollback"]["reason"] == "Service deployment rolled back by StopServiceDeployment."
    steady(local_aws, local_world)
    [done] = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    assert done["status"] == "ROLLBACK_SUCCESSFUL" and "finishedAt" in done
    assert describe(local_aws, local_world)["taskDefinition"] == local_world.task_definition_arn
    with pytest.raises(botocore.exceptions.ClientError) as conflict:
        ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    assert conflict.value.response["Error"]["Code"] == "ConflictException"


def test_stop_with_abort_freezes_the_rollout(local_aws: LocalAWS, local_world: World) -> None:
    _two_deployments(local_aws, local_world)
    ecs = local_aws.client("ecs")
    arn = describe(local_aws, local_world)["currentServiceDeployment"]
    ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ABORT")
    service = describe(local_aws, local_world)
    [stopped] = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    assert stopped["status"] == "STOPPED" and "stoppedAt" in stopped
    assert [d["rolloutState"] for d in service["deployments"]] == ["FAILED", "COMPLETED"]


def test_stop_unknown_deployment(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        local_aws.client("ecs").stop_service_deployment(
            serviceDeploymentArn="arn:aws:ecs:us-east-1:123456789012:service-deployment/demo/web/nope"
        )
    assert missing.value.response["Error"]["Code"] == "ServiceDeploymentNotFoundException"


@pytest.mark.local_aws(clock="manual")
def test_list_filters_and_pages(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    ecs = local_aws.client("ecs")
    for _ in range(3):
        local_aws.advance(60)
        ecs.update_service(cluster="demo", service="web", forceNewDeployment=True)
    everything = ecs.list_service_deployments(cluster="demo", service="web")["serviceDeployments"]
    assert [d["status"] for d in everything] == ["IN_PROGRESS", "SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]
    assert everything[0]["createdAt"] > everything[-1]["createdAt"], "newest first"
    first = ecs.list_service_deployments(cluster="demo", service="web", maxResults=3)
    assert len(first["serviceDeployments"]) == 3 and "nextToken" in first
    rest = ecs.list_service_deployments(cluster="demo", service="web", maxResults=3, nextToken=first["nextToken"])
    assert "nextToken" not in rest
    arns = [d["serviceDeploymentArn"] for d in first["serviceDeployments"] + rest["serviceDeployments"]]
    assert arns == [d["serviceDeploymentArn"] for d in everything]
    pages, token = [], None
    while True:
        page = ecs.list_service_deployments(
            cluster="demo", service="web", maxResults=1, **({"nextToken": token} if token else {})
        )
        pages.append(len(page["serviceDeployments"]))
        token = page.get("nextToken")
        if not token:
            break
    assert pages == [1, 1, 1, 1]
    running = ecs.list_service_deployments(cluster="demo", service="web", status=["IN_PROGRESS"])
    assert [d["serviceDeploymentArn"] for d in running["serviceDeployments"]] == arns[:1]
    after = everything[1]["createdAt"] + datetime.timedelta(seconds=1)
    recent = ecs.list_service_deployments(cluster="demo", service="web", createdAt={"after": after})
    assert [d["serviceDeploymentArn"] for d in recent["serviceDeployments"]] == arns[:1]
    older = ecs.list_service_deployments(cluster="demo", service="web", createdAt={"before": after})
    assert len(older["serviceDeployments"]) == 3


@pytest.mark.local_aws(clock="manual")
def test_describe_service_deployments_details_and_failures(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=2)
    local_aws.advance(60)
    register_revision(local_aws, local_world, "nginx:2")
    ecs = local_aws.client("ecs")
    ecs.update_service(cluster="demo", service="web", taskDefinition="web:2")
    current = describe(local_aws, local_world)["currentServiceDeployment"]
    missing = "arn:aws:ecs:us-east-1:123456789012:service-deployment/demo/web/gone"
    result = ecs.describe_service_deployments(serviceDeploymentArns=[current, missing])
    assert result["failures"] == [{"arn": missing, "reason": "MISSING"}]
    [deployment] = result["serviceDeployments"]
    assert deployment["status"] == "IN_PROGRESS"
    assert deployment["deploymentCircuitBreaker"] == {"status": "DISABLED", "failureCount": 0, "threshold": 3}
    target = deployment["targetServiceRevision"]
    [source] = deployment["sourceServiceRevisions"]
    assert target["requestedProductionTrafficWeight"] == 100.0 and source["requestedProductionTrafficWeight"] == 0.0
    assert (source["runningTaskCount"], target["pendingTaskCount"], target["requestedTaskCount"]) == (2, 2, 2)
    assert deployment["deploymentConfiguration"]["strategy"] == "ROLLING"
    with pytest.raises(botocore.exceptions.ClientError) as too_many:
        ecs.describe_service_deployments(serviceDeploymentArns=[current] * 21)
    assert too_many.value.response["Error"]["Code"] == "InvalidParameterException"
    revisions = ecs.describe_service_revisions(serviceRevisionArns=[target["arn"], source["arn"]])
    assert [r["taskDefinition"] for r in revisions["serviceRevisions"]] == [
        local_world.task_definition_arn.rsplit(":", 1)[0] + ":2",
        local_world.task_definition_arn,
    ]
    assert revisions["serviceRevisions"][0]["containerImages"] == [{"containerName": "web", "image": "nginx:2"}]
    assert describe(local_aws, local_world)["currentServiceRevisions"][0]["arn"] == target["arn"]


def test_same_seed_gives_identical_responses(local_aws: LocalAWS) -> None:
    from ecsflow.sim.world import create_world

    def run() -> str:
        local_aws.reset(7)
        world = create_world(local_aws.client)
        _two_deployments(local_aws, world)
        steady(local_aws, world)
        service = describe(local_aws, world)
        return repr((service, service_deployments(local_aws, world)))

    assert run() == run()
