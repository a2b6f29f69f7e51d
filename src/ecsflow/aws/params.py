"""Parameter Store and Secrets Manager adapters (``SsmPort``, ``SecretsPort``) for the buildspec runner."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from ecsflow.aws.session import AwsClients

# GetParameters takes at most 10 names per call (SSM API model: Names max 10).
_SSM_BATCH = 10


class SsmAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def get_parameters(self, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        values: dict[str, str] = {}
        missing: list[str] = []
        unique = list(dict.fromkeys(names))
        for start in range(0, len(unique), _SSM_BATCH):
            batch = unique[start : start + _SSM_BATCH]
            # CodeBuild decrypts SecureString parameters for the build (WithDecryption).
            response = self._aws.call("ssm", "get_parameters", Names=batch, WithDecryption=True)
            for param in response.get("Parameters") or ():
                values[str(param["Name"])] = str(param.get("Value", ""))
                # A name asked with a version or label selector comes back under Selector too.
                if param.get("Selector"):
                    values[f"{param['Name']}{param['Selector']}"] = str(param.get("Value", ""))
            missing.extend(str(n) for n in response.get("InvalidParameters") or ())
        return values, missing


class SecretsAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def get_secret_value(
        self, secret_id: str, *, version_stage: str | None = None, version_id: str | None = None
    ) -> str:
        kwargs: dict[str, str] = {"SecretId": secret_id}
        if version_stage:
            kwargs["VersionStage"] = version_stage
        if version_id:
            kwargs["VersionId"] = version_id
        response = self._aws.call("secretsmanager", "get_secret_value", **kwargs)
        if "SecretString" in response and response["SecretString"] is not None:
            return str(response["SecretString"])
        binary = response.get("SecretBinary") or b""
        raw = binary if isinstance(binary, bytes) else base64.b64decode(binary)
        return raw.decode("utf-8", errors="replace")
