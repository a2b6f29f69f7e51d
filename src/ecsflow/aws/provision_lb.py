"""Provisioning of ELBv2 target groups, listeners and rules, IAM roles and CodeDeploy
applications and deployment groups (the blue/green half of ``ProvisionAdapter``)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from ecsflow.aws.session import AwsClients
from ecsflow.errors import AwsError, InternalError, ResourceNotFound

DESCRIBE_TAGS_BATCH = 20  # ELBv2 DescribeTags takes at most 20 ARNs
_IAM_MISSING = "NoSuchEntity"
_CODEDEPLOY_MISSING = frozenset({"ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException"})


def tag_map(tags: Any) -> dict[str, str]:
    """``[{key,value}]`` (ECS), ``[{Key,Value}]`` (ELBv2, IAM, CodeDeploy) or a mapping (Logs) → a dict."""
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for t in tags or ():
        key = t.get("key", t.get("Key"))
        if key is not None:
            out[str(key)] = str(t.get("value", t.get("Value", "")))
    return out


def ecs_tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in (tags or {}).items()]


def aws_tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


class LbProvisioning:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients
        self._account: str | None = None

    def _elb_tags(self, arns: list[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for i in range(0, len(arns), DESCRIBE_TAGS_BATCH):
            response = self._aws.call("elbv2", "describe_tags", ResourceArns=arns[i : i + DESCRIBE_TAGS_BATCH])
            for d in response.get("TagDescriptions") or ():
                out[str(d["ResourceArn"])] = tag_map(d.get("Tags"))
        return out

    def target_group(self, ref: str) -> dict[str, Any] | None:
        key: dict[str, Any] = {"TargetGroupArns": [ref]} if ref.startswith("arn:") else {"Names": [ref]}
        try:
            groups = self._aws.call("elbv2", "describe_target_groups", **key).get("TargetGroups") or []
        except ResourceNotFound:
            return None
        if not groups:
            return None
        group = dict(groups[0])
        arn = str(group["TargetGroupArn"])
        attributes = self._aws.call("elbv2", "describe_target_group_attributes", TargetGroupArn=arn)
        group["Attributes"] = {str(a["Key"]): str(a["Value"]) for a in attributes.get("Attributes") or ()}
        group["tags"] = self._elb_tags([arn]).get(arn, {})
        return group

    def listeners(self, load_balancer_arn: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._aws.paginate("elbv2", "describe_listeners", LoadBalancerArn=load_balancer_arn):
            found.extend(page.get("Listeners") or ())
        tags = self._elb_tags([str(item["ListenerArn"]) for item in found]) if found else {}
        return [{**item, "tags": tags.get(str(item["ListenerArn"]), {})} for item in found]

    def listener(self, arn: str) -> dict[str, Any] | None:
        try:
            found = self._aws.call("elbv2", "describe_listeners", ListenerArns=[arn]).get("Listeners") or []
        except ResourceNotFound:
            return None
        if not found:
            return None
        return {**found[0], "tags": self._elb_tags([arn]).get(arn, {})}

    def rules(self, listener_arn: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._aws.paginate("elbv2", "describe_rules", ListenerArn=listener_arn):
            found.extend(page.get("Rules") or ())
        arns = [str(r["RuleArn"]) for r in found if not r.get("IsDefault")]
        tags = self._elb_tags(arns) if arns else {}
        return [{**r, "tags": tags.get(str(r["RuleArn"]), {})} for r in found]

    def rule(self, arn: str) -> dict[str, Any] | None:
        try:
            found = self._aws.call("elbv2", "describe_rules", RuleArns=[arn]).get("Rules") or []
        except ResourceNotFound:
            return None
        if not found:
            return None
        return {**found[0], "tags": self._elb_tags([arn]).get(arn, {})}

    def role(self, name: str) -> dict[str, Any] | None:
        try:
            role = dict(self._aws.call("iam", "get_role", RoleName=name)["Role"])
        except AwsError as exc:
            if exc.code == _IAM_MISSING:
                return None
            raise
        attached = self._aws.call("iam", "list_attached_role_policies", RoleName=name).get("AttachedPolicies") or []
        role["AttachedPolicyArns"] = [str(p["PolicyArn"]) for p in attached]
        role["tags"] = tag_map(role.get("Tags"))
        return role

    def _codedeploy_arn(self, resource: str) -> str:
        if self._account is None:
            self._account = str(self._aws.call("sts", "get_caller_identity")["Account"])
        region = self._aws.client("codedeploy").meta.region_name
        return f"arn:aws:codedeploy:{region}:{self._account}:{resource}"

    def _codedeploy_tags(self, resource: str) -> dict[str, str]:
        response = self._aws.call("codedeploy", "list_tags_for_resource", ResourceArn=self._codedeploy_arn(resource))
        return tag_map(response.get("Tags"))

    def application(self, name: str) -> dict[str, Any] | None:
        try:
            app = dict(self._aws.call("codedeploy", "get_application", applicationName=name)["application"])
        except AwsError as exc:
            if exc.code in _CODEDEPLOY_MISSING:
                return None
            raise
        app["tags"] = self._codedeploy_tags(f"application:{name}")
        return app

    def deployment_group(self, application: str, name: str) -> dict[str, Any] | None:
        try:
            response = self._aws.call(
                "codedeploy", "get_deployment_group", applicationName=application, deploymentGroupName=name
            )
        except AwsError as exc:
            if exc.code in _CODEDEPLOY_MISSING:
                return None
            raise
        group = dict(response["deploymentGroupInfo"])
        group["tags"] = self._codedeploy_tags(f"deploymentgroup:{application}/{name}")
        return group

    def deployment_groups(self, application: str) -> list[str]:
        names: list[str] = []
        try:
            for page in self._aws.paginate("codedeploy", "list_deployment_groups", applicationName=application):
                names.extend(page.get("deploymentGroups") or ())
        except AwsError as exc:
            if exc.code in _CODEDEPLOY_MISSING:
                return []
            raise
        return names

    # --- mutations --------------------------------------------------------------------
    def create_lb(self, kind: str, p: dict[str, Any]) -> dict[str, Any]:
        if kind == "target-group":
            attributes = p.pop("Attributes", {})
            p["Tags"] = aws_tags(p.get("Tags"))
            group = self._aws.call("elbv2", "create_target_group", **p)["TargetGroups"][0]
            arn = str(group["TargetGroupArn"])
            if attributes:
                self._aws.call(
                    "elbv2",
                    "modify_target_group_attributes",
                    TargetGroupArn=arn,
                    Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()],
                )
            return {"id": arn, "name": str(group["TargetGroupName"])}
        if kind == "listener":
            p["Tags"] = aws_tags(p.get("Tags"))
            return {"id": str(self._aws.call("elbv2", "create_listener", **p)["Listeners"][0]["ListenerArn"])}
        if kind == "rule":
            p["Tags"] = aws_tags(p.get("Tags"))
            return {"id": str(self._aws.call("elbv2", "create_rule", **p)["Rules"][0]["RuleArn"])}
        if kind == "role":
            policies = p.pop("ManagedPolicyArns", [])
            p["Tags"] = aws_tags(p.get("Tags"))
            p["AssumeRolePolicyDocument"] = json.dumps(p["AssumeRolePolicyDocument"])
            arn = str(self._aws.call("iam", "create_role", **p)["Role"]["Arn"])
            try:
                for policy in policies:
                    self._aws.call("iam", "attach_role_policy", RoleName=p["RoleName"], PolicyArn=policy)
            except AwsError:
                # A role without its policy is useless and would not be recorded: take it back.
                with contextlib.suppress(AwsError):
                    self.delete_lb("role", {"RoleName": p["RoleName"]})
                raise
            return {"id": arn}
        if kind == "application":
            p["tags"] = aws_tags(p.get("tags"))
            self._aws.call("codedeploy", "create_application", **p)
            return {"id": p["applicationName"]}
        if kind == "deployment-group":
            p["tags"] = aws_tags(p.get("tags"))
            self._aws.call("codedeploy", "create_deployment_group", **p)
            return {"id": p["deploymentGroupName"]}
        raise InternalError(f"bootstrap cannot create a {kind}")

    def delete_lb(self, kind: str, p: dict[str, Any]) -> None:
        if kind == "target-group":
            self._aws.call("elbv2", "delete_target_group", **p)
        elif kind == "listener":
            self._aws.call("elbv2", "delete_listener", **p)
        elif kind == "rule":
            self._aws.call("elbv2", "delete_rule", **p)
        elif kind == "role":
            name = p["RoleName"]
            attached = self._aws.call("iam", "list_attached_role_policies", RoleName=name).get("AttachedPolicies")
            for policy in attached or ():
                self._aws.call("iam", "detach_role_policy", RoleName=name, PolicyArn=policy["PolicyArn"])
            for inline in self._aws.call("iam", "list_role_policies", RoleName=name).get("PolicyNames") or ():
                self._aws.call("iam", "delete_role_policy", RoleName=name, PolicyName=inline)
            self._aws.call("iam", "delete_role", RoleName=name)
        elif kind == "application":
            self._aws.call("codedeploy", "delete_application", **p)
        elif kind == "deployment-group":
            self._aws.call("codedeploy", "delete_deployment_group", **p)
        else:
            raise InternalError(f"bootstrap cannot delete a {kind}")
