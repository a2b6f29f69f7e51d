"""CloudFormation resource types the local AWS adds to moto 5.2.5.

moto's CloudFormation has no ``AWS::CodePipeline::Pipeline``, ``AWS::CodeBuild::Project``
or ``AWS::S3::BucketPolicy`` (pinned by ``tests/sim/test_cfn_types_contract.py``): it skips
them with a warning and then fails on any ``Ref``/``Fn::GetAtt`` to them. Here each one
creates the real resource in moto's own backend, so ``GetPipeline``, ``BatchGetProjects``
and ``GetBucketPolicy`` see it, and deleting the stack deletes it.

* ``AWS::CodePipeline::Pipeline``: ``CreatePipeline`` from the properties. ``Ref`` is the
  pipeline's name (documented); ``Fn::GetAtt Version`` is the pipeline's version.
* ``AWS::CodeBuild::Project``: ``CreateProject``. ``Ref`` is the name, ``Fn::GetAtt Arn``
  the ARN (documented).
* ``AWS::S3::BucketPolicy``: ``PutBucketPolicy`` on ``Bucket``; deleting the resource
  deletes the policy. ``Ref`` is the bucket's name (*assumed*: AWS documents none).

Conversion to the API's shape follows the CloudFormation resource reference's property
names: each PascalCase property becomes the API's lowerCamelCase member (``RoleArn`` →
``roleArn``, ``ActionTypeId`` → ``actionTypeId``, ``S3Logs`` → ``s3Logs``). The exceptions
are spelled out below: an action's ``Configuration`` is kept verbatim (its keys are the
provider's), ``ArtifactStores`` (a list of ``Region`` + ``ArtifactStore``) becomes the API's
map by region, a project's ``Source.BuildSpec`` is the API's ``buildspec`` and its
``TimeoutInMinutes`` the backend's timeout, and ``Tags`` (``Key``/``Value``) the API's
``key``/``value`` list. These rules are *assumed* from the two references, not checked
against AWS. Properties that are not listed are ignored (``RestartExecutionOnUpdate``,
``DisableInboundStageTransitions``, a project's ``Triggers`` or ``BadgeEnabled``, …):
validating CloudFormation is not what this layer proves. An update replaces the resource
(delete, then create) rather than changing it in place (*assumed*, enough for moto's
synchronous stacks). What moto's CreatePipeline checks still applies: the role must
trust ``codepipeline.amazonaws.com`` and there must be at least two stages. A refusal
fails ``CreateStack`` with a ``ValidationError`` naming the resource (*assumed*: AWS
accepts the call and rolls the stack back; moto's stacks have no failed state).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError, ServiceException

from ecsflow.sim.context import SimContext

PIPELINE_PROPERTIES = {
    "Name": "name",
    "RoleArn": "roleArn",
    "ArtifactStore": "artifactStore",
    "Stages": "stages",
    "PipelineType": "pipelineType",
    "ExecutionMode": "executionMode",
    "Variables": "variables",
    "Triggers": "triggers",
}
PROJECT_PROPERTIES = {
    "Description": "description",
    "Source": "project_source",
    "Artifacts": "artifacts",
    "Environment": "environment",
    "ServiceRole": "service_role",
    "Cache": "cache",
    "TimeoutInMinutes": "timeout",
    "QueuedTimeoutInMinutes": "queued_timeout",
    "SourceVersion": "source_version",
    "LogsConfig": "logs_config",
    "VpcConfig": "vpc_config",
}
VERBATIM = {"Configuration"}  # a pipeline action's provider configuration


def api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase members as the API's lowerCamelCase, recursively."""
    if isinstance(value, dict):
        return {
            key[:1].lower() + key[1:]: (item if key in VERBATIM else api_shape(item)) for key, item in value.items()
        }
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    return value


def _tags(properties: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags") or []]


def pipeline_request(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The ``pipeline`` member of a CreatePipeline request for these properties."""
    pipeline: dict[str, Any] = {
        api: api_shape(properties[cfn]) for cfn, api in PIPELINE_PROPERTIES.items() if cfn in properties
    }
    pipeline["name"] = name
    if "ArtifactStores" in properties:
        pipeline["artifactStores"] = {s["Region"]: api_shape(s["ArtifactStore"]) for s in properties["ArtifactStores"]}
    return pipeline


def project_request(properties: dict[str, Any]) -> dict[str, Any]:
    """moto's ``create_project`` keyword arguments (less the name) for these properties."""
    request: dict[str, Any] = dict.fromkeys(PROJECT_PROPERTIES.values())
    for cfn, arg in PROJECT_PROPERTIES.items():
        if cfn in properties:
            request[arg] = api_shape(properties[cfn])
    source = request["project_source"] or {}
    if "buildSpec" in source:
        source["buildspec"] = source.pop("buildSpec")
    request["project_source"] = source
    request["artifacts"] = request["artifacts"] or {}
    request["environment"] = request["environment"] or {}
    request["tags"] = _tags(properties)
    return request


@contextmanager
def _creating(resource_type: str, name: str) -> Iterator[None]:
    """A service's refusal as CloudFormation's ValidationError (AWS would roll the stack back)."""
    from moto.cloudformation.exceptions import ValidationError

    try:
        yield
    except (JsonRESTError, ServiceException) as exc:
        detail = getattr(exc, "message", None) or str(exc)
        raise ValidationError(message=f"{resource_type} {name}: {detail}") from exc


def _region_backend(backends: Any, account_id: str, region_name: str) -> Any:
    return backends[account_id][region_name]


# The shared parts of the types below. They are mixins, not CloudFormationModel subclasses:
# moto finds types through ``CloudFormationModel.__subclasses__()``, direct subclasses only.


class _ReplacedOnUpdate:
    """An update deletes the resource and creates it anew (*assumed*, see the module docstring)."""

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def is_created(self) -> bool:
        return True


class _NamedResource(_ReplacedOnUpdate):
    """A resource named by its ``Name`` property, living in one region's backend, with the
    ``Fn::GetAtt`` attributes ``ATTRIBUTES`` answered by ``_attribute``."""

    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, name: str, account_id: str, region_name: str) -> None:
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.ATTRIBUTES:
            return self._attribute(attribute_name)
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        raise UnformattedGetAttTemplateException()

    def _attribute(self, name: str) -> Any:
        raise NotImplementedError

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        cls(resource_name, account_id, region_name).delete(account_id, region_name)


class CfnPipeline(_NamedResource, CloudFormationModel):
    """``AWS::CodePipeline::Pipeline``: a pipeline in moto's CodePipeline backend."""

    ATTRIBUTES = ("Version",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodePipeline::Pipeline"

    def _attribute(self, name: str) -> Any:
        return str(self._backend().pipelines[self.name].pipeline["version"])

    def _backend(self) -> Any:
        from moto.codepipeline.models import codepipeline_backends

        return _region_backend(codepipeline_backends, self.account_id, self.region_name)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnPipeline:
        properties = cloudformation_json.get("Properties") or {}
        resource = cls(resource_name, account_id, region_name)
        with _creating(cls.cloudformation_type(), resource_name):
            resource._backend().create_pipeline(pipeline_request(resource_name, properties), _tags(properties) or None)
        return resource

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_pipeline(self.name)


class CfnProject(_NamedResource, CloudFormationModel):
    """``AWS::CodeBuild::Project``: a project in moto's CodeBuild backend."""

    ATTRIBUTES = ("Arn", "Id")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    def _attribute(self, name: str) -> Any:
        return self._backend().codebuild_projects[self.name].arn if name == "Arn" else self.name

    def _backend(self) -> Any:
        from moto.codebuild.models import codebuild_backends

        return _region_backend(codebuild_backends, self.account_id, self.region_name)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnProject:
        resource = cls(resource_name, account_id, region_name)
        request = project_request(cloudformation_json.get("Properties") or {})
        with _creating(cls.cloudformation_type(), resource_name):
            resource._backend().create_project(project_name=resource_name, **request)
        return resource

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_project(self.name)


class CfnBucketPolicy(_ReplacedOnUpdate, CloudFormationModel):
    """``AWS::S3::BucketPolicy``: the policy of a bucket in moto's S3 backend."""

    def __init__(self, bucket: str, account_id: str) -> None:
        self.bucket = bucket
        self.account_id = account_id

    @property
    def physical_resource_id(self) -> str:
        return self.bucket

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @staticmethod
    def _backend(account_id: str, region_name: str) -> Any:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        return s3_backends[account_id][get_partition(region_name)]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnBucketPolicy:
        properties = cloudformation_json.get("Properties") or {}
        bucket = properties["Bucket"]
        document = properties["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        with _creating(cls.cloudformation_type(), bucket):
            cls._backend(account_id, region_name).put_bucket_policy(bucket, text.encode())
        return cls(bucket, account_id)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        cls(resource_name, account_id).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = self._backend(account_id, region_name)
        if self.bucket in backend.buckets:  # a bucket deleted first took its policy with it
            backend.delete_bucket_policy(self.bucket)


TYPES: tuple[type[CloudFormationModel], ...] = (CfnPipeline, CfnProject, CfnBucketPolicy)


def install(ctx: SimContext) -> None:
    """Make moto's CloudFormation see the types above (idempotent).

    moto finds resource types through ``CloudFormationModel.__subclasses__()``, cached on
    first use; the classes above exist once this module is imported, so the caches are
    cleared to let an earlier lookup pick them up.
    """
    del ctx  # the types read nothing from the simulation
    from moto.cloudformation import parsing

    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
