"""The boto3 adapters over real HTTP against the local AWS."""

from __future__ import annotations

import pytest

from ecsflow.aws import AwsClients, AwsSettings, EcrAdapter, EcsAdapter, LogsAdapter
from ecsflow.errors import ResourceNotFound
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.ecr import push_image
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


def clients(aws: LocalAWS) -> AwsClients:
    return AwsClients(AwsSettings(region="us-east-1", endpoint_url=aws.endpoint_url))


def test_task_definitions_round_trip_with_tags(local_aws: LocalAWS, local_world: World) -> None:
    ecs = EcsAdapter(clients(local_aws))
    first = ecs.describe_task_definition("web")
    assert first.arn == local_world.task_definition_arn
    assert "revision" not in first.body and "taskDefinitionArn" not in first.body  # register shape only
    second = ecs.register_task_definition(first.body, {"ecsflow:commit": "abc"})
    assert second.revision == first.revision + 1
    assert ecs.describe_task_definition(second.arn).tags == {"ecsflow:commit": "abc"}
    assert ecs.list_task_definitions("web") == [second.arn, first.arn]
    assert ecs.list_task_definitions("web", limit=1) == [second.arn]
    with pytest.raises(ResourceNotFound):
        ecs.describe_task_definition("web:99")


def test_ecr_resolves_tags_and_reports_missing_ones(local_aws: LocalAWS, local_world: World) -> None:
    digest = push_image(local_aws.client("ecr"), "web", "v2")
    found = EcrAdapter(clients(local_aws)).resolve_tags("web", ["v1", "v2", "nope"], registry_id="123456789012")
    assert found["v1"] == local_world.image_digest and found["v2"] == digest and found["nope"] is None
    with pytest.raises(ResourceNotFound):
        EcrAdapter(clients(local_aws)).resolve_tags("no-such-repo", ["v1"])


def test_missing_log_stream_is_empty(local_aws: LocalAWS, local_world: World) -> None:
    assert LogsAdapter(clients(local_aws)).tail(local_world.log_group, "web/web/none", 10) == []


def test_missing_service_is_absent_not_an_error(local_aws: LocalAWS, local_world: World) -> None:
    assert EcsAdapter(clients(local_aws)).describe_services("demo", ["ghost"]) == {}
