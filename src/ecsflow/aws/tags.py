"""Tags on ECS resources after the fact (``ecs:TagResource``): deploy records on a reused revision."""

from __future__ import annotations

from collections.abc import Mapping

from ecsflow.aws.session import AwsClients


class EcsTagger:
    """``ecsflow.engines.env_records.RevisionTagger`` over boto3."""

    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def tag_task_definition(self, arn: str, tags: Mapping[str, str]) -> None:
        pairs = [{"key": k, "value": v} for k, v in tags.items()]
        self._aws.call("ecs", "tag_resource", resourceArn=arn, tags=pairs)
