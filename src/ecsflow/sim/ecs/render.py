"""Render the simulator's state onto moto's objects, which moto then serialises.

moto's response layer picks attributes from its objects by the botocore shape
(camelCase dict keys or snake_case attributes), so rendering means setting the
attributes DescribeServices / DescribeTasks / ListTasks read.
"""

from __future__ import annotations

import datetime
from typing import Any

from ecsflow.sim.ecs.state import STOPPED, Deployment, ServiceSim, SimTask


def ts(seconds: float | None) -> datetime.datetime | None:
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _deployment(sim: ServiceSim, deployment: Deployment, service: Any) -> dict[str, Any]:
    active = deployment.active_tasks()
    primary = deployment is sim.deployments[0]
    return {
        "id": deployment.id,
        "status": deployment.status,
        "taskDefinition": deployment.task_definition,
        # An ACTIVE deployment's desired count shrinks as it is scaled down (AWS-SEMANTICS 6.4).
        "desiredCount": sim.desired_count if primary and not deployment.launching_stopped else len(active),
        "pendingCount": sum(1 for t in active if t.last_status == "PENDING"),
        "runningCount": sum(1 for t in active if t.last_status == "RUNNING"),
        "failedTasks": deployment.failed_tasks,
        "createdAt": ts(deployment.created_at),
        "updatedAt": ts(deployment.updated_at),
        "launchType": sim.launch_type,
        "platformVersion": getattr(service, "platform_version", None),
        "platformFamily": None if sim.launch_type == "EC2" else "Linux",
        "networkConfiguration": sim.network_configuration or None,
        "rolloutState": deployment.rollout_state,
        "rolloutStateReason": deployment.rollout_state_reason,
    }


def render_service(sim: ServiceSim, service: Any) -> None:
    live = [t for t in sim.all_tasks() if t.active]
    service.status = sim.status
    service.desired_count = sim.desired_count
    service.running_count = sum(1 for t in live if t.last_status == "RUNNING")
    service.pending_count = sum(1 for t in live if t.last_status == "PENDING")
    service.task_definition = sim.task_definition
    service.deployment_configuration = sim.configuration
    service.events = [{"id": e.id, "createdAt": ts(e.created_at), "message": e.message} for e in sim.events]
    if sim.controller == "ECS":
        service.deployments = [_deployment(sim, d, service) for d in sim.deployments]
    current = next((r for r in reversed(sim.records)), None)
    service.current_service_deployment = current.arn if current is not None else None
    revisions: list[dict[str, Any]] = []
    for deployment in sim.deployments:
        if any(r["arn"] == deployment.revision_arn for r in revisions):
            continue
        active = deployment.active_tasks()
        revisions.append(
            {
                "arn": deployment.revision_arn,
                "requestedTaskCount": len(active),
                "runningTaskCount": sum(1 for t in active if t.last_status == "RUNNING"),
                "pendingTaskCount": sum(1 for t in active if t.last_status == "PENDING"),
            }
        )
    service.current_service_revisions = revisions or None


class TaskView:
    """A simulated task as moto's ECS backend and serializer expect a ``Task``.

    It reads through to the simulator's ``SimTask``; moto's ListTasks/DescribeTasks
    filter and serialise it like any other task.
    """

    def __init__(self, sim: ServiceSim, task: SimTask, cluster_arn: str, launch_type: str | None) -> None:
        self._sim = sim
        self._task = task
        self.cluster_arn = cluster_arn
        self.cluster_name = sim.cluster_name
        self.container_instance_arn: str | None = None
        self.launch_type = launch_type
        self.group = f"service:{sim.service_name}"
        self.tags: list[dict[str, str]] = []
        self.overrides: dict[str, Any] = {}
        self.attachments: list[dict[str, Any]] = []
        self.resource_requirements = None
        self.platform_version = None
        self.capacity_provider_name = None

    @property
    def sim_task(self) -> SimTask:
        return self._task

    @property
    def id(self) -> str:
        return self._task.task_id

    @property
    def task_arn(self) -> str:
        return self._task.arn

    @property
    def task_definition_arn(self) -> str:
        return self._task.task_definition_arn

    @property
    def started_by(self) -> str:
        return self._task.deployment_id

    @property
    def last_status(self) -> str:
        return self._task.last_status

    @last_status.setter
    def last_status(self, value: str) -> None:
        # moto's StopTask sets this; the adapter turns StopTask into a simulated stop.
        pass

    @property
    def desired_status(self) -> str:
        return self._task.desired_status

    @desired_status.setter
    def desired_status(self, value: str) -> None:
        pass

    @property
    def stopped_reason(self) -> str | None:
        return self._task.stopped_reason

    @stopped_reason.setter
    def stopped_reason(self, value: str) -> None:
        pass

    @property
    def stop_code(self) -> str | None:
        return self._task.stop_code

    @property
    def health_status(self) -> str:
        return "HEALTHY" if self._task.healthy else "UNKNOWN"

    @property
    def created_at(self) -> datetime.datetime | None:
        return ts(self._task.created_at)

    @property
    def started_at(self) -> datetime.datetime | None:
        return ts(self._task.started_at)

    @property
    def stopping_at(self) -> datetime.datetime | None:
        return ts(self._task.stopping_at)

    @property
    def stopped_at(self) -> datetime.datetime | None:
        return ts(self._task.stopped_at)

    @property
    def containers(self) -> list[dict[str, Any]]:
        task = self._task
        failed = task.stop_code == "EssentialContainerExited"
        result = []
        for spec in task.containers:
            container: dict[str, Any] = {
                "containerArn": f"{task.arn.replace(':task/', ':container/')}/{spec.name}",
                "taskArn": task.arn,
                "name": spec.name,
                "image": spec.image,
                "lastStatus": task.last_status,
                "healthStatus": "HEALTHY" if task.healthy else "UNKNOWN",
            }
            if task.last_status == STOPPED:
                if failed and spec.essential:
                    container["exitCode"] = task.exit_code
                    container["reason"] = task.container_reason
                elif task.stop_code != "TaskFailedToStart":
                    container["exitCode"] = 0
            result.append(container)
        return result

    def advance(self) -> None:
        """moto's DescribeTasks advances its own task state machine; ours moves with the clock."""


def sync_tasks(sim: ServiceSim, backend: Any, cluster_arn: str) -> None:
    """Show every live and recently stopped simulated task in moto's task table."""
    table = backend.tasks.setdefault(sim.cluster_name, {})
    wanted = {t.arn: t for t in [*sim.all_tasks(), *sim.stopped_tasks]}
    for arn, view in list(table.items()):
        if isinstance(view, TaskView) and view._sim is sim and arn not in wanted:
            del table[arn]
    for arn, task in wanted.items():
        current = table.get(arn)
        if not isinstance(current, TaskView) or current.sim_task is not task:
            table[arn] = TaskView(sim, task, cluster_arn, sim.launch_type)
