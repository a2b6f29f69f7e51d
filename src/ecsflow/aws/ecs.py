"""ECS adapter: implements ``ecsflow.ports.EcsPort`` with boto3."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ecsflow.aws import ecs_parse as parse
from ecsflow.aws.session import AwsClients
from ecsflow.errors import AwsError, ResourceNotFound
from ecsflow.ports import (
    RegisteredTaskDefinition,
    ServiceDeploymentInfo,
    ServiceRevisionInfo,
    ServiceState,
    TaskInfo,
)

DESCRIBE_SERVICES_BATCH = 10  # DescribeServices takes at most 10 services per call
DESCRIBE_TASKS_BATCH = 100
DESCRIBE_SERVICE_DEPLOYMENTS_BATCH = 20
DESCRIBE_SERVICE_REVISIONS_BATCH = 20  # DescribeServiceRevisions takes at most 20 ARNs
# Codes meaning "this endpoint has no service deployments API" rather than a real failure.
_NO_API_CODES = frozenset({"UnknownOperationException", "InvalidAction", "InternalFailure", "500", "501"})
_REVISION = re.compile(r":(\d+)$")


class EcsAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients
        self._register_fields: frozenset[str] | None = None

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        return self._aws.call("ecs", method, **kwargs)

    def describe_services(self, cluster: str, services: Sequence[str]) -> dict[str, ServiceState]:
        out: dict[str, ServiceState] = {}
        names = list(dict.fromkeys(services))
        for i in range(0, len(names), DESCRIBE_SERVICES_BATCH):
            batch = names[i : i + DESCRIBE_SERVICES_BATCH]
            response = self._call("describe_services", cluster=cluster, services=batch)
            for raw in response.get("services") or ():
                state = parse.service(raw)
                # Answer under the name asked for, whether the caller used a name or an ARN.
                asked = next((n for n in batch if n in (state.name, state.arn)), state.name)
                out[asked] = state
        return out

    @property
    def register_fields(self) -> frozenset[str]:
        if self._register_fields is None:
            self._register_fields = self._aws.input_members("ecs", "RegisterTaskDefinition")
        return self._register_fields

    def describe_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        try:
            response = self._call("describe_task_definition", taskDefinition=ref, include=["TAGS"])
        except AwsError as exc:
            # ECS answers a missing revision with ClientException "Unable to describe task definition".
            if exc.code == "ClientException" and "describe task definition" in exc.message.lower():
                raise ResourceNotFound(
                    f"task definition {ref!r} does not exist",
                    operation=exc.operation,
                    code=exc.code,
                    hint="check the family and revision (`ecsflow revisions` lists them)",
                ) from exc
            raise
        return parse.task_definition(response["taskDefinition"], response.get("tags"), self.register_fields)

    def list_task_definitions(self, family: str, *, newest_first: bool = True, limit: int | None = None) -> list[str]:
        arns: list[str] = []
        # familyPrefix matches the family exactly despite its name (AWS-SEMANTICS.md §8.3).
        for page in self._aws.paginate(
            "ecs", "list_task_definitions", familyPrefix=family, status="ACTIVE", sort="DESC" if newest_first else "ASC"
        ):
            arns.extend(page.get("taskDefinitionArns") or ())
        # Sort locally too: some endpoints ignore `sort`; revision numbers are what count.
        arns = [a for a in arns if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]
        arns.sort(key=_revision_number, reverse=newest_first)
        return arns[:limit] if limit else arns

    def register_task_definition(self, body: Mapping[str, Any], tags: Mapping[str, str]) -> RegisteredTaskDefinition:
        request = dict(body)
        if tags:
            request["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        response = self._call("register_task_definition", **request)
        return parse.task_definition(response["taskDefinition"], response.get("tags"), self.register_fields)

    def update_service(
        self, cluster: str, service: str, task_definition: str, *, force_new_deployment: bool = False
    ) -> ServiceState:
        response = self._call(
            "update_service",
            cluster=cluster,
            service=service,
            taskDefinition=task_definition,
            forceNewDeployment=force_new_deployment,
        )
        return parse.service(response["service"])

    def service_deployments(
        self, cluster: str, service: str, *, created_after: float | None = None
    ) -> list[ServiceDeploymentInfo] | None:
        kwargs: dict[str, Any] = {"cluster": cluster, "service": service, "maxResults": 20}
        if created_after is not None:
            kwargs["createdAt"] = {"after": created_after}
        try:
            briefs = self._call("list_service_deployments", **kwargs).get("serviceDeployments") or []
            arns = [str(b["serviceDeploymentArn"]) for b in briefs]
            found: list[ServiceDeploymentInfo] = []
            for i in range(0, len(arns), DESCRIBE_SERVICE_DEPLOYMENTS_BATCH):
                batch = arns[i : i + DESCRIBE_SERVICE_DEPLOYMENTS_BATCH]
                response = self._call("describe_service_deployments", serviceDeploymentArns=batch)
                found.extend(parse.service_deployment(d) for d in response.get("serviceDeployments") or ())
        except AwsError as exc:
            if exc.code in _NO_API_CODES or exc.code is None:
                return None
            raise
        found.sort(key=lambda d: d.created_at, reverse=True)
        return found

    def list_stopped_tasks(
        self, cluster: str, *, started_by: str | None = None, family: str | None = None, limit: int = 20
    ) -> list[str]:
        kwargs: dict[str, Any] = {"cluster": cluster, "desiredStatus": "STOPPED"}
        if started_by:
            kwargs["startedBy"] = started_by
        elif family:
            kwargs["family"] = family
        arns: list[str] = []
        for page in self._aws.paginate("ecs", "list_tasks", max_items=limit, **kwargs):
            arns.extend(page.get("taskArns") or ())
        return arns[:limit]

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskInfo]:
        tasks: list[TaskInfo] = []
        for i in range(0, len(task_arns), DESCRIBE_TASKS_BATCH):
            batch = list(task_arns[i : i + DESCRIBE_TASKS_BATCH])
            response = self._call("describe_tasks", cluster=cluster, tasks=batch)
            tasks.extend(parse.task(t) for t in response.get("tasks") or ())
        return tasks

    # --- read-side verbs (status, revisions, history, deregister, rollback) -------------
    def describe_service_revisions(self, arns: Sequence[str]) -> list[ServiceRevisionInfo] | None:
        found: list[ServiceRevisionInfo] = []
        wanted = list(dict.fromkeys(arns))
        try:
            for i in range(0, len(wanted), DESCRIBE_SERVICE_REVISIONS_BATCH):
                batch = wanted[i : i + DESCRIBE_SERVICE_REVISIONS_BATCH]
                response = self._call("describe_service_revisions", serviceRevisionArns=batch)
                found.extend(parse.service_revision(r) for r in response.get("serviceRevisions") or ())
        except AwsError as exc:
            if exc.code in _NO_API_CODES or exc.code is None:
                return None
            raise
        return found

    def deregister_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        response = self._call("deregister_task_definition", taskDefinition=ref)
        return parse.task_definition(response["taskDefinition"], None, self.register_fields)

    def stop_service_deployment(self, arn: str, *, stop_type: str = "ROLLBACK") -> None:
        self._call("stop_service_deployment", serviceDeploymentArn=arn, stopType=stop_type)


def _revision_number(arn: str) -> int:
    match = _REVISION.search(arn)
    return int(match.group(1)) if match else 0
