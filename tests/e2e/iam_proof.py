"""Record the AWS calls a command makes, derive the IAM requests they are, and evaluate a policy.

* ``Recorder`` wraps ``AwsClients.call`` / ``AwsClients.paginate`` (the only way ecsflow
  reaches AWS) and keeps each call's service, method, parameters and response.
* ``requests_for`` turns one call into the IAM requests AWS authorizes for it: action,
  resource ARN and condition context. The rules follow AWS's Service Authorization Reference,
  written here independently of ``ecsflow.synth.iam``: an action without resource-level
  permissions is authorized against ``*``; tag-on-create and PassRole are requests of their own.
* ``allows`` is a small IAM evaluator: Allow statements only (ecsflow writes no Deny),
  ``*``/``?`` wildcards in Action and Resource, and the ``StringEquals``/``ArnEquals``/``ArnLike``
  condition operators the generated policies use. A condition on a key the request does not
  carry does not match, as in IAM.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from ecsflow.aws.session import AwsClients

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


@dataclass
class Call:
    service: str
    method: str
    params: dict[str, Any]
    response: Any = None

    @property
    def operation(self) -> str:
        return AwsClients.operation_name(self.service, self.method)


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original_call = AwsClients.call
        original_paginate = AwsClients.paginate
        recorder = self

        def call(self: AwsClients, service: str, method: str, /, *, region: str | None = None, **kw: Any) -> Any:
            entry = Call(service, method, dict(kw))
            recorder.calls.append(entry)
            entry.response = original_call(self, service, method, region=region, **kw)
            return entry.response

        def paginate(self: AwsClients, service: str, method: str, /, **kw: Any) -> Iterator[dict[str, Any]]:
            params = {k: v for k, v in kw.items() if k not in ("max_items", "region")}
            recorder.calls.append(Call(service, method, params))
            yield from original_paginate(self, service, method, **kw)

        monkeypatch.setattr(AwsClients, "call", call)
        monkeypatch.setattr(AwsClients, "paginate", paginate)

    def operations(self) -> set[str]:
        return {c.operation for c in self.calls}

    def requests(self) -> list[Request]:
        return [r for c in self.calls for r in requests_for(c)]


def _arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _name(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def _cluster(params: Mapping[str, Any]) -> str:
    return _name(str(params.get("cluster") or "default"))


def _service_arn(cluster: str, service: str) -> str:
    return service if service.startswith("arn:") else _arn("ecs", f"service/{cluster}/{service}")


def _cluster_arn(cluster: str) -> str:
    return _arn("ecs", f"cluster/{cluster}")


def requests_for(call: Call) -> list[Request]:
    op, p, r = call.operation, call.params, call.response or {}
    out: list[Request] = []
    if op in ("ecs:DescribeServices",):
        cluster = _cluster(p)
        out += [Request(op, _service_arn(cluster, s), (("ecs:cluster", _cluster_arn(cluster)),)) for s in p["services"]]
    elif op in ("ecs:UpdateService", "ecs:CreateService", "ecs:DeleteService", "ecs:ListServiceDeployments"):
        cluster = _cluster(p)
        arn = _service_arn(cluster, p.get("service") or p["serviceName"])
        out.append(Request(op, arn))
        for lb in p.get("loadBalancers") or ():  # native blue/green: ECS's infrastructure role
            if (lb.get("advancedConfiguration") or {}).get("roleArn"):
                role = lb["advancedConfiguration"]["roleArn"]
                out.append(Request("iam:PassRole", role, (("iam:PassedToService", "ecs.amazonaws.com"),)))
        if op == "ecs:CreateService" and p.get("tags"):
            out.append(Request("ecs:TagResource", arn, (("ecs:CreateAction", "CreateService"),)))
    elif op in ("ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters"):
        for name in p.get("clusters") or [p.get("clusterName") or p.get("cluster")]:
            arn = name if name.startswith("arn:") else _cluster_arn(name)
            out.append(Request(op, arn))
            if op == "ecs:CreateCluster" and p.get("tags"):
                out.append(Request("ecs:TagResource", arn, (("ecs:CreateAction", "CreateCluster"),)))
    elif op == "ecs:ListServices":
        out.append(Request(op, "*", (("ecs:cluster", _cluster_arn(_cluster(p))),)))
    elif op in ("ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "logs:DescribeLogGroups"):
        out.append(Request(op, "*"))  # no resource-level permissions
    elif op in ("logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:ListTagsLogGroup"):
        arn = _arn("logs", f"log-group:{p['logGroupName']}")
        out.append(Request(op, arn))
        if op == "logs:CreateLogGroup" and p.get("tags"):
            out.append(Request("logs:TagResource", arn))  # tags on create need it
    elif op == "ecs:TagResource":
        out.append(Request(op, str(p["resourceArn"])))
    elif op in ("ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:DeregisterTaskDefinition"):
        out.append(Request(op, "*"))  # no resource-level permissions
    elif op == "ecs:RegisterTaskDefinition":
        arn = str(
            r.get("taskDefinition", {}).get("taskDefinitionArn") or _arn("ecs", f"task-definition/{p['family']}:1")
        )
        out.append(Request(op, arn))
        if p.get("tags"):  # tag on create: ecs:TagResource is authorized too
            out.append(Request("ecs:TagResource", arn, (("ecs:CreateAction", "RegisterTaskDefinition"),)))
        for key in ("taskRoleArn", "executionRoleArn"):
            if p.get(key):
                out.append(Request("iam:PassRole", p[key], (("iam:PassedToService", "ecs-tasks.amazonaws.com"),)))
    elif op in (
        "ecs:DescribeServiceDeployments",
        "ecs:StopServiceDeployment",
        "ecs:ContinueServiceDeployment",
        "ecs:DescribeServiceRevisions",
    ):
        arns = p.get("serviceDeploymentArns") or p.get("serviceRevisionArns") or [p.get("serviceDeploymentArn")]
        for arn in arns:
            cluster, service = arn.split(":", 5)[5].split("/")[1:3]
            out.append(Request(op, arn))
            if op in ("ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"):  # and the service type
                out.append(Request(op, _service_arn(cluster, service)))
    elif op == "ecs:ListTasks":
        out.append(Request(op, "*", (("ecs:cluster", _cluster_arn(_cluster(p))),)))
    elif op == "ecs:DescribeTasks":
        cluster = _cluster(p)
        for task in p["tasks"]:
            arn = task if task.startswith("arn:") else _arn("ecs", f"task/{cluster}/{task}")
            out.append(Request(op, arn, (("ecs:cluster", _cluster_arn(cluster)),)))
    elif op.startswith("ecr:"):
        account = str(p.get("registryId") or ACCOUNT)
        if "resourceArn" in p:  # ListTagsForResource / TagResource name the repository by ARN
            out.append(Request(op, str(p["resourceArn"])))
        for name in p.get("repositoryNames") or [p.get("repositoryName")] if "resourceArn" not in p else []:
            out.append(Request(op, _arn("ecr", f"repository/{name}", account=account)))
    elif op in ("codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult", "codepipeline:GetJobDetails"):
        out.append(Request(op, "*"))  # no resource-level permissions
    elif op == "logs:GetLogEvents":
        out.append(Request(op, _arn("logs", f"log-group:{p['logGroupName']}:log-stream:{p['logStreamName']}")))
    elif op in ("codedeploy:CreateDeployment", "codedeploy:GetDeploymentGroup", "codedeploy:ListDeployments"):
        group = f"deploymentgroup:{p['applicationName']}/{p['deploymentGroupName']}"
        out.append(Request(op, _arn("codedeploy", group)))
    elif op in ("codedeploy:GetDeployment", "codedeploy:BatchGetDeployments"):
        infos = [r["deploymentInfo"]] if "deploymentInfo" in r else r.get("deploymentsInfo", [])
        for info in infos:
            group = f"deploymentgroup:{info['applicationName']}/{info['deploymentGroupName']}"
            out.append(Request(op, _arn("codedeploy", group)))
    elif op == "codedeploy:GetDeploymentConfig":
        out.append(Request(op, _arn("codedeploy", f"deploymentconfig:{p['deploymentConfigName']}")))
    elif op in ("codedeploy:GetApplication", "codedeploy:RegisterApplicationRevision"):
        out.append(Request(op, _arn("codedeploy", f"application:{p['applicationName']}")))
    elif op == "codedeploy:BatchGetApplications":
        out += [Request(op, _arn("codedeploy", f"application:{a}")) for a in p["applicationNames"]]
    elif op == "codedeploy:ListDeploymentGroups":
        out.append(Request(op, _arn("codedeploy", f"application:{p['applicationName']}")))
    elif op == "codedeploy:BatchGetDeploymentGroups":
        app = p["applicationName"]
        out += [Request(op, _arn("codedeploy", f"deploymentgroup:{app}/{g}")) for g in p["deploymentGroupNames"]]
    elif op in (
        "codedeploy:ListApplications",
        "codedeploy:StopDeployment",
        "codedeploy:ContinueDeployment",
        "codedeploy:ListDeploymentTargets",
        "codedeploy:BatchGetDeploymentTargets",
        "codedeploy:GetDeploymentTarget",
    ):
        out.append(Request(op, "*"))  # no resource-level permissions
    elif op.startswith("elasticloadbalancing:"):
        out += _elb_requests(op, p, r)
    elif op.startswith("iam:"):
        role = _arn("iam", f"role/{p['RoleName']}", region="")
        context = (("iam:PolicyARN", p["PolicyArn"]),) if "PolicyArn" in p else ()
        out.append(Request(op, role, context))
        if op == "iam:CreateRole" and p.get("Tags"):
            out.append(Request("iam:TagRole", role))
    elif op == "codedeploy:ListTagsForResource":
        out.append(Request(op, str(p["ResourceArn"])))
    elif op in ("codedeploy:CreateApplication", "codedeploy:DeleteApplication"):
        out.append(Request(op, _arn("codedeploy", f"application:{p['applicationName']}")))
    elif op in (
        "codedeploy:CreateDeploymentGroup",
        "codedeploy:UpdateDeploymentGroup",
        "codedeploy:DeleteDeploymentGroup",
    ):
        name = p.get("deploymentGroupName") or p["currentDeploymentGroupName"]
        out.append(Request(op, _arn("codedeploy", f"deploymentgroup:{p['applicationName']}/{name}")))
        if p.get("serviceRoleArn"):
            out.append(
                Request("iam:PassRole", p["serviceRoleArn"], (("iam:PassedToService", "codedeploy.amazonaws.com"),))
            )
    elif op == "ssm:GetParameters":
        out += [Request(op, _arn("ssm", f"parameter{n if n.startswith('/') else '/' + n}")) for n in p["Names"]]
    elif op == "secretsmanager:GetSecretValue":
        sid = str(p["SecretId"])  # AWS authorizes on the secret's ARN: its name and a 6-character suffix
        out.append(Request(op, sid if sid.startswith("arn:") else _arn("secretsmanager", f"secret:{sid}-AbCdEf")))
    elif op == "sts:GetCallerIdentity":
        pass  # needs no permission (AWS: "No permissions are required to perform this operation")
    else:
        raise AssertionError(f"no IAM rule for {op} in tests/e2e/iam_proof.py: add AWS's rule for it")
    return out


def _elb_requests(op: str, p: Mapping[str, Any], r: Mapping[str, Any]) -> list[Request]:
    if op.startswith("elasticloadbalancing:Describe"):
        return [Request(op, "*")]  # Describe* of ELB: no resource-level permissions
    if op == "elasticloadbalancing:CreateTargetGroup":
        arn = str(r["TargetGroups"][0]["TargetGroupArn"])
        return [Request(op, arn), *([Request("elasticloadbalancing:AddTags", arn)] if p.get("Tags") else [])]
    if op == "elasticloadbalancing:CreateListener":  # authorized on the load balancer
        created = str(r["Listeners"][0]["ListenerArn"])
        tags = [Request("elasticloadbalancing:AddTags", created)] if p.get("Tags") else []
        return [Request(op, str(p["LoadBalancerArn"])), *tags]
    if op == "elasticloadbalancing:CreateRule":  # authorized on the listener
        created = str(r["Rules"][0]["RuleArn"])
        tags = [Request("elasticloadbalancing:AddTags", created)] if p.get("Tags") else []
        return [Request(op, str(p["ListenerArn"])), *tags]
    arn = p.get("TargetGroupArn") or p.get("RuleArn") or p.get("ListenerArn")
    if arn is None:
        raise AssertionError(f"no IAM rule for {op} in tests/e2e/iam_proof.py")
    return [Request(op, str(arn))]


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, pairs in condition.items():
        for key, expected in pairs.items():
            if key not in context:
                return False
            if operator in ("StringEquals", "ArnEquals") and context[key] not in _values(expected):
                return False
            if operator == "ArnLike" and not any(fnmatch.fnmatchcase(context[key], v) for v in _values(expected)):
                return False
            if operator not in ("StringEquals", "ArnEquals", "ArnLike"):
                raise AssertionError(f"the evaluator does not know {operator}")
    return True


def allows(policy: Mapping[str, Any], request: Request) -> bool:
    context = dict(request.context)
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        if not any(fnmatch.fnmatchcase(request.action, a) for a in _values(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(request.resource, res) for res in _values(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), context):
            return True
    return False


def policy_actions(policy: Mapping[str, Any]) -> set[str]:
    return {a for s in policy["Statement"] for a in _values(s["Action"])}
