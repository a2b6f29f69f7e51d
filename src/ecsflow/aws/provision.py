"""Provisioning adapter: the create/describe/delete calls behind ``ecsflow bootstrap``.

Implements ``ecsflow.engines.bootstrap_apply.ProvisionPort`` for ECS clusters, services
and task definitions, CloudWatch Logs groups and the EC2 network checks here, and ELBv2,
IAM and CodeDeploy in ``provision_lb``. Reads return AWS's own response shapes with a
flat ``tags`` mapping added (ECS, ELBv2, IAM, Logs and CodeDeploy spell tags four ways);
a resource that does not exist reads as ``None``. Every call goes through
``AwsClients.call``, so errors are translated once, as everywhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from ecsflow.aws.ecs import EcsAdapter
from ecsflow.aws.provision_lb import LbProvisioning, ecs_tags, tag_map
from ecsflow.aws.session import AwsClients
from ecsflow.errors import AwsError, InternalError, ResourceNotFound
from ecsflow.ports import RegisteredTaskDefinition


class ProvisionAdapter(LbProvisioning):
    def __init__(self, clients: AwsClients) -> None:
        super().__init__(clients)
        self._ecs = EcsAdapter(clients)

    # --- reads ------------------------------------------------------------------------
    def describe_cluster(self, name: str) -> dict[str, Any] | None:
        response = self._aws.call("ecs", "describe_clusters", clusters=[name], include=["TAGS"])
        for raw in response.get("clusters") or ():
            if raw.get("status") != "INACTIVE":
                return {**raw, "tags": tag_map(raw.get("tags"))}
        return None

    def list_services(self, cluster: str) -> list[str]:
        arns: list[str] = []
        try:
            for page in self._aws.paginate("ecs", "list_services", cluster=cluster):
                arns.extend(page.get("serviceArns") or ())
        except ResourceNotFound:
            return []
        return arns

    def describe_service(self, cluster: str, name: str) -> dict[str, Any] | None:
        try:
            response = self._aws.call("ecs", "describe_services", cluster=cluster, services=[name], include=["TAGS"])
        except ResourceNotFound:  # ClusterNotFoundException: no cluster, so no service
            return None
        for raw in response.get("services") or ():
            return {**raw, "tags": tag_map(raw.get("tags"))}
        return None

    def newest_task_definition(self, family: str) -> RegisteredTaskDefinition | None:
        try:
            return self._ecs.describe_task_definition(family)
        except ResourceNotFound:
            return None

    def task_definition_tags(self, arn: str) -> dict[str, str] | None:
        try:
            td = self._ecs.describe_task_definition(arn)
        except ResourceNotFound:
            return None
        return dict(td.tags) if td.status == "ACTIVE" else None

    def log_group(self, name: str, region: str | None) -> dict[str, Any] | None:
        for page in self._aws.paginate("logs", "describe_log_groups", region=region, logGroupNamePrefix=name):
            for group in page.get("logGroups") or ():
                if group.get("logGroupName") == name:
                    response = self._aws.call("logs", "list_tags_log_group", region=region, logGroupName=name)
                    return {**group, "tags": dict(response.get("tags") or {})}
        return None

    def subnet_vpcs(self, ids: Sequence[str]) -> dict[str, str]:
        """The VPC of each subnet that exists (a filter, so missing ids are not an error)."""
        if not ids:
            return {}
        found: dict[str, str] = {}
        filters = [{"Name": "subnet-id", "Values": list(ids)}]
        for page in self._aws.paginate("ec2", "describe_subnets", Filters=filters):
            found.update({str(s["SubnetId"]): str(s.get("VpcId", "")) for s in page.get("Subnets") or ()})
        return found

    def missing_security_groups(self, ids: Sequence[str]) -> list[str]:
        if not ids:
            return []
        found: set[str] = set()
        filters = [{"Name": "group-id", "Values": list(ids)}]
        for page in self._aws.paginate("ec2", "describe_security_groups", Filters=filters):
            found.update(str(g["GroupId"]) for g in page.get("SecurityGroups") or ())
        return [i for i in ids if i not in found]

    # --- mutations --------------------------------------------------------------------
    def create(self, kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
        p = dict(params)
        if kind == "cluster":
            p["tags"] = ecs_tags(p.get("tags"))
            return {"id": self._aws.call("ecs", "create_cluster", **p)["cluster"]["clusterArn"]}
        if kind == "log-group":
            region = p.pop("region", None)
            self._aws.call("logs", "create_log_group", region=region, **p)
            return {"id": p["logGroupName"]}
        if kind == "task-definition":
            td = self._ecs.register_task_definition(p["body"], p.get("tags") or {})
            return {"id": td.arn}
        if kind == "service":
            p["tags"] = ecs_tags(p.get("tags"))
            return {"id": self._aws.call("ecs", "create_service", **p)["service"]["serviceArn"]}
        return self.create_lb(kind, p)

    def update(self, kind: str, params: Mapping[str, Any]) -> None:
        if kind == "service":
            self._aws.call("ecs", "update_service", **params)
        elif kind == "deployment-group":
            self._aws.call("codedeploy", "update_deployment_group", **params)
        else:
            raise InternalError(f"bootstrap cannot update a {kind}")

    def delete(self, kind: str, params: Mapping[str, Any]) -> None:
        p = dict(params)
        if kind == "service":
            if int(p.pop("desired", 0)):
                # DeleteService refuses a service that still has a desired count (unless forced);
                # scaling it to 0 first lets its tasks stop in order.
                self._aws.call("ecs", "update_service", cluster=p["cluster"], service=p["service"], desiredCount=0)
            self._aws.call("ecs", "delete_service", cluster=p["cluster"], service=p["service"], force=True)
        elif kind == "task-definition":
            self._ecs.deregister_task_definition(p["taskDefinition"])
        elif kind == "log-group":
            region = p.pop("region", None)
            with contextlib.suppress(ResourceNotFound):  # already gone: the goal is reached
                self._aws.call("logs", "delete_log_group", region=region, **p)
        elif kind == "cluster":
            try:
                self._aws.call("ecs", "delete_cluster", **p)
            except AwsError as exc:
                if exc.code in ("ClusterContainsServicesException", "ClusterContainsTasksException"):
                    raise AwsError(
                        f"cluster {p['cluster']} still has services or tasks: {exc.message}",
                        operation=exc.operation,
                        code=exc.code,
                        hint="wait until its services are INACTIVE, then re-run the delete",
                    ) from exc
                raise
        else:
            self.delete_lb(kind, p)
