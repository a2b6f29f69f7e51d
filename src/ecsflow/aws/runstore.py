"""JSON objects in S3: what the team run store (``defaults.run_store: s3://bucket/prefix``) is made of.

The store's logic (key layout, records) is ``ecsflow.pipeline.store.ObjectRunStore``; this adapter
only puts, gets and lists JSON objects. Objects are written whole (PutObject), so a reader never
sees half a record; listing goes through botocore's ListObjectsV2 paginator.
"""

from __future__ import annotations

import json
from typing import Any

from ecsflow.aws.session import AwsClients
from ecsflow.errors import AwsError, ResourceNotFound

_MISSING_KEY = {"NoSuchKey", "404"}
_MISSING_BUCKET = {"NoSuchBucket"}


def split_location(location: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (bucket, ``some/prefix/``); the prefix may be empty."""
    rest = location.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


class S3JsonObjects:
    """JSON documents (``put``/``get``/``keys``) and files (``put_bytes``/``get_bytes``) under ``s3://bucket/prefix/``."""

    def __init__(self, clients: AwsClients, location: str) -> None:
        self._aws = clients
        self.location = location
        self.bucket, self.prefix = split_location(location)

    def put(self, key: str, document: dict[str, Any]) -> None:
        body = json.dumps(document, sort_keys=True).encode("utf-8")
        self._aws.call(
            "s3", "put_object", Bucket=self.bucket, Key=self.prefix + key, Body=body, ContentType="application/json"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            response: dict[str, Any] = self._aws.call("s3", "get_object", Bucket=self.bucket, Key=self.prefix + key)
        except AwsError as exc:
            if exc.code in _MISSING_KEY:
                return None
            raise
        document: dict[str, Any] = json.loads(response["Body"].read())
        return document

    def put_bytes(self, key: str, data: bytes) -> None:
        self._aws.call("s3", "put_object", Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def get_bytes(self, key: str) -> bytes | None:
        try:
            response: dict[str, Any] = self._aws.call("s3", "get_object", Bucket=self.bucket, Key=self.prefix + key)
        except AwsError as exc:
            if exc.code in _MISSING_KEY:
                return None
            raise
        data: bytes = response["Body"].read()
        return data

    def keys(self, folder: str) -> list[str]:
        """Keys under ``folder`` (relative to the prefix), in S3's (lexicographic) order."""
        out: list[str] = []
        try:
            pages = self._aws.paginate("s3", "list_objects_v2", Bucket=self.bucket, Prefix=self.prefix + folder)
            for page in pages:
                out += [str(obj["Key"])[len(self.prefix) :] for obj in page.get("Contents") or ()]
        except AwsError as exc:
            if exc.code not in _MISSING_BUCKET and not isinstance(exc, ResourceNotFound):
                raise
            raise ResourceNotFound(
                f"the run store {self.location} cannot be read: {exc.message}",
                operation="s3:ListObjectsV2",
                hint="create the bucket, or fix defaults.run_store in ecsflow.yml",
            ) from exc
        return out
