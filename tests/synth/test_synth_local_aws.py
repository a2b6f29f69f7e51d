"""Every generated template, as one stack on the local AWS's CloudFormation (moto 5.2.5).

The local AWS adds the types moto's CloudFormation lacks (``AWS::CodePipeline::Pipeline``,
``AWS::CodeBuild::Project``, ``AWS::S3::BucketPolicy``; ecsflow.sim.cfn_types), so each
golden template is created whole and must reach ``CREATE_COMPLETE``; then the services' own
APIs must show what the template describes: the pipeline's stages and actions (checked
against CreatePipeline's model by botocore), the CodeBuild projects (checked against
CreateProject's model), the roles with their policies, the handler, and the bucket policy.
Of a bucket's properties moto's CloudFormation applies only the encryption (and tags):
versioning and the public access block are applied through the S3 API from the template's
values.
"""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from parliament import analyze_policy_string
from synth_golden import GOLDEN

from ecsflow.sim.api import LocalAWS

pytestmark = pytest.mark.e2e

# Actions AWS added after parliament's IAM database (ECS service deployments, 2025).
NEWER_THAN_PARLIAMENT = {
    ("UNKNOWN_ACTION", "Unknown action ecs:StopServiceDeployment"),
    ("UNKNOWN_ACTION", "Unknown action ecs:ContinueServiceDeployment"),
}
TEMPLATES = sorted(GOLDEN.glob("codepipeline-*.yaml"))
STACK = "app-pipeline"
PARAMETERS = {
    "ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d",
    "FullRepositoryId": "example/app",
    "BranchName": "main",
    "HandlerCodeBucket": "handler-code",
    "HandlerCodeKey": "ecsflow-handler.zip",
    "VpcId": "vpc-0a1b2c3d",
    "SubnetIds": "subnet-0a1b2c3d,subnet-1b2c3d4e",
    "SecurityGroupIds": "sg-0a1b2c3d",
}
TRUSTED = {
    "AppPipelineRole": "codepipeline.amazonaws.com",
    "AppCodeBuildRole": "codebuild.amazonaws.com",
    "HandlerRole": "lambda.amazonaws.com",
}
# CreateProject's members as moto's BatchGetProjects answers them.
PROJECT_REQUEST = (
    "name",
    "description",
    "source",
    "artifacts",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "logsConfig",
    "vpcConfig",
)


def test_every_generated_template_is_here() -> None:
    assert [t.name for t in TEMPLATES] == [
        "codepipeline-auto.yaml",
        "codepipeline-ecsflow.yaml",
        "codepipeline-vpc-inline.yaml",
    ]


def _template(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _upload_handler(aws: LocalAWS) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=PARAMETERS["HandlerCodeBucket"])
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("ecsflow/__init__.py", "")
    s3.put_object(Bucket=PARAMETERS["HandlerCodeBucket"], Key=PARAMETERS["HandlerCodeKey"], Body=package.getvalue())


def _create_stack(aws: LocalAWS, template: dict[str, Any]) -> dict[str, str]:
    """Create the whole template as one stack; returns logical id -> physical id."""
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName=STACK,
        TemplateBody=yaml.safe_dump(template, sort_keys=False),
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items() if k in template["Parameters"]
        ],
    )
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    summaries = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    assert {(s["LogicalResourceId"], s["ResourceType"]) for s in summaries} == {
        (k, r["Type"]) for k, r in template["Resources"].items()
    }
    assert {s["ResourceStatus"] for s in summaries} == {"CREATE_COMPLETE"}
    physical = {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs == {"ArtifactBucketName": physical["ArtifactBucket"], "AppPipelineName": physical["AppPipeline"]}
    return physical


class _Resolver:
    """Ref / Fn::GetAtt / Fn::Sub of the template, against the created stack's resources."""

    def __init__(self, aws: LocalAWS, physical: dict[str, str], template: dict[str, Any]) -> None:
        self.aws = aws
        self.physical = physical
        self.types = {k: r["Type"] for k, r in template["Resources"].items()}
        self.values: dict[str, Any] = {
            **{k: v for k, v in PARAMETERS.items() if k in template["Parameters"]},
            "AWS::StackName": STACK,
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
        }
        for name, parameter in template["Parameters"].items():
            if parameter["Type"].startswith("List<"):
                self.values[name] = self.values[name].split(",")

    def ref(self, name: str) -> Any:
        return self.values[name] if name in self.values else self.physical[name]

    def arn(self, name: str) -> str:
        kind, physical = self.types[name], self.physical[name]
        if kind == "AWS::IAM::Role":
            role: str = self.aws.client("iam").get_role(RoleName=physical)["Role"]["Arn"]
            return role
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{physical}"
        if kind == "AWS::CodeBuild::Project":
            return f"arn:aws:codebuild:us-east-1:123456789012:project/{physical}"
        if kind == "AWS::Lambda::Function":
            function: str = self.aws.client("lambda").get_function(FunctionName=physical)["Configuration"][
                "FunctionArn"
            ]
            return function
        raise AssertionError(f"no Arn for {name}")

    def sub(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            return self.arn(key[:-4]) if key.endswith(".Arn") else str(self.ref(key))

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


def _connection_prefixes(finding: Any) -> bool:
    """The connection ARN's service is codestar-connections or (since the 2024 rename) codeconnections;
    both actions are granted on the one ARN given, so one of them never matches its format."""
    return finding.issue == "RESOURCE_MISMATCH" and all(
        d["action"].endswith("connections:UseConnection") for d in finding.detail
    )


@pytest.mark.local_aws(seed=3)
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_template_creates_as_one_stack_on_the_local_aws(local_aws: LocalAWS, path: Path) -> None:
    template = _template(path)
    resources = template["Resources"]
    _upload_handler(local_aws)
    physical = _create_stack(local_aws, template)
    resolver = _Resolver(local_aws, physical, template)

    s3 = local_aws.client("s3")
    bucket = physical["ArtifactBucket"]
    properties = resources["ArtifactBucket"]["Properties"]
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
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy == resolver.resolve(resources["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"])
    assert policy["Statement"][0]["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]

    iam = local_aws.client("iam")
    assert {k for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"} == set(TRUSTED)
    for logical, service in TRUSTED.items():
        role = iam.get_role(RoleName=physical[logical])["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"Service": service}
        names = iam.list_role_policies(RoleName=physical[logical])["PolicyNames"]
        document = iam.get_role_policy(RoleName=physical[logical], PolicyName=names[0])["PolicyDocument"]
        # moto keeps an inline policy created by CloudFormation as the Python repr of the dict.
        document = ast.literal_eval(document) if isinstance(document, str) else document
        expected = resources[logical]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
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

    # The CodeBuild projects, as CreateProject would have been asked for them.
    codebuild = local_aws.client("codebuild")
    create_project = codebuild.meta.service_model.operation_model("CreateProject").input_shape
    projects = {k: r for k, r in resources.items() if r["Type"] == "AWS::CodeBuild::Project"}
    stored = codebuild.batch_get_projects(names=[physical[k] for k in projects])["projects"]
    assert [p["name"] for p in stored] == [physical[k] for k in projects]
    for (logical, resource), project in zip(projects.items(), stored, strict=True):
        stage_action = re.sub(r"([a-z])([A-Z])", r"\1-\2", logical.removeprefix("App").removesuffix("Project"))
        assert project["name"] == f"{STACK}-app-{stage_action}"
        assert project["arn"] == resolver.arn(logical)
        request = {k: project[k] for k in PROJECT_REQUEST if k in project}
        if "TimeoutInMinutes" not in resource["Properties"]:
            assert request.pop("timeoutInMinutes") == 0  # moto's default for "not given"
        validate_parameters(request, create_project)  # raises ParamValidationError on any wrong member
        expected = _api_shape(resolver.resolve(resource["Properties"]))
        expected["source"]["buildspec"] = expected["source"].pop("buildSpec")
        assert request == expected
        assert project["serviceRole"] == resolver.arn("AppCodeBuildRole")

    # The pipeline, as CreatePipeline would have been asked for it.
    codepipeline = local_aws.client("codepipeline")
    pipeline = codepipeline.get_pipeline(name=physical["AppPipeline"])["pipeline"]
    assert pipeline["name"] == f"{STACK}-app"
    create_pipeline = codepipeline.meta.service_model.operation_model("CreatePipeline").input_shape
    validate_parameters({"pipeline": pipeline}, create_pipeline)
    expected = _api_shape(resolver.resolve(resources["AppPipeline"]["Properties"]))
    for stage in expected["stages"]:
        for action in stage["actions"]:  # the defaults moto's CreatePipeline fills in
            action.setdefault("runOrder", 1)
            for member, empty in (("configuration", {}), ("inputArtifacts", []), ("outputArtifacts", [])):
                action.setdefault(member, empty)
    assert pipeline.pop("version") == 1
    assert pipeline == expected
    assert pipeline["roleArn"] == resolver.arn("AppPipelineRole")
    assert pipeline["artifactStore"] == {"type": "S3", "location": bucket}
    for stage in pipeline["stages"]:
        for action in stage["actions"]:
            configuration = action["configuration"]
            if action["actionTypeId"]["provider"] == "CodeBuild":
                assert configuration["ProjectName"] in {p["name"] for p in stored}
            if action["actionTypeId"]["provider"] == "Lambda":
                assert configuration["FunctionName"] == physical["HandlerFunction"]
    assert [s["name"] for s in pipeline["stages"]] == ["Source", "Build", "Test", "Release", "Prod"]
    assert pipeline["pipelineType"] == "V2"
    assert pipeline["triggers"][0]["gitConfiguration"]["push"][1] == {"tags": {"includes": ["v*"]}}
    assert pipeline["variables"] == [
        {"name": "RELEASE", "defaultValue": "next", "description": "Release name shown in the approval"}
    ]
    if path.name == "codepipeline-auto.yaml":
        test_stage = pipeline["stages"][2]["actions"]
        assert [(a["name"], a["actionTypeId"]["provider"], a["runOrder"]) for a in test_stage] == [
            ("Api", "ECS", 1),
            ("Worker", "Lambda", 1),
            ("Web", "CodeDeployToECS", 1),
            ("Smoke", "CodeBuild", 2),
            ("Pinned", "CodeBuild", 3),
        ]

    # Deleting the stack deletes what it created, except the retained bucket (and the policy goes).
    local_aws.client("cloudformation").delete_stack(StackName=STACK)
    with pytest.raises(ClientError) as caught:
        codepipeline.get_pipeline(name=physical["AppPipeline"])
    assert caught.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert codebuild.batch_get_projects(names=[physical[k] for k in projects])["projects"] == []
    with pytest.raises(ClientError) as caught:
        s3.get_bucket_policy(Bucket=bucket)
    assert caught.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
