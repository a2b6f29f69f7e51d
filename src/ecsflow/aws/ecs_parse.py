"""ECS response dicts -> the typed values of ``ecsflow.ports`` (parse at the boundary)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ecsflow.ports import (
    ContainerState,
    EcsDeployment,
    LoadBalancerRef,
    RegisteredTaskDefinition,
    ServiceDeploymentInfo,
    ServiceEvent,
    ServiceRevisionInfo,
    ServiceState,
    TaskInfo,
)


def epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def deployment(d: Mapping[str, Any]) -> EcsDeployment:
    return EcsDeployment(
        id=str(d.get("id", "")),
        status=str(d.get("status", "")),
        task_definition=str(d.get("taskDefinition", "")),
        desired=int(d.get("desiredCount", 0)),
        running=int(d.get("runningCount", 0)),
        pending=int(d.get("pendingCount", 0)),
        failed_tasks=int(d.get("failedTasks", 0)),
        rollout_state=d.get("rolloutState"),
        rollout_reason=d.get("rolloutStateReason"),
        created_at=epoch(d.get("createdAt")),
        updated_at=epoch(d.get("updatedAt")),
    )


def service(s: Mapping[str, Any]) -> ServiceState:
    config = s.get("deploymentConfiguration") or {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    alarms = config.get("alarms") or {}
    alarm_names = tuple(alarms.get("alarmNames") or ()) if alarms.get("enable") else ()
    return ServiceState(
        cluster=str(s.get("clusterArn", "")),
        name=str(s.get("serviceName", "")),
        arn=str(s.get("serviceArn", "")),
        status=str(s.get("status", "")),
        task_definition=str(s.get("taskDefinition", "")),
        desired=int(s.get("desiredCount", 0)),
        running=int(s.get("runningCount", 0)),
        pending=int(s.get("pendingCount", 0)),
        deployments=tuple(deployment(d) for d in s.get("deployments") or ()),
        events=tuple(_event(e) for e in s.get("events") or ()),
        controller=str((s.get("deploymentController") or {}).get("type", "ECS")),
        strategy=str(config.get("strategy") or "ROLLING"),
        circuit_breaker=bool(breaker.get("enable", False)),
        circuit_breaker_rollback=bool(breaker.get("rollback", False)),
        alarms=alarm_names,
        alarms_rollback=bool(alarms.get("rollback", False)) and bool(alarm_names),
        minimum_healthy_percent=config.get("minimumHealthyPercent"),
        maximum_percent=config.get("maximumPercent"),
        health_check_grace_seconds=int(s.get("healthCheckGracePeriodSeconds") or 0),
        load_balancers=tuple(
            LoadBalancerRef(
                target_group_arn=lb.get("targetGroupArn"),
                container_name=lb.get("containerName"),
                container_port=lb.get("containerPort"),
            )
            for lb in s.get("loadBalancers") or ()
        ),
        current_service_deployment=s.get("currentServiceDeployment"),
        launch_type=s.get("launchType"),
    )


def _event(e: Mapping[str, Any]) -> ServiceEvent:
    message = str(e.get("message", ""))
    return ServiceEvent(id=str(e.get("id", "")), created_at=epoch(e.get("createdAt")), message=message)


def task_definition(
    td: Mapping[str, Any], tags: list[Mapping[str, str]] | None, register_fields: frozenset[str]
) -> RegisteredTaskDefinition:
    """Keep only what RegisterTaskDefinition accepts (botocore's model decides, §8.1)."""
    body = {k: v for k, v in td.items() if k in register_fields and k != "tags"}
    return RegisteredTaskDefinition(
        arn=str(td["taskDefinitionArn"]),
        family=str(td["family"]),
        revision=int(td.get("revision", 0)),
        status=str(td.get("status", "ACTIVE")),
        body=body,
        tags={str(t["key"]): str(t.get("value", "")) for t in tags or ()},
        registered_at=epoch(td["registeredAt"]) if td.get("registeredAt") else None,
    )


def service_deployment(d: Mapping[str, Any]) -> ServiceDeploymentInfo:
    rollback = d.get("rollback") or {}
    breaker = d.get("deploymentCircuitBreaker") or {}
    alarms = d.get("alarms") or {}
    target = d.get("targetServiceRevision") or {}
    finished = d.get("finishedAt")
    return ServiceDeploymentInfo(
        arn=str(d.get("serviceDeploymentArn", "")),
        status=str(d.get("status", "")),
        status_reason=d.get("statusReason"),
        target_revision_arn=target.get("arn") or d.get("targetServiceRevisionArn"),
        created_at=epoch(d.get("createdAt")),
        finished_at=epoch(finished) if finished else None,
        rollback_reason=rollback.get("reason"),
        circuit_breaker_status=breaker.get("status"),
        triggered_alarms=tuple(alarms.get("triggeredAlarmNames") or ()),
    )


def task(t: Mapping[str, Any]) -> TaskInfo:
    stopped = t.get("stoppedAt")
    return TaskInfo(
        arn=str(t.get("taskArn", "")),
        task_definition=str(t.get("taskDefinitionArn", "")),
        last_status=str(t.get("lastStatus", "")),
        started_by=t.get("startedBy"),
        stopped_reason=t.get("stoppedReason"),
        stop_code=t.get("stopCode"),
        stopped_at=epoch(stopped) if stopped else None,
        containers=tuple(
            ContainerState(
                name=str(c.get("name", "")),
                exit_code=c.get("exitCode"),
                reason=c.get("reason"),
                last_status=c.get("lastStatus"),
            )
            for c in t.get("containers") or ()
        ),
    )


def service_revision(r: Mapping[str, Any]) -> ServiceRevisionInfo:
    return ServiceRevisionInfo(
        arn=str(r.get("serviceRevisionArn", "")),
        task_definition=str(r.get("taskDefinition", "")),
        images=tuple(
            (str(c.get("containerName", "")), str(c.get("image", "")), c.get("imageDigest"))
            for c in r.get("containerImages") or ()
        ),
        created_at=epoch(r.get("createdAt")),
    )
