"""Least-privilege roles of the generated pipeline: CodePipeline, CodeBuild and the handler Lambda.

Each role's policy names only what its pipeline uses: the artifact bucket, the connection,
its CodeBuild projects, the handler function, and, for native deploy actions, the clusters,
services, families, roles and CodeDeploy groups of the services they deploy. The permissions
of the native actions are those the CodePipeline user guide lists for its service role (ECS
and CodeDeployToECS action references); the Lambda's are ``ecsflow iam-policy --for pipeline``
(``ecsflow.synth.iam``) over the services it deploys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ecsflow.synth.cfn_yaml import get_att, ref, sub
from ecsflow.synth.iam import PROMOTE, Use, permissions_for, policy_for
from ecsflow.synth.targets import ServiceTarget

BUCKET = "ArtifactBucket"
FUNCTION = "HandlerFunction"
FUNCTION_LOGS = "HandlerLogGroup"


def _subs(value: Any) -> Any:
    """Every ARN string with a ``${AWS::…}`` placeholder becomes an ``Fn::Sub``."""
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, list):
        return [_subs(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("Sid", "Effect", "Action") else _subs(v) for k, v in value.items()}
    return value


def statement(
    sid: str, actions: Sequence[str], resources: Any, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)), "Resource": resources}
    if condition:
        out["Condition"] = condition
    return out


def role(service: str, policy_name: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    """An ``AWS::IAM::Role`` that ``service`` (``codepipeline.amazonaws.com``, …) assumes, in this account only."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                    }
                ],
            },
            "Policies": [
                {"PolicyName": policy_name, "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}
            ],
        },
    }


def bucket_objects() -> dict[str, Any]:
    return {"Fn::Sub": "${" + BUCKET + ".Arn}/*"}


def artifact_statements(*, write: bool) -> list[dict[str, Any]]:
    actions = ["s3:GetObject", "s3:GetObjectVersion"] + (["s3:PutObject"] if write else [])
    return [
        statement("ArtifactObjects", actions, bucket_objects()),
        statement("ArtifactBucket", ["s3:GetBucketVersioning", "s3:GetBucketLocation"], get_att(BUCKET, "Arn")),
    ]


def pipeline_statements(
    *,
    projects: Sequence[str],
    invokes: bool,
    ecs_targets: Sequence[ServiceTarget],
    codedeploy_targets: Sequence[ServiceTarget],
) -> list[dict[str, Any]]:
    """The CodePipeline service role's policy for one pipeline."""
    out = artifact_statements(write=True)
    # CodeStar Connections was renamed CodeConnections (2024); connections of either prefix exist.
    out.append(
        statement(
            "UseTheSourceConnection",
            ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
            ref("ConnectionArn"),
        )
    )
    if projects:
        out.append(
            statement(
                "RunTheBuildProjects",
                ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                [get_att(p, "Arn") for p in projects],
            )
        )
    if invokes:
        out.append(statement("InvokeTheEcsflowHandler", ["lambda:InvokeFunction"], get_att(FUNCTION, "Arn")))
    native = [*ecs_targets, *codedeploy_targets]
    if ecs_targets:
        out.append(
            statement(
                "EcsDeployActionServices",
                ["ecs:DescribeServices", "ecs:UpdateService"],
                _subs(sorted({t.service_arn for t in ecs_targets})),
            )
        )
        clusters = sorted({t.cluster_arn for t in ecs_targets})
        out.append(
            statement(
                "EcsDeployActionReadsTasksOfTheClusters",
                ["ecs:DescribeTasks", "ecs:ListTasks"],
                "*",
                {"ArnEquals": {"ecs:cluster": _subs(clusters)}},
            )
        )
    if native:
        out.append(statement("DescribeTaskDefinitionNoResourceLevelSoStar", ["ecs:DescribeTaskDefinition"], "*"))
        families = sorted({t.place.arn("ecs", f"task-definition/{t.family}:*") for t in native})
        out.append(statement("RegisterTaskDefinitionsOfTheFamilies", ["ecs:RegisterTaskDefinition"], _subs(families)))
        out.append(
            statement(
                "TagTaskDefinitionsOnRegisterOnly",
                ["ecs:TagResource"],
                _subs(families),
                {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
            )
        )
        roles = sorted({r for t in native for r in t.roles})
        if roles:
            out.append(
                statement(
                    "PassTaskAndExecutionRolesToEcsTasksOnly",
                    ["iam:PassRole"],
                    _subs(roles),
                    {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                )
            )
    if codedeploy_targets:
        groups, apps, configs = set(), set(), set()
        for t in codedeploy_targets:
            cd = t.codedeploy
            assert cd is not None
            groups.add(t.place.arn("codedeploy", f"deploymentgroup:{cd.application}/{cd.deployment_group}"))
            apps.add(t.place.arn("codedeploy", f"application:{cd.application}"))
            configs.add(t.place.arn("codedeploy", f"deploymentconfig:{cd.deployment_config or '*'}"))
        out.append(
            statement(
                "CodeDeployGroups", ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"], _subs(sorted(groups))
            )
        )
        out.append(
            statement(
                "CodeDeployApplications",
                [
                    "codedeploy:GetApplication",
                    "codedeploy:GetApplicationRevision",
                    "codedeploy:RegisterApplicationRevision",
                ],
                _subs(sorted(apps)),
            )
        )
        out.append(statement("CodeDeployConfigs", ["codedeploy:GetDeploymentConfig"], _subs(sorted(configs))))
    return out


def project_name(pipeline: str, stage: str, action: str) -> str:
    """A CodeBuild project name (``[A-Za-z0-9][A-Za-z0-9_-]``, up to 255) under the stack's name, for ``Fn::Sub``."""
    tail = re.sub(r"[^A-Za-z0-9_-]", "-", f"{pipeline}-{stage}-{action}")
    return "${AWS::StackName}-" + tail[:200]


def codebuild_statements(
    *,
    projects: Sequence[str],
    vpc: bool,
    extra: Sequence[dict[str, Any]] = (),
    repositories: Sequence[str],
    parameters: Sequence[str],
    secrets: Sequence[str],
) -> list[dict[str, Any]]:
    """The CodeBuild role of one pipeline: its logs, artifacts, reports, image pushes, buildspec secrets."""
    head = "arn:${AWS::Partition}:{service}:${AWS::Region}:${AWS::AccountId}:"
    logs = [{"Fn::Sub": head.replace("{service}", "logs") + f"log-group:/aws/codebuild/{p}:*"} for p in projects]
    reports = [{"Fn::Sub": head.replace("{service}", "codebuild") + f"report-group/{p}-*"} for p in projects]
    out = [
        statement("BuildLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], logs),
        *artifact_statements(write=True),
        statement(
            "TestReports",
            [
                "codebuild:CreateReportGroup",
                "codebuild:CreateReport",
                "codebuild:UpdateReport",
                "codebuild:BatchPutTestCases",
                "codebuild:BatchPutCodeCoverages",
            ],
            reports,
        ),
    ]
    if vpc:
        # What CodeBuild needs to place a build in the VPC (CodeBuild user guide, "VPC" service role policy).
        out.append(
            statement(
                "VpcNetworkInterfacesDescribeNeedsStar",
                [
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                "*",
            )
        )
        out.append(
            statement(
                "VpcNetworkInterfacePermissionForCodeBuildOnly",
                ["ec2:CreateNetworkInterfacePermission"],
                {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"},
                {"StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"}},
            )
        )
    if repositories:
        out.append(statement("EcrLoginNoResourceLevelSoStar", ["ecr:GetAuthorizationToken"], "*"))
        out.append(
            statement(
                "PushImagesToTheRepositories",
                [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:CompleteLayerUpload",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ],
                _subs(sorted(repositories)),
            )
        )
    if parameters:
        out.append(statement("BuildspecParameterStore", ["ssm:GetParameters"], _subs(sorted(parameters))))
    if secrets:
        out.append(statement("BuildspecSecretsManager", ["secretsmanager:GetSecretValue"], _subs(sorted(secrets))))
    return out + list(extra)


def ecsflow_statements(
    targets: Sequence[ServiceTarget], *, promote: bool = False, job_results: bool = False, prefix: str = ""
) -> list[dict[str, Any]]:
    """What ecsflow itself calls to deploy ``targets`` (``iam-policy --for deploy``), with
    ECR promotion and CodePipeline job results when asked; Sids get ``prefix``."""
    if not targets:
        return []
    permissions = [*permissions_for(Use.DEPLOY, targets), *(PROMOTE if promote else ())]
    if job_results:
        permissions += [p for p in permissions_for(Use.PIPELINE, targets) if p.action.startswith("codepipeline:")]
    policy = policy_for(Use.DEPLOY, targets, permissions=permissions)
    return [_subs({**s, "Sid": prefix + s["Sid"]}) for s in policy["Statement"]]


def run_task_statements(targets: Sequence[ServiceTarget]) -> list[dict[str, Any]]:
    """``aws ecs run-task`` of a service's running revision (the ``run: {task: …}`` projects)."""
    if not targets:
        return []
    families = sorted({t.place.arn("ecs", f"task-definition/{t.family}:*") for t in targets})
    clusters = _subs(sorted({t.cluster_arn for t in targets}))
    out = [
        statement("RunTaskReadsTheService", ["ecs:DescribeServices"], _subs(sorted({t.service_arn for t in targets}))),
        statement("RunTaskInTheClusters", ["ecs:RunTask"], _subs(families), {"ArnEquals": {"ecs:cluster": clusters}}),
        statement(
            "RunTaskWaitsForTheTask",
            ["ecs:DescribeTasks"],
            _subs(sorted({t.place.arn("ecs", f"task/{t.cluster}/*") for t in targets})),
        ),
    ]
    roles = sorted({r for t in targets for r in t.roles})
    if roles:
        out.append(
            statement(
                "RunTaskPassesTheTaskRolesToEcsTasksOnly",
                ["iam:PassRole"],
                _subs(roles),
                {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            )
        )
    return out


def handler_statements(targets: Sequence[ServiceTarget]) -> list[dict[str, Any]]:
    """The handler Lambda: ecsflow's deploy over its services, job results, its own logs. It
    reads input artifacts with the job's own artifact credentials, so it needs no S3 access."""
    out = ecsflow_statements(targets, job_results=True)
    out.append(
        statement(
            "OwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            # The function's log streams (its log group is created by the template, with retention).
            {
                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                "/aws/lambda/${AWS::StackName}-ecsflow-handler:log-stream:*"
            },
        )
    )
    return out
