"""Wrap moto's ECS response methods so services roll out over simulated time.

moto 5.2.5 keeps ECS static (MOTO-FIDELITY 1): CreateService drops
``deploymentConfiguration``, UpdateService stores ``taskDefinition`` raw and never adds
a deployment, ListTasks ignores ``serviceName``. Each wrapper validates the request
the way ECS does, lets moto do its part, then hands the change to the simulator
(``machine``) and renders the result back onto moto's objects. The simulator's state
hangs off moto's ``Service`` object, so a moto reset forgets it too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.exceptions import ECSException, InvalidParameterException
from moto.ecs.models import ecs_backends
from moto.ecs.responses import EC2ContainerServiceResponse

from ecsflow.sim.context import SimContext
from ecsflow.sim.ecs import config, machine, render, tasks
from ecsflow.sim.ecs.env import MotoEnv
from ecsflow.sim.ecs.state import ServiceSim

# ECS's message (AWS-SEMANTICS 1.2, observed).
CODE_DEPLOY_REFUSAL = (
    "Unable to update task definition on services with a CODE_DEPLOY deployment controller. "
    "Use AWS CodeDeploy to trigger a new deployment."
)
SIM_ATTRIBUTE = "_ecsflow_sim"


class _State:
    ctx: SimContext | None = None


STATE = _State()
ORIGINALS: dict[str, Callable[..., Any]] = {}


def active() -> SimContext | None:
    return STATE.ctx


def env_for(ctx: SimContext, response_or_backend: Any) -> MotoEnv:
    return MotoEnv(ctx, response_or_backend.account_id, response_or_backend.region_name)


def sim_of(service: Any) -> ServiceSim | None:
    sim = getattr(service, SIM_ATTRIBUTE, None)
    return sim if isinstance(sim, ServiceSim) else None


def resolve_task_definition(backend: Any, value: str) -> str:
    """``family`` → latest ACTIVE revision, ``family:rev`` or ARN → that revision's ARN.

    An INACTIVE revision is refused (AWS-SEMANTICS 6.1 and 8.4; the wording
    "TaskDefinition is inactive" is what ECS answers, observed).
    """
    name = value.rsplit("/", maxsplit=1)[-1]
    if ":" not in name:
        revisions = backend.task_definitions.get(name) or {}
        active_revisions = [r for r, d in revisions.items() if d.status == "ACTIVE"]
        if not active_revisions:
            raise ECSException("ClientException", "Unable to describe task definition.")
        return str(revisions[max(active_revisions)].arn)
    definition = backend.describe_task_definition(value)
    if definition.status != "ACTIVE":
        raise ECSException("ClientException", "TaskDefinition is inactive")
    return str(definition.arn)


def render_all(sim: ServiceSim, service: Any, backend: Any) -> None:
    render.render_service(sim, service)
    render.sync_tasks(sim, backend, service.cluster_arn)


class EcsMachine:
    """Registered with the ``SimContext``: advances every simulated service."""

    def advance_to(self, now: float) -> None:
        ctx = active()
        if ctx is None:
            return
        for account_backends in dict.values(ecs_backends):
            for backend in dict.values(account_backends):
                for service in list(backend.services.values()):
                    sim = sim_of(service)
                    if sim is not None:
                        machine.advance(env_for(ctx, backend), sim, now)
                        render_all(sim, service, backend)


def pending_hooks() -> list[dict[str, Any]]:
    """ECS lifecycle hooks waiting for a result or a ContinueServiceDeployment (``/_ecsflow/hooks``)."""
    out: list[dict[str, Any]] = []
    for account_backends in dict.values(ecs_backends):
        for backend in dict.values(account_backends):
            for service in list(backend.services.values()):
                sim = sim_of(service)
                run = sim.native if sim is not None else None
                if run is None:
                    continue
                for hook in run.record.hooks:
                    if hook.status in ("AWAITING_ACTION", "IN_PROGRESS"):
                        out.append(
                            {
                                "serviceDeploymentArn": run.record.arn,
                                "hookId": hook.hook_id,
                                "lifecycleStage": run.record.lifecycle_stage,
                                "targetType": hook.target_type,
                                "targetArn": hook.target_arn,
                                "status": hook.status,
                                "expiresAt": hook.expires_at,
                            }
                        )
    return out


def _create_service(self: Any) -> Any:
    ctx = active()
    if ctx is None:
        return ORIGINALS["create_service"](self)
    with ctx.lock:
        backend = self.ecs_backend
        _check_configuration(self._get_param("deploymentConfiguration"))
        requested = self._get_param("taskDefinition")
        definition = resolve_task_definition(backend, requested) if requested else None
        result = ORIGINALS["create_service"](self)
        service = result.result["service"]
        scheduling = self._get_param("schedulingStrategy") or "REPLICA"
        service.deployment_configuration = config.with_defaults(self._get_param("deploymentConfiguration"), scheduling)
        if definition is not None:
            service.task_definition = definition
        controller = service.deployment_controller.get("type", "ECS")
        if controller != "ECS" or definition is None:
            return result  # task sets (CODE_DEPLOY / EXTERNAL) belong to their own simulators
        sim = ServiceSim(
            cluster_name=service.cluster_name,
            service_name=service.name,
            service_arn=service.arn,
            cluster_arn=service.cluster_arn,
            desired_count=int(service.desired_count or 0),
            configuration=service.deployment_configuration,
            controller=controller,
            task_definition=definition,
            launch_type=service.launch_type,
            load_balancers=list(service.load_balancers or []),
            network_configuration=service.network_configuration or None,
        )
        setattr(service, SIM_ATTRIBUTE, sim)
        now = ctx.clock.now()
        sim.processed_at = now
        machine.start_deployment(env_for(ctx, backend), sim, now, definition)
        render_all(sim, service, backend)
        return result


def _update_service(self: Any) -> Any:
    ctx = active()
    if ctx is None:
        return ORIGINALS["update_service"](self)
    with ctx.lock:
        backend = self.ecs_backend
        params = self._get_params()
        _check_configuration(params.get("deploymentConfiguration"))
        service = backend._get_service(params.get("cluster", "default"), params["service"])
        requested = params.get("taskDefinition")
        definition = resolve_task_definition(backend, requested) if requested else None
        if service.status != "ACTIVE":
            # UpdateService on a deleted service (ECS API reference: ServiceNotActiveException).
            raise ECSException("ServiceNotActiveException", "Service was not ACTIVE.")
        controller = service.deployment_controller.get("type", "ECS")
        if controller == "CODE_DEPLOY" and definition is not None and definition != service.task_definition:
            raise InvalidParameterException(CODE_DEPLOY_REFUSAL)
        stored_config = copy.deepcopy(getattr(service, "deployment_configuration", None) or config.with_defaults(None))
        triggered = any(
            params.get(key) is not None and params.get(key) != getattr(service, _snake(key), None)
            for key in config.DEPLOYMENT_TRIGGERS
        )
        result = ORIGINALS["update_service"](self)
        service.deployment_configuration = config.merge(stored_config, params.get("deploymentConfiguration"))
        sim = sim_of(service)
        if sim is None:
            if definition is not None:
                service.task_definition = definition
            return result
        sim.load_balancers = list(service.load_balancers or [])
        sim.network_configuration = service.network_configuration or None
        now = ctx.clock.now()
        machine.update(
            env_for(ctx, backend),
            sim,
            now,
            task_definition=definition,
            force=bool(params.get("forceNewDeployment")),
            triggered=triggered,
            desired_count=params.get("desiredCount"),
            deployment_configuration=params.get("deploymentConfiguration"),
        )
        render_all(sim, service, backend)
        return result


def _check_configuration(configuration: dict[str, Any] | None) -> None:
    message = config.problem(configuration)
    if message is not None:
        raise InvalidParameterException(message)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _delete_service(self: Any) -> Any:
    ctx = active()
    if ctx is None:
        return ORIGINALS["delete_service"](self)
    with ctx.lock:
        result = ORIGINALS["delete_service"](self)
        service = result.result["service"]
        sim = sim_of(service)
        if sim is not None:
            machine.delete(env_for(ctx, self.ecs_backend), sim, ctx.clock.now())
            render_all(sim, service, self.ecs_backend)
        return result


def _list_tasks(self: Any) -> Any:
    result = ORIGINALS["list_tasks"](self)
    if active() is None:
        return result
    service_name = self._get_param("serviceName")
    desired = self._get_param("desiredStatus")
    backend = self.ecs_backend
    views = {arn: view for table in backend.tasks.values() for arn, view in table.items()}
    kept = []
    for arn in result.result["taskArns"]:
        view = views.get(arn)
        if service_name and getattr(view, "group", None) != f"service:{service_name.split('/')[-1]}":
            continue
        # ListTasks lists desiredStatus RUNNING unless asked otherwise (ECS API reference).
        if desired is None and isinstance(view, render.TaskView) and view.desired_status != "RUNNING":
            continue
        kept.append(arn)
    return ActionResult({"taskArns": kept})


def _stop_task(self: Any) -> Any:
    ctx = active()
    if ctx is None:
        return ORIGINALS["stop_task"](self)
    with ctx.lock:
        backend = self.ecs_backend
        wanted = str(self._get_param("task")).split("/")[-1]
        for table in backend.tasks.values():
            for view in table.values():
                if isinstance(view, render.TaskView) and view.id == wanted:
                    sim = view._sim
                    if view.sim_task.active:
                        reason = self._get_param("reason") or "Task stopped by user"
                        env = env_for(ctx, backend)
                        tasks.stop(env, sim, [view.sim_task], ctx.clock.now(), reason, code="UserInitiated")
                        machine.step(env, sim, ctx.clock.now())
                    return ActionResult({"task": view})
        return ORIGINALS["stop_task"](self)


WRAPPERS: dict[str, Callable[..., Any]] = {
    "create_service": _create_service,
    "update_service": _update_service,
    "delete_service": _delete_service,
    "list_tasks": _list_tasks,
    "stop_task": _stop_task,
}


def patch(ctx: SimContext) -> None:
    """Idempotent: the wrappers are installed once; a later call only rebinds the context."""
    STATE.ctx = ctx
    if ORIGINALS:
        return
    for name, wrapper in WRAPPERS.items():
        ORIGINALS[name] = getattr(EC2ContainerServiceResponse, name)
        setattr(EC2ContainerServiceResponse, name, wrapper)
