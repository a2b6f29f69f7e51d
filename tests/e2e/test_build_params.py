"""The Parameter Store and Secrets Manager adapters against the local AWS, through boto3."""

from __future__ import annotations

import base64

import pytest

from ecsflow.aws.params import SecretsAdapter, SsmAdapter
from ecsflow.aws.session import AwsClients, AwsSettings
from ecsflow.errors import ResourceNotFound
from ecsflow.sim.api import LocalAWS

pytestmark = pytest.mark.e2e


def _clients(aws: LocalAWS) -> AwsClients:
    return AwsClients(AwsSettings(region="us-east-1", endpoint_url=aws.endpoint_url, max_attempts=2))


def test_ssm_batches_of_ten_decrypted_and_missing_names(local_aws: LocalAWS) -> None:
    ssm = local_aws.client("ssm")
    for i in range(12):
        ssm.put_parameter(Name=f"/app/p{i}", Value=f"v{i}", Type="SecureString" if i % 2 else "String")
    names = [f"/app/p{i}" for i in range(12)] + ["/app/missing", "/app/p0"]
    local_aws.reset_calls()
    values, missing = SsmAdapter(_clients(local_aws)).get_parameters(names)
    assert values == {f"/app/p{i}": f"v{i}" for i in range(12)}  # SecureString values come back decrypted
    assert missing == ["/app/missing"]
    # 13 distinct names: two GetParameters calls (at most 10 names each)
    operations = local_aws.calls()["operations"]
    assert operations["ssm:GetParameters"]["calls"] == 2


def test_secret_string_binary_and_version_stage(local_aws: LocalAWS) -> None:
    sm = local_aws.client("secretsmanager")
    sm.create_secret(Name="app/text", SecretString="first")
    sm.put_secret_value(SecretId="app/text", SecretString="second")
    sm.create_secret(Name="app/binary", SecretBinary=base64.b64decode(base64.b64encode(b"bin-value")))
    adapter = SecretsAdapter(_clients(local_aws))
    assert adapter.get_secret_value("app/text") == "second"
    assert adapter.get_secret_value("app/text", version_stage="AWSPREVIOUS") == "first"
    assert adapter.get_secret_value("app/binary") == "bin-value"
    with pytest.raises(ResourceNotFound):
        adapter.get_secret_value("app/nope")
