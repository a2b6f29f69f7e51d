"""CloudFormation types the local AWS adds to moto (``ecsflow.sim.cfn_types``).

The contract part probes plain moto 5.2.5 in a fresh interpreter (ecsflow's patches are
process-wide): when an upgrade supports ``AWS::CodePipeline::Pipeline``,
``AWS::CodeBuild::Project`` or ``AWS::S3::BucketPolicy`` itself, it fails, and the
module must be revisited (moto's own model would then compete with ecsflow's). The
behaviour part creates and deletes stacks through boto3 against the local AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from ecsflow.sim.api import LocalAWS

TYPES = ("AWS::CodePipeline::Pipeline", "AWS::CodeBuild::Project", "AWS::S3::BucketPolicy")

PROBE = textwrap.dedent(
    """
    import json
    import sys
    import warnings
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.cloudformation.parsing import resource_class_from_type

    out = {}
    with mock_aws():
        out["classes"] = {t: resource_class_from_type(t) is not None for t in json.loads(sys.argv[1])}
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        template = {
            "Resources": {
                "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "probe-bucket"}},
                "Policy": {
                    "Type": "AWS::S3::BucketPolicy",
                    "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {"Statement": []}},
                },
            }
        }
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cfn.create_stack(StackName="s", TemplateBody=json.dumps(template))
        out["warned"] = any("AWS::S3::BucketPolicy" in str(w.message) for w in caught)
        out["stack_status"] = cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"]
        resources = cfn.list_stack_resources(StackName="s")["StackResourceSummaries"]
        out["stack_resources"] = sorted(r["LogicalResourceId"] for r in resources)
        try:
            boto3.client("s3", region_name="us-east-1").get_bucket_policy(Bucket="probe-bucket")
            out["policy"] = "set"
        except ClientError as exc:
            out["policy"] = exc.response["Error"]["Code"]
    out["ecsflow_sim_imported"] = "ecsflow.sim" in sys.modules
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def moto_says() -> dict[str, Any]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(TYPES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
    )
    said = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    assert said.pop("ecsflow_sim_imported") is False, "the probe must run against plain moto"
    return said


def test_moto_has_none_of_the_types(moto_says: dict[str, Any]) -> None:
    assert moto_says["classes"] == dict.fromkeys(TYPES, False)


def test_moto_skips_an_unsupported_resource_with_a_warning(moto_says: dict[str, Any]) -> None:
    assert moto_says["warned"] is True
    assert moto_says["stack_status"] == "CREATE_COMPLETE"
    assert moto_says["stack_resources"] == ["", "Bucket"]  # the skipped one is an empty summary
    assert moto_says["policy"] == "NoSuchBucketPolicy"


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
BUILD_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [{"Fn::GetAtt": ["Bucket", "Arn"]}, {"Fn::Sub": "${Bucket.Arn}/*"}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def _template() -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "artifacts"}},
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": POLICY},
            },
            "PipelineRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
            "BuildRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": BUILD_TRUST}},
            "Project": {
                "Type": "AWS::CodeBuild::Project",
                "Properties": {
                    "Name": "build",
                    "ServiceRole": {"Fn::GetAtt": ["BuildRole", "Arn"]},
                    "Source": {"Type": "CODEPIPELINE", "BuildSpec": "buildspec.yml"},
                    "Artifacts": {"Type": "CODEPIPELINE"},
                    "Environment": {
                        "Type": "LINUX_CONTAINER",
                        "ComputeType": "BUILD_GENERAL1_SMALL",
                        "Image": "aws/codebuild/standard:7.0",
                        "EnvironmentVariables": [{"Name": "STAGE", "Value": "test", "Type": "PLAINTEXT"}],
                    },
                    "LogsConfig": {"CloudWatchLogs": {"Status": "ENABLED"}, "S3Logs": {"Status": "DISABLED"}},
                    "TimeoutInMinutes": 30,
                    "Tags": [{"Key": "team", "Value": "web"}],
                    "BadgeEnabled": False,  # not applied: ignored
                },
            },
            "Pipeline": {
                "Type": "AWS::CodePipeline::Pipeline",
                "Properties": {
                    "Name": "app",
                    "RoleArn": {"Fn::GetAtt": ["PipelineRole", "Arn"]},
                    "PipelineType": "V2",
                    "RestartExecutionOnUpdate": True,  # ignored
                    "ArtifactStores": [
                        {"Region": "us-east-1", "ArtifactStore": {"Type": "S3", "Location": {"Ref": "Bucket"}}},
                        {"Region": "eu-west-1", "ArtifactStore": {"Type": "S3", "Location": "artifacts-eu"}},
                    ],
                    "Variables": [{"Name": "RELEASE", "DefaultValue": "next"}],
                    "Stages": [
                        {
                            "Name": "Source",
                            "Actions": [
                                {
                                    "Name": "Source",
                                    "ActionTypeId": {
                                        "Category": "Source",
                                        "Owner": "AWS",
                                        "Provider": "S3",
                                        "Version": "1",
                                    },
                                    "Configuration": {"S3Bucket": {"Ref": "Bucket"}, "S3ObjectKey": "src.zip"},
                                    "OutputArtifacts": [{"Name": "Src"}],
                                }
                            ],
                        },
                        {
                            "Name": "Build",
                            "Actions": [
                                {
                                    "Name": "Build",
                                    "ActionTypeId": {
                                        "Category": "Build",
                                        "Owner": "AWS",
                                        "Provider": "CodeBuild",
                                        "Version": "1",
                                    },
                                    "Configuration": {"ProjectName": {"Ref": "Project"}},
                                    "InputArtifacts": [{"Name": "Src"}],
                                    "RunOrder": 2,
                                    "Namespace": "Build",
                                }
                            ],
                        },
                    ],
                    "Tags": [{"Key": "team", "Value": "web"}],
                },
            },
        },
        "Outputs": {
            "PipelineName": {"Value": {"Ref": "Pipeline"}},
            "PipelineVersion": {"Value": {"Fn::GetAtt": ["Pipeline", "Version"]}},
            "ProjectName": {"Value": {"Ref": "Project"}},
            "ProjectArn": {"Value": {"Fn::GetAtt": ["Project", "Arn"]}},
            "PolicyRef": {"Value": {"Ref": "Policy"}},
        },
    }


def _create(local_aws: LocalAWS, template: dict[str, Any], name: str = "types") -> dict[str, Any]:
    cfn = local_aws.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=yaml.safe_dump(template), Capabilities=["CAPABILITY_IAM"])
    stack: dict[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return stack


def test_the_types_are_known_to_the_local_aws() -> None:
    from moto.cloudformation.parsing import resource_class_from_type

    from ecsflow.sim import cfn_types

    assert {t: resource_class_from_type(t) for t in TYPES} == {
        "AWS::CodePipeline::Pipeline": cfn_types.CfnPipeline,
        "AWS::CodeBuild::Project": cfn_types.CfnProject,
        "AWS::S3::BucketPolicy": cfn_types.CfnBucketPolicy,
    }


def test_a_stack_creates_the_resources_in_the_services(local_aws: LocalAWS) -> None:
    stack = _create(local_aws, _template())
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs == {
        "PipelineName": "app",
        "PipelineVersion": "1",
        "ProjectName": "build",
        "ProjectArn": "arn:aws:codebuild:us-east-1:123456789012:project/build",
        "PolicyRef": "artifacts",
    }
    resources = local_aws.client("cloudformation").list_stack_resources(StackName="types")["StackResourceSummaries"]
    assert {(r["LogicalResourceId"], r["ResourceType"], r["PhysicalResourceId"]) for r in resources} >= {
        ("Pipeline", "AWS::CodePipeline::Pipeline", "app"),
        ("Project", "AWS::CodeBuild::Project", "build"),
        ("Policy", "AWS::S3::BucketPolicy", "artifacts"),
    }

    cp = local_aws.client("codepipeline")
    answer = cp.get_pipeline(name="app")
    pipeline = answer["pipeline"]
    role = local_aws.client("iam").get_role(RoleName=stack_resource(local_aws, "PipelineRole"))["Role"]
    assert pipeline["roleArn"] == role["Arn"]
    assert pipeline["pipelineType"] == "V2"
    assert "artifactStore" not in pipeline
    assert pipeline["artifactStores"] == {
        "us-east-1": {"type": "S3", "location": "artifacts"},
        "eu-west-1": {"type": "S3", "location": "artifacts-eu"},
    }
    assert pipeline["variables"] == [{"name": "RELEASE", "defaultValue": "next"}]
    source, build = pipeline["stages"]
    assert source["actions"][0]["actionTypeId"] == {
        "category": "Source",
        "owner": "AWS",
        "provider": "S3",
        "version": "1",
    }
    assert source["actions"][0]["configuration"] == {"S3Bucket": "artifacts", "S3ObjectKey": "src.zip"}
    assert source["actions"][0]["outputArtifacts"] == [{"name": "Src"}]
    assert build["actions"][0]["configuration"] == {"ProjectName": "build"}
    assert build["actions"][0]["inputArtifacts"] == [{"name": "Src"}]
    assert (build["actions"][0]["runOrder"], build["actions"][0]["namespace"]) == (2, "Build")
    arn = answer["metadata"]["pipelineArn"]
    assert cp.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "web"}]

    (project,) = local_aws.client("codebuild").batch_get_projects(names=["build"])["projects"]
    assert project["serviceRole"].endswith(f":role/{stack_resource(local_aws, 'BuildRole')}")
    assert project["source"] == {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"}
    assert project["artifacts"] == {"type": "CODEPIPELINE"}
    assert project["environment"]["environmentVariables"] == [{"name": "STAGE", "value": "test", "type": "PLAINTEXT"}]
    assert project["logsConfig"] == {"cloudWatchLogs": {"status": "ENABLED"}, "s3Logs": {"status": "DISABLED"}}
    assert project["timeoutInMinutes"] == 30
    assert project["tags"] == [{"key": "team", "value": "web"}]

    policy = json.loads(local_aws.client("s3").get_bucket_policy(Bucket="artifacts")["Policy"])
    assert policy["Statement"][0]["Resource"] == ["arn:aws:s3:::artifacts", "arn:aws:s3:::artifacts/*"]


def stack_resource(local_aws: LocalAWS, logical: str, stack: str = "types") -> str:
    answer = local_aws.client("cloudformation").describe_stack_resource(StackName=stack, LogicalResourceId=logical)
    physical: str = answer["StackResourceDetail"]["PhysicalResourceId"]
    return physical


def test_deleting_the_stack_deletes_them(local_aws: LocalAWS) -> None:
    _create(local_aws, _template())
    local_aws.client("cloudformation").delete_stack(StackName="types")
    with pytest.raises(ClientError) as caught:
        local_aws.client("codepipeline").get_pipeline(name="app")
    assert caught.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert local_aws.client("codebuild").batch_get_projects(names=["build"])["projects"] == []
    # The bucket goes with the stack here (no Retain); a retained bucket keeps no policy:
    template = _template()
    template["Resources"]["Bucket"]["DeletionPolicy"] = "Retain"
    _create(local_aws, template, name="retained")
    local_aws.client("cloudformation").delete_stack(StackName="retained")
    with pytest.raises(ClientError) as caught:
        local_aws.client("s3").get_bucket_policy(Bucket="artifacts")
    assert caught.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


def test_the_pipeline_needs_a_role_codepipeline_may_assume(local_aws: LocalAWS) -> None:
    template = _template()
    template["Resources"]["Pipeline"]["Properties"]["RoleArn"] = {"Fn::GetAtt": ["BuildRole", "Arn"]}
    cfn = local_aws.client("cloudformation")
    with pytest.raises(ClientError) as caught:
        cfn.create_stack(StackName="bad", TemplateBody=yaml.safe_dump(template))
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "AWS::CodePipeline::Pipeline app: CodePipeline is not authorized to perform AssumeRole" in str(caught.value)


def test_an_update_replaces_the_pipeline_and_the_project(local_aws: LocalAWS) -> None:
    _create(local_aws, _template())
    template = _template()
    properties = template["Resources"]["Pipeline"]["Properties"]
    properties["Stages"][1]["Name"] = "Compile"
    template["Resources"]["Project"]["Properties"]["TimeoutInMinutes"] = 45
    cfn = local_aws.client("cloudformation")
    cfn.update_stack(StackName="types", TemplateBody=yaml.safe_dump(template))
    assert cfn.describe_stacks(StackName="types")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    stages = local_aws.client("codepipeline").get_pipeline(name="app")["pipeline"]["stages"]
    assert [s["name"] for s in stages] == ["Source", "Compile"]
    (project,) = local_aws.client("codebuild").batch_get_projects(names=["build"])["projects"]
    assert project["timeoutInMinutes"] == 45
