"""Call counting: logical calls vs HTTP attempts, for SDK clients and for clients without SDK headers."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.config import Config

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.calls import CallCounter
from ecsflow.sim.protocol import RequestInfo


def _info(invocation_id: str | None, attempt: int | None) -> RequestInfo:
    return RequestInfo("ecs", "DescribeServices", "json", "us-east-1", invocation_id, attempt)


def test_counter_rules() -> None:
    counter = CallCounter()
    counter.record(_info("a", 1))
    counter.record(_info("a", 2))  # retry of call "a"
    counter.record(_info("b", None))
    counter.record(_info(None, 1))  # attempt header only
    counter.record(_info(None, 2))
    counter.record(_info(None, None))  # neither header: every request is a call
    counter.record(_info(None, None))
    counts = counter.snapshot()
    assert counts["operations"]["ecs:DescribeServices"] == {"calls": 5, "attempts": 7, "errors": 0}
    assert counts["total"] == {"calls": 5, "attempts": 7, "errors": 0}


@pytest.mark.usefixtures("no_backoff")
def test_sdk_retries_are_attempts_not_calls(local_aws: LocalAWS) -> None:
    local_aws.set_scenario({"faults": {"ecs:DescribeClusters": {"throttle_every": 2}}})
    ecs = local_aws.client("ecs", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    for _ in range(4):
        ecs.describe_clusters(clusters=["demo"])
    ecs.list_clusters()
    # attempts 1 ok, 2 throttled, 3 ok, 4 throttled, 5 ok, 6 throttled, 7 ok: 4 calls, 7 attempts
    operations = local_aws.calls()["operations"]
    assert operations["ecs:DescribeClusters"] == {"calls": 4, "attempts": 7, "errors": 3}
    assert operations["ecs:ListClusters"] == {"calls": 1, "attempts": 1, "errors": 0}


def test_every_protocol_is_named_by_signing_name(local_aws: LocalAWS) -> None:
    local_aws.client("elbv2").describe_load_balancers()
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="a/b.zip", Body=b"zip")
    s3.list_objects_v2(Bucket="artifacts")
    local_aws.client("logs").describe_log_groups()
    local_aws.client("cloudwatch").describe_alarms()
    local_aws.client("sts").get_caller_identity()
    assert set(local_aws.calls()["operations"]) == {
        "elasticloadbalancing:DescribeLoadBalancers",
        "s3:CreateBucket",
        "s3:PutObject",
        "s3:ListObjectsV2",
        "logs:DescribeLogGroups",
        "monitoring:DescribeAlarms",
        "sts:GetCallerIdentity",
    }


def test_errors_are_counted(local_aws: LocalAWS) -> None:
    ecs = local_aws.client("ecs")
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.describe_services(cluster="missing", services=["web"])
    assert local_aws.calls()["operations"]["ecs:DescribeServices"] == {"calls": 1, "attempts": 1, "errors": 1}


def test_a_client_without_sdk_headers_counts_each_request(local_aws: LocalAWS) -> None:
    # What curl or a hand-written client sends: a signed-looking request, no amz-sdk-* headers.
    headers = {
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecs/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    for _ in range(2):
        request = urllib.request.Request(local_aws.endpoint_url + "/", data=b"{}", headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert json.loads(resp.read())["clusterArns"] == []
    assert local_aws.calls()["operations"]["ecs:ListClusters"] == {"calls": 2, "attempts": 2, "errors": 0}


def test_in_process_clients_are_counted_like_http(local_aws: LocalAWS) -> None:
    local_aws.client("ecs", inprocess=True).list_clusters()
    local_aws.client("ecs").list_clusters()
    assert local_aws.calls()["operations"]["ecs:ListClusters"] == {"calls": 2, "attempts": 2, "errors": 0}


def test_reset_calls_keeps_resources(local_aws: LocalAWS) -> None:
    ecs = local_aws.client("ecs")
    ecs.create_cluster(clusterName="kept")
    local_aws.reset_calls()
    assert local_aws.calls() == {"operations": {}, "total": {"calls": 0, "attempts": 0, "errors": 0}}
    assert len(ecs.list_clusters()["clusterArns"]) == 1


def test_remembered_invocation_ids_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecsflow.sim import calls

    monkeypatch.setattr(calls, "SEEN_IDS", 2)
    counter = CallCounter()
    for invocation in ("a", "b", "c", "c"):
        counter.record(_info(invocation, 1))
    counter.record(_info("a", 2))  # "a" was forgotten: counted as a new call
    assert counter.snapshot()["operations"]["ecs:DescribeServices"] == {"calls": 4, "attempts": 5, "errors": 0}


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("inprocess", [False, True], ids=["http", "in-process"])
def test_an_operation_moto_lacks_is_a_retried_500_in_both_modes(local_aws: LocalAWS, inprocess: bool) -> None:
    from botocore.exceptions import ClientError

    cp = local_aws.client("codepipeline", inprocess=inprocess, config=Config(retries={"mode": "standard"}))
    with pytest.raises(ClientError) as caught:
        cp.get_pipeline_state(name="release")  # not implemented by moto 5.2.5 (contract test)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert local_aws.calls()["operations"]["codepipeline:GetPipelineState"] == {"calls": 1, "attempts": 3, "errors": 3}
