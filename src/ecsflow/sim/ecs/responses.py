"""ECS operations moto 5.2.5 does not implement, added as response methods.

ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment,
ContinueServiceDeployment and DescribeServiceRevisions (AWS-SEMANTICS 6.6 and 7.4).
moto dispatches by method name, parses parameters from the botocore model and
serialises the returned ``ActionResult``, so each is a method of
``EC2ContainerServiceResponse``.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.exceptions import ECSException, InvalidParameterException
from moto.ecs.responses import EC2ContainerServiceResponse

from ecsflow.sim.ecs import adapter, machine
from ecsflow.sim.ecs.render import ts
from ecsflow.sim.ecs.state import ServiceDeploymentRecord, ServiceSim

DEFAULT_PAGE = 20  # ListServiceDeployments maxResults default (ECS API reference)
MAX_DESCRIBE = 20  # DescribeServiceDeployments takes up to 20 ARNs


def _not_found(arn: str) -> ECSException:
    return ECSException("ServiceDeploymentNotFoundException", f"Service deployment {arn} was not found.")


def _find(backend: Any, arn: str) -> tuple[Any, ServiceSim, ServiceDeploymentRecord] | None:
    """The (moto service, simulation, record) a service deployment ARN names."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[5].startswith("service-deployment/"):
        return None
    path = parts[5].split("/")
    if len(path) != 4:
        return None
    service = backend.services.get(f"{path[1]}:{path[2]}")
    sim = adapter.sim_of(service)
    if sim is None:
        return None
    record = sim.record(arn)
    return (service, sim, record) if record is not None else None


def _summary(sim: ServiceSim, arn: str, weight: float, test_weight: float) -> dict[str, Any]:
    tasks = [t for d in sim.deployments if d.revision_arn == arn for t in d.active_tasks()]
    return {
        "arn": arn,
        "requestedTaskCount": len(tasks),
        "runningTaskCount": sum(1 for t in tasks if t.last_status == "RUNNING"),
        "pendingTaskCount": sum(1 for t in tasks if t.last_status == "PENDING"),
        "requestedProductionTrafficWeight": weight,
        "requestedTestTrafficWeight": test_weight,
    }


def _full(sim: ServiceSim, record: ServiceDeploymentRecord) -> dict[str, Any]:
    source_weight = 100.0 - record.prod_weight
    source_test = 100.0 - record.test_weight
    result: dict[str, Any] = {
        "serviceDeploymentArn": record.arn,
        "serviceArn": sim.service_arn,
        "clusterArn": sim.cluster_arn,
        "createdAt": ts(record.created_at),
        "startedAt": ts(record.started_at),
        "finishedAt": ts(record.finished_at),
        "stoppedAt": ts(record.stopped_at),
        "updatedAt": ts(record.updated_at),
        "sourceServiceRevisions": [
            _summary(sim, arn, source_weight, source_test) for arn in record.source_revision_arns
        ],
        "targetServiceRevision": _summary(sim, record.target_revision_arn, record.prod_weight, record.test_weight),
        "status": record.status,
        "statusReason": record.status_reason,
        "deploymentConfiguration": record.configuration,
        "deploymentCircuitBreaker": record.circuit_breaker,
        "rollback": dict(record.rollback, startedAt=ts(record.rollback["startedAt"])) if record.rollback else None,
        "lifecycleStage": record.lifecycle_stage,
    }
    if record.hooks:
        result["lifecycleHookDetails"] = [
            {
                "hookId": h.hook_id,
                "targetType": h.target_type,
                "targetArn": h.target_arn,
                "status": h.status,
                "expiresAt": ts(h.expires_at),
                "timeoutAction": h.timeout_action,
            }
            for h in record.hooks
        ]
    return result


def list_service_deployments(self: Any) -> ActionResult:
    backend = self.ecs_backend
    service = backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
    sim = adapter.sim_of(service)
    records = list(reversed(sim.records)) if sim is not None else []  # newest first (assumed)
    statuses = self._get_param("status") or []
    if statuses:
        records = [r for r in records if r.status in statuses]
    created = self._get_param("createdAt") or {}
    before, after = created.get("before"), created.get("after")
    if before is not None:
        records = [r for r in records if ts(r.created_at) < _aware(before)]
    if after is not None:
        records = [r for r in records if ts(r.created_at) > _aware(after)]
    size = int(self._get_param("maxResults") or DEFAULT_PAGE)
    if not 1 <= size <= 100:
        raise InvalidParameterException("maxResults must be between 1 and 100.")
    token = self._get_param("nextToken")
    start = int(token) if token and str(token).isdigit() else 0
    page = records[start : start + size]
    result: dict[str, Any] = {
        "serviceDeployments": [
            {
                "serviceDeploymentArn": r.arn,
                "serviceArn": sim.service_arn if sim else None,
                "clusterArn": sim.cluster_arn if sim else None,
                "startedAt": ts(r.started_at),
                "createdAt": ts(r.created_at),
                "finishedAt": ts(r.finished_at),
                "targetServiceRevisionArn": r.target_revision_arn,
                "status": r.status,
                "statusReason": r.status_reason,
            }
            for r in page
        ]
    }
    if start + size < len(records):
        result["nextToken"] = str(start + size)
    return ActionResult(result)


def _aware(value: Any) -> Any:
    import datetime

    from botocore.utils import parse_to_aware_datetime

    parsed = parse_to_aware_datetime(value)
    return parsed.astimezone(datetime.UTC)


def describe_service_deployments(self: Any) -> ActionResult:
    arns = list(self._get_param("serviceDeploymentArns") or [])
    if not arns or len(arns) > MAX_DESCRIBE:
        raise InvalidParameterException("serviceDeploymentArns must contain between 1 and 20 ARNs.")
    found, failures = [], []
    for arn in arns:
        match = _find(self.ecs_backend, arn)
        if match is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            found.append(_full(match[1], match[2]))
    return ActionResult({"serviceDeployments": found, "failures": failures})


def stop_service_deployment(self: Any) -> ActionResult:
    arn = self._get_param("serviceDeploymentArn")
    match = _find(self.ecs_backend, arn)
    if match is None:
        raise _not_found(arn)
    _, sim, record = match
    if not machine.is_stoppable(record):
        raise ECSException("ConflictException", f"Service deployment {arn} is {record.status} and cannot be stopped.")
    ctx = adapter.active()
    if ctx is None:
        raise ECSException("UnsupportedFeatureException", "The service deployment simulator is not running.")
    stop_type = self._get_param("stopType") or "ROLLBACK"
    machine.stop(adapter.env_for(ctx, self.ecs_backend), sim, record, stop_type, ctx.clock.now())
    return ActionResult({"serviceDeploymentArn": arn})


def continue_service_deployment(self: Any) -> ActionResult:
    arn = self._get_param("serviceDeploymentArn")
    hook_id = self._get_param("hookId")
    match = _find(self.ecs_backend, arn)
    if match is None:
        raise _not_found(arn)
    service, sim, record = match
    hook = next((h for h in record.hooks if h.hook_id == hook_id), None)
    # The deployment must be IN_PROGRESS and the hook AWAITING_ACTION (AWS-SEMANTICS 7.4).
    if record.status != "IN_PROGRESS" or hook is None or hook.status != "AWAITING_ACTION":
        raise InvalidParameterException(f"Hook {hook_id} of service deployment {arn} is not awaiting an action.")
    ctx = adapter.active()
    if ctx is None:
        raise ECSException("UnsupportedFeatureException", "The service deployment simulator is not running.")
    env = adapter.env_for(ctx, self.ecs_backend)
    machine.continue_hook(env, sim, hook_id, self._get_param("action") or "CONTINUE", ctx.clock.now())
    adapter.render_all(sim, service, self.ecs_backend)
    return ActionResult({"serviceDeploymentArn": arn})


def describe_service_revisions(self: Any) -> ActionResult:
    arns = list(self._get_param("serviceRevisionArns") or [])
    found, failures = [], []
    for arn in arns:
        path = arn.split(":", 5)[-1].split("/")
        service = self.ecs_backend.services.get(f"{path[1]}:{path[2]}") if len(path) == 4 else None
        sim = adapter.sim_of(service)
        revision = sim.revisions.get(arn) if sim is not None else None
        if revision is None or sim is None:
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        found.append(
            {
                "serviceRevisionArn": revision.arn,
                "serviceArn": sim.service_arn,
                "clusterArn": sim.cluster_arn,
                "taskDefinition": revision.task_definition,
                "launchType": revision.launch_type,
                "loadBalancers": revision.load_balancers,
                "networkConfiguration": revision.network_configuration,
                "containerImages": revision.container_images,
                "createdAt": ts(revision.created_at),
            }
        )
    return ActionResult({"serviceRevisions": found, "failures": failures})


OPERATIONS = {
    "list_service_deployments": list_service_deployments,
    "describe_service_deployments": describe_service_deployments,
    "stop_service_deployment": stop_service_deployment,
    "continue_service_deployment": continue_service_deployment,
    "describe_service_revisions": describe_service_revisions,
}


def add_operations() -> None:
    """Idempotent: sets the same functions again."""
    for name, method in OPERATIONS.items():
        setattr(EC2ContainerServiceResponse, name, method)
