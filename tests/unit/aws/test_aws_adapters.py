"""AWS adapters: error translation (botocore Stubber for the odd cases) and parsing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import exceptions as bx
from botocore.stub import Stubber

from ecsflow.aws import AwsClients, AwsSettings, EcrAdapter, EcsAdapter
from ecsflow.aws.errors import translate
from ecsflow.errors import AwsAccessError, AwsConnectionError, AwsError, ResourceNotFound, ThrottledError, UsageError


def client_error(code: str, message: str = "nope") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, "DescribeServices")


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (client_error("ThrottlingException"), ThrottledError),
        (client_error("ExpiredTokenException"), AwsAccessError),
        (client_error("AccessDeniedException"), AwsAccessError),
        (client_error("ClusterNotFoundException"), ResourceNotFound),
        (client_error("RepositoryNotFoundException"), ResourceNotFound),
        (client_error("InvalidParameterException"), AwsError),
        (bx.NoCredentialsError(), AwsAccessError),
        (bx.EndpointConnectionError(endpoint_url="http://x"), AwsConnectionError),
        (bx.NoRegionError(), UsageError),
    ],
)
def test_translation(exc: Exception, kind: type) -> None:
    err = translate(exc, "ecs:DescribeServices")
    assert type(err) is kind
    assert "ecs:DescribeServices" in err.message
    assert err.hint


def stubbed(service: str) -> tuple[AwsClients, Stubber]:
    clients = AwsClients(AwsSettings(region="us-east-1", max_attempts=1))
    stub = Stubber(clients.client(service))
    stub.activate()
    return clients, stub


def test_throttling_after_retries_becomes_throttled_error() -> None:
    clients, stub = stubbed("ecs")
    stub.add_client_error("describe_services", "ThrottlingException", "Rate exceeded")
    with pytest.raises(ThrottledError) as err:
        EcsAdapter(clients).describe_services("c", ["api"])
    assert err.value.code == "ThrottlingException"
    assert isinstance(err.value.__cause__, bx.ClientError)


def test_expired_token_refreshes_the_session_and_retries_once() -> None:
    made: list[Any] = []

    def session() -> Any:
        import boto3

        s = boto3.session.Session(region_name="us-east-1")
        made.append(s)
        return s

    clients = AwsClients(AwsSettings(region="us-east-1", max_attempts=1), session_factory=session)
    first = Stubber(clients.client("ecs"))
    first.add_client_error("list_clusters", "ExpiredTokenException", "expired")
    first.activate()
    original = clients.client("ecs")
    # The retry builds a new client from a new session; stub that one too.
    real_client = clients.client

    def client(service: str, region: str | None = None) -> Any:
        c = real_client(service, region)
        if c is not original and not getattr(c, "_stubbed", False):
            s = Stubber(c)
            s.add_response("list_clusters", {"clusterArns": ["arn:c"]})
            s.activate()
            c._stubbed = True
        return c

    clients.client = client  # type: ignore[method-assign]
    assert clients.call("ecs", "list_clusters")["clusterArns"] == ["arn:c"]
    assert len(made) == 2


def test_describe_services_batches_ten_per_call_and_parses() -> None:
    clients, stub = stubbed("ecs")
    names = [f"s{i}" for i in range(12)]
    for batch in (names[:10], names[10:]):
        services = [
            {
                "serviceName": n,
                "serviceArn": f"arn:aws:ecs:us-east-1:1:service/c/{n}",
                "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/c",
                "status": "ACTIVE",
                "taskDefinition": "arn:td/app:1",
                "desiredCount": 2,
                "runningCount": 2,
                "pendingCount": 0,
                "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
                "deployments": [
                    {
                        "id": "ecs-svc/1",
                        "status": "PRIMARY",
                        "taskDefinition": "arn:td/app:1",
                        "rolloutState": "COMPLETED",
                    }
                ],
            }
            for n in batch
        ]
        stub.add_response("describe_services", {"services": services}, {"cluster": "c", "services": batch})
    found = EcsAdapter(clients).describe_services("c", names)
    assert sorted(found) == sorted(names)
    assert found["s0"].circuit_breaker_rollback and found["s0"].primary is not None
    stub.assert_no_pending_responses()


def test_ecr_missing_tag_is_none_not_an_error() -> None:
    clients, stub = stubbed("ecr")
    stub.add_response(
        "batch_get_image",
        {
            "images": [{"imageId": {"imageTag": "v1", "imageDigest": "sha256:" + "a" * 64}, "imageManifest": "{}"}],
            "failures": [{"imageId": {"imageTag": "v9"}, "failureCode": "ImageNotFound", "failureReason": "not found"}],
        },
    )
    assert EcrAdapter(clients).resolve_tags("app", ["v1", "v9"]) == {"v1": "sha256:" + "a" * 64, "v9": None}


def test_missing_region_is_a_usage_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(UsageError) as err:
        EcsAdapter(AwsClients(AwsSettings())).describe_services("c", ["api"])
    assert "--region" in (err.value.hint or "")
