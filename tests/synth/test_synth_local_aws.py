"""The generated template on the local AWS's CloudFormation (moto 5.2.5), and what moto cannot show.

moto's CloudFormation creates the IAM roles, the artifact bucket, the handler's log group and
Lambda function, but has no support for ``AWS::CodePipeline::Pipeline``,
``AWS::CodeBuild::Project`` and ``AWS::S3::BucketPolicy``: it skips them with a warning and
then fails on any ``Ref``/``Fn::GetAtt`` to them. So the stack is created without those three
types (references to them replaced by fixed names); the pipeline is then created through the
CodePipeline API from the template's own properties, after resolving its intrinsic functions
against the stack (botocore checks the request against the service model, moto the role's trust
policy and the stages), and each CodeBuild project's request is checked against the CodeBuild
model. Of a bucket's properties moto's
CloudFormation applies only the encryption (and tags): versioning and the public access block
are applied through the S3 API from the template's values. The bucket policy is checked by
cfn-lint only (tests/synth/test_synth_codepipeline.py).
"""

from __future__ import annotations

import ast
import io
import json
import re
import warnings
import zipfile
from typing import Any

import pytest
import yaml
from botocore.validate import validate_parameters
from moto.cloudformation.parsing import resource_class_from_type
from parliament import analyze_policy_string
from synth_golden import GOLDEN

from ecsflow.sim.api import LocalAWS

pytestmark = pytest.mark.e2e

# Actions AWS added after parliament's IAM database (ECS service deployments, 2025).
NEWER_THAN_PARLIAMENT = {
    ("UNKNOWN_ACTION", "Unknown action ecs:StopServiceDeployment"),
    ("UNKNOWN_ACTION", "Unknown action ecs:ContinueServiceDeployment"),
}
NOT_IN_MOTO = {"AWS::CodePipeline::Pipeline", "AWS::CodeBuild::Project", "AWS::S3::BucketPolicy"}
STACK = "app-pipeline"
PARAMETERS = {
    "ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d",
    "FullRepositoryId": "example/app",
    "BranchName": "main",
    "HandlerCodeBucket": "handler-code",
    "HandlerCodeKey": "ecsflow-handler.zip",
}


def test_moto_cloudformation_support_is_what_this_test_assumes() -> None:
    """Fails loudly when a moto upgrade adds these types: then create the whole template."""
    assert {t for t in NOT_IN_MOTO if resource_class_from_type(t) is None} == NOT_IN_MOTO
    for supported in ("AWS::IAM::Role", "AWS::S3::Bucket", "AWS::Lambda::Function", "AWS::Logs::LogGroup"):
        assert resource_class_from_type(supported) is not None, supported


def _connection_prefixes(finding: Any) -> bool:
    """The connection ARN's service is codestar-connections or (since the 2024 rename) codeconnections;
    both actions are granted on the one ARN given, so one of them never matches its format."""
    return finding.issue == "RESOURCE_MISMATCH" and all(
        d["action"].endswith("connections:UseConnection") for d in finding.detail
    )


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((GOLDEN / "codepipeline-auto.yaml").read_text())
    return loaded


def _replace_refs(value: Any, missing: set[str]) -> Any:
    if isinstance(value, dict):
        if value.keys() == {"Ref"} and value["Ref"] in missing:
            return f"{STACK}-{value['Ref']}"
        if value.keys() == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in missing:
            return f"arn:aws:codebuild:us-east-1:123456789012:project/{STACK}-{value['Fn::GetAtt'][0]}"
        return {k: _replace_refs(v, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_refs(v, missing) for v in value]
    return value


def _upload_handler(aws: LocalAWS) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=PARAMETERS["HandlerCodeBucket"])
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("ecsflow/__init__.py", "")
    s3.put_object(Bucket=PARAMETERS["HandlerCodeBucket"], Key=PARAMETERS["HandlerCodeKey"], Body=package.getvalue())


def _create_stack(aws: LocalAWS, template: dict[str, Any]) -> dict[str, str]:
    """Create the moto-supported part; returns logical id -> physical id."""
    missing = {k for k, r in template["Resources"].items() if r["Type"] in NOT_IN_MOTO}
    body = {
        **template,
        "Resources": {k: _replace_refs(r, missing) for k, r in template["Resources"].items() if k not in missing},
        "Outputs": {k: o for k, o in template["Outputs"].items() if o["Value"].get("Ref") not in missing},
    }
    cfn = aws.client("cloudformation")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto warns about nothing else here; the types are pinned above
        cfn.create_stack(
            StackName=STACK,
            TemplateBody=yaml.safe_dump(body, sort_keys=False),
            Capabilities=["CAPABILITY_IAM"],
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
        )
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    summaries = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    assert {s["LogicalResourceId"] for s in summaries} == set(body["Resources"])
    assert {s["ResourceStatus"] for s in summaries} == {"CREATE_COMPLETE"}
    return {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}


class _Resolver:
    """Ref / Fn::GetAtt / Fn::Sub of the template, against the created stack."""

    def __init__(self, aws: LocalAWS, physical: dict[str, str], template: dict[str, Any]) -> None:
        self.aws = aws
        self.physical = physical
        self.values: dict[str, str] = {
            **PARAMETERS,
            "AWS::StackName": STACK,
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
        }
        for logical, resource in template["Resources"].items():
            name = resource.get("Properties", {}).get("Name")
            if logical not in physical and name is not None:
                self.values[logical] = self.resolve(name)  # named by the template itself

    def ref(self, name: str) -> str:
        return self.values.get(name) or self.physical[name]

    def arn(self, name: str) -> str:
        if name in self.physical and name.endswith("Role"):
            arn: str = self.aws.client("iam").get_role(RoleName=self.physical[name])["Role"]["Arn"]
            return arn
        if name == "ArtifactBucket":
            return f"arn:aws:s3:::{self.physical[name]}"
        raise AssertionError(f"no Arn for {name}")

    def sub(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            return self.arn(key[:-4]) if key.endswith(".Arn") else self.ref(key)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if value.keys() == {"Ref"}:
                return self.ref(value["Ref"])
            if value.keys() == {"Fn::GetAtt"}:
                return self.arn(value["Fn::GetAtt"][0])
            if value.keys() == {"Fn::Sub"}:
                return self.sub(value["Fn::Sub"])
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def _api_shape(value: Any, *, keep: bool = False) -> Any:
    """CloudFormation's PascalCase properties as the API's lowerCamelCase (action Configuration keys stay)."""
    if isinstance(value, dict):
        if keep:
            return value
        return {k[:1].lower() + k[1:]: _api_shape(v, keep=k == "Configuration") for k, v in value.items()}
    if isinstance(value, list):
        return [_api_shape(v) for v in value]
    return value


@pytest.mark.local_aws(seed=3)
def test_template_creates_on_the_local_aws(local_aws: LocalAWS) -> None:
    template = _template()
    _upload_handler(local_aws)
    physical = _create_stack(local_aws, template)

    s3 = local_aws.client("s3")
    bucket = physical["ArtifactBucket"]
    properties = template["Resources"]["ArtifactBucket"]["Properties"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # moto's CloudFormation applies only BucketEncryption and Tags of a bucket; the versioning
    # and public access settings are applied through the S3 API from the template's values.
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=properties["VersioningConfiguration"])
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
    )
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )

    iam = local_aws.client("iam")
    for logical, service in (
        ("AppPipelineRole", "codepipeline.amazonaws.com"),
        ("AppCodeBuildRole", "codebuild.amazonaws.com"),
        ("HandlerRole", "lambda.amazonaws.com"),
    ):
        role = iam.get_role(RoleName=physical[logical])["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"Service": service}
        names = iam.list_role_policies(RoleName=physical[logical])["PolicyNames"]
        document = iam.get_role_policy(RoleName=physical[logical], PolicyName=names[0])["PolicyDocument"]
        # moto keeps an inline policy created by CloudFormation as the Python repr of the dict.
        document = ast.literal_eval(document) if isinstance(document, str) else document
        expected = template["Resources"][logical]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        assert [s["Sid"] for s in document["Statement"]] == [s["Sid"] for s in expected]
        # With its intrinsic functions resolved by the stack, each role's policy scopes every
        # action to a resource type AWS lists for it (parliament's IAM definitions).
        findings = {
            (f.issue, str(f.detail))
            for f in analyze_policy_string(json.dumps(document)).findings
            if f.issue != "RESOURCE_STAR"  # DescribeTasks/ListTasks, RunTask: "*" scoped by ecs:cluster
            and not _connection_prefixes(f)
        }
        assert findings <= NEWER_THAN_PARLIAMENT, (logical, findings)

    function = local_aws.client("lambda").get_function(FunctionName=physical["HandlerFunction"])["Configuration"]
    assert function["Handler"] == "ecsflow.integrations.codepipeline.handler"
    assert function["Runtime"] == "python3.12" and function["Timeout"] == 900
    groups = local_aws.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [
        (f"/aws/lambda/{STACK}-ecsflow-handler", 30)
    ]

    # What moto's CloudFormation skips: create it through the service APIs from the template.
    resolver = _Resolver(local_aws, physical, template)
    codebuild = local_aws.client("codebuild")
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CodeBuild::Project":
            continue
        project = _api_shape(resolver.resolve(resource["Properties"]))
        project["source"]["buildspec"] = project["source"].pop("buildSpec")
        # moto's CreateProject demands a source and artifact location even for CODEPIPELINE
        # projects (AWS does not), so the request is checked against the CodeBuild model only.
        shape = codebuild.meta.service_model.operation_model("CreateProject").input_shape
        validate_parameters(project, shape)  # raises ParamValidationError on any wrong field
        stage_action = re.sub(r"([a-z])([A-Z])", r"\1-\2", logical.removeprefix("App").removesuffix("Project"))
        assert project["name"] == f"{STACK}-app-{stage_action}"
    pipeline = _api_shape(resolver.resolve(template["Resources"]["AppPipeline"]["Properties"]))
    codepipeline = local_aws.client("codepipeline")
    codepipeline.create_pipeline(pipeline=pipeline)
    stored = codepipeline.get_pipeline(name=f"{STACK}-app")["pipeline"]
    assert [s["name"] for s in stored["stages"]] == ["Source", "Build", "Test", "Release", "Prod"]
    assert stored["pipelineType"] == "V2"
    assert stored["triggers"][0]["gitConfiguration"]["push"][1] == {"tags": {"includes": ["v*"]}}
    assert stored["variables"] == [
        {"name": "RELEASE", "defaultValue": "next", "description": "Release name shown in the approval"}
    ]
