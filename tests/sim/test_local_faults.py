"""API faults through real clients: throttling, token bucket, dropped connections, expired credentials."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from ecsflow.sim.api import LocalAWS

STANDARD = Config(retries={"mode": "standard", "max_attempts": 3})
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.mark.usefixtures("no_backoff")
def test_throttling_every_nth_call_is_retried_transparently(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:ListClusters": {"throttle_every": 2}}})
    ecs = local_aws.client("ecs", config=STANDARD)
    for _ in range(3):
        response = ecs.list_clusters()
        assert response["clusterArns"] == []
    # attempts: 1 ok, 2 throttled, 3 ok (retry), 4 throttled, 5 ok (retry)
    assert local_aws.calls()["operations"]["ecs:ListClusters"] == {"calls": 3, "attempts": 5, "errors": 2}


def test_throttling_surfaces_without_retries(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:*": {"throttle_every": 1}}})
    ecs = local_aws.client("ecs", config=NO_RETRY)
    with pytest.raises(ClientError) as caught:
        ecs.list_clusters()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # other services are not matched by "ecs:*"
    assert local_aws.client("ecr", config=NO_RETRY).describe_repositories()["repositories"] == []


def test_query_protocol_gets_throttling_code(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"elasticloadbalancing:DescribeLoadBalancers": {"throttle_every": 1}}})
    elb = local_aws.client("elbv2", config=NO_RETRY)
    with pytest.raises(ClientError) as caught:
        elb.describe_load_balancers()
    assert caught.value.response["Error"]["Code"] == "Throttling"


def test_token_bucket_refills_on_simulated_time(local_aws: LocalAWS) -> None:
    local_aws.reset(clock="manual", scenario={"faults": {"ecs:ListClusters": {"rate": 1, "burst": 2}}})
    ecs = local_aws.client("ecs", config=NO_RETRY)
    ecs.list_clusters()
    ecs.list_clusters()
    with pytest.raises(ClientError) as caught:
        ecs.list_clusters()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    local_aws.advance(1)  # one token back
    ecs.list_clusters()
    with pytest.raises(ClientError):
        ecs.list_clusters()
    counts = local_aws.calls()["operations"]["ecs:ListClusters"]
    assert counts == {"calls": 5, "attempts": 5, "errors": 2}


@pytest.mark.usefixtures("no_backoff")
def test_dropped_connection_is_retried_by_botocore(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:ListClusters": {"drop_attempts": [1]}}})
    ecs = local_aws.client("ecs", config=STANDARD)
    assert ecs.list_clusters()["clusterArns"] == []
    assert local_aws.calls()["operations"]["ecs:ListClusters"] == {"calls": 1, "attempts": 2, "errors": 1}


def test_dropped_connection_without_retries_is_a_connection_error(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:ListClusters": {"drop_every": 1}}})
    with pytest.raises(ConnectionClosedError):
        local_aws.client("ecs", config=NO_RETRY).list_clusters()


@pytest.mark.usefixtures("no_backoff")
def test_dropped_connection_in_process_matches_http(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:ListClusters": {"drop_attempts": [1]}}})
    ecs = local_aws.client("ecs", config=STANDARD, inprocess=True)
    assert ecs.list_clusters()["clusterArns"] == []
    assert local_aws.calls()["operations"]["ecs:ListClusters"] == {"calls": 1, "attempts": 2, "errors": 1}


@pytest.mark.usefixtures("no_backoff")
def test_expired_credentials_surface(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:*": {"expired_every": 1}, "elasticloadbalancing:*": {"expired_every": 1}}})
    with pytest.raises(ClientError) as ecs_error:
        local_aws.client("ecs", config=STANDARD).list_clusters()
    assert ecs_error.value.response["Error"]["Code"] == "ExpiredTokenException"
    with pytest.raises(ClientError) as elb_error:
        local_aws.client("elbv2", config=STANDARD).describe_load_balancers()
    assert elb_error.value.response["Error"]["Code"] == "ExpiredToken"
    # botocore does not retry an expired token: one attempt each
    operations = local_aws.calls()["operations"]
    assert operations["ecs:ListClusters"]["attempts"] == 1


def test_credentials_expire_at_a_simulated_time(local_aws: LocalAWS) -> None:
    local_aws.reset(clock="manual", scenario={"faults": {"*": {"expired_from": 1_767_225_600 + 60}}})
    ecs = local_aws.client("ecs", config=NO_RETRY)
    ecs.list_clusters()
    local_aws.advance(60)
    with pytest.raises(ClientError) as caught:
        ecs.list_clusters()
    assert caught.value.response["Error"]["Code"] == "ExpiredTokenException"


def test_scenario_can_be_replaced_and_cleared(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:*": {"throttle_every": 1}}})
    local_aws.set_scenario({})
    assert local_aws.client("ecs", config=NO_RETRY).list_clusters()["clusterArns"] == []
