"""Adapters to AWS: the only package that imports boto3/botocore.

``AwsClients`` builds clients with botocore's retry modes and translates every AWS
error once into ``ecsflow.errors``; ``EcsAdapter``, ``EcrAdapter``, ``LogsAdapter`` and
``ElbAdapter`` implement the ports of ``ecsflow.ports``.
"""

from ecsflow.aws.ecr import EcrAdapter
from ecsflow.aws.ecs import EcsAdapter
from ecsflow.aws.logs import ElbAdapter, LogsAdapter
from ecsflow.aws.session import AwsClients, AwsSettings

__all__ = ["AwsClients", "AwsSettings", "EcrAdapter", "EcsAdapter", "ElbAdapter", "LogsAdapter"]
