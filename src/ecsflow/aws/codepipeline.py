"""CodePipeline job results and input artifacts, for the Invoke action handler.

``CodePipelineJobs`` reports a job's outcome (``PutJobSuccessResult`` with an optional
``continuationToken``, ``PutJobFailureResult``); ``read_input_artifact`` fetches an input
artifact from the pipeline's S3 artifact store with the job's temporary
``artifactCredentials`` and unzips it in memory (CodePipeline stores every artifact as a
zip; AWS-SEMANTICS.md §1.1).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

import boto3

from ecsflow.aws.session import AwsClients, AwsSettings
from ecsflow.errors import ArtifactError, Problem

# API limits (botocore codepipeline model): FailureDetails.message 1-5000,
# ExecutionDetails.summary 1-2048, ContinuationToken 1-2048, externalExecutionId 1-1500.
MESSAGE_MAX = 5000
SUMMARY_MAX = 2048
TOKEN_MAX = 2048
EXTERNAL_ID_MAX = 1500
ARTIFACT_MAX_BYTES = 50 * 1024 * 1024  # more than any deploy input needs; refuse instead of filling memory


class CodePipelineJobs:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def succeed(
        self,
        job_id: str,
        *,
        summary: str | None = None,
        external_id: str | None = None,
        continuation_token: str | None = None,
        percent: int | None = None,
        output_variables: Mapping[str, str] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"jobId": job_id}
        details: dict[str, Any] = {}
        if summary:
            details["summary"] = summary[:SUMMARY_MAX]
        if external_id:
            details["externalExecutionId"] = external_id[:EXTERNAL_ID_MAX]
        if percent is not None:
            details["percentComplete"] = max(0, min(100, percent))
        if details:
            kwargs["executionDetails"] = details
        if continuation_token is not None:
            kwargs["continuationToken"] = continuation_token
        elif output_variables:
            # AWS accepts output variables only on a final result (no continuation token).
            kwargs["outputVariables"] = dict(output_variables)
        self._aws.call("codepipeline", "put_job_success_result", **kwargs)

    def fail(self, job_id: str, message: str, *, kind: str = "JobFailed", external_id: str | None = None) -> None:
        details: dict[str, Any] = {"type": kind, "message": message[:MESSAGE_MAX] or kind}
        if external_id:
            details["externalExecutionId"] = external_id[:EXTERNAL_ID_MAX]
        self._aws.call("codepipeline", "put_job_failure_result", jobId=job_id, failureDetails=details)


def artifact_clients(settings: AwsSettings, credentials: Mapping[str, Any] | None) -> AwsClients:
    """Clients that use the job's temporary artifact credentials, when it gives some."""
    if not credentials or not credentials.get("accessKeyId"):
        return AwsClients(settings)

    def session() -> Any:
        return boto3.session.Session(
            aws_access_key_id=str(credentials["accessKeyId"]),
            aws_secret_access_key=str(credentials.get("secretAccessKey", "")),
            aws_session_token=str(credentials.get("sessionToken", "")) or None,
            region_name=settings.region,
        )

    return AwsClients(settings, session_factory=session)


def read_input_artifact(clients: AwsClients, name: str, location: Mapping[str, Any]) -> dict[str, bytes]:
    """The files of one input artifact (path -> bytes), from its S3 zip."""
    s3 = location.get("s3Location") or {}
    bucket, key = s3.get("bucketName"), s3.get("objectKey")
    if location.get("type", "S3") != "S3" or not bucket or not key:
        raise ArtifactError(
            f"input artifact {name!r} has no S3 location",
            [Problem("expected location.type S3 with s3Location.bucketName and objectKey", "location", name)],
        )
    response = clients.call("s3", "get_object", Bucket=bucket, Key=key)
    body = response["Body"]
    data = body.read(ARTIFACT_MAX_BYTES + 1)
    if len(data) > ARTIFACT_MAX_BYTES:
        raise ArtifactError(f"input artifact {name!r} is larger than {ARTIFACT_MAX_BYTES // 1024 // 1024} MB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir() and info.file_size <= ARTIFACT_MAX_BYTES
            }
    except zipfile.BadZipFile as exc:
        raise ArtifactError(
            f"input artifact {name!r} (s3://{bucket}/{key}) is not a zip file",
            hint="CodePipeline stores artifacts as zip files; check the action that produced it",
        ) from exc
