"""One-off ECS tasks for pipeline ``run: {task: …}`` actions: RunTask with a service's settings.

The task runs the service's current task definition with the service's launch settings
(launch type or capacity provider strategy, platform version, network configuration), as
``ecspresso run`` does, so a migration runs where the service runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ecsflow.aws import ecs_parse as parse
from ecsflow.aws.session import AwsClients
from ecsflow.errors import OperationFailed, ResourceNotFound
from ecsflow.ports import TaskInfo

_LAUNCH_KEYS = ("launchType", "capacityProviderStrategy", "platformVersion", "networkConfiguration")


class EcsTaskRunner:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def service_launch(self, cluster: str, service: str) -> dict[str, Any]:
        """The service's task definition ARN and launch settings, in RunTask's parameter names."""
        response = self._aws.call("ecs", "describe_services", cluster=cluster, services=[service])
        found = [s for s in response.get("services") or () if s.get("status") != "INACTIVE"]
        if not found:
            raise ResourceNotFound(
                f"service {service!r} not found in cluster {cluster!r}",
                operation="ecs:DescribeServices",
                hint="the task runs with a configured service's settings: check services.<key> in ecsflow.yml",
            )
        svc = found[0]
        out = {k: svc[k] for k in _LAUNCH_KEYS if svc.get(k)}
        out["taskDefinition"] = svc["taskDefinition"]
        return out

    def run_task(self, cluster: str, launch: dict[str, Any], overrides: dict[str, Any], started_by: str) -> str:
        response = self._aws.call(
            "ecs", "run_task", cluster=cluster, count=1, startedBy=started_by[:128], overrides=overrides, **launch
        )
        failures = response.get("failures") or ()
        tasks = response.get("tasks") or ()
        if failures or not tasks:
            why = "; ".join(
                f"{f.get('arn', '')} {f.get('reason', '')}: {f.get('detail', '')}".strip() for f in failures
            )
            raise OperationFailed(
                f"ECS did not start the task: {why or 'no task returned'}", hint="check the cluster's capacity"
            )
        return str(tasks[0]["taskArn"])

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskInfo]:
        response = self._aws.call("ecs", "describe_tasks", cluster=cluster, tasks=list(task_arns))
        return [parse.task(t) for t in response.get("tasks") or ()]
