"""CodeDeploy deployment operations: CreateDeployment (wrapped), StopDeployment,
ContinueDeployment and PutLifecycleEventHookExecutionStatus (added), and the
``errorInformation`` / ``rollbackInfo`` fields moto leaves empty.

Response methods run inside moto's ``CodeDeployResponse`` (``self`` is the response):
moto dispatches by method name and serialises the returned ``ActionResult`` with the
botocore model; errors are ``CodeDeployError`` (see errors.py).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ecs.models import ecs_backends

from ecsflow.sim.codedeploy.appspec import AppSpec, AppSpecProblem, parse, revision_content
from ecsflow.sim.codedeploy.effects import MotoEffects, WorldProblem, resolve
from ecsflow.sim.codedeploy.errors import error
from ecsflow.sim.codedeploy.machine import Deployment
from ecsflow.sim.codedeploy.simulator import CodeDeploySimulator, Run, extra_info, render, stamp
from ecsflow.sim.codedeploy.state import active
from ecsflow.sim.codedeploy.timing import Plan

_INVALID_APPSPEC = (
    "The deployment failed because the AppSpec file that specifies the deployment configuration "
    "is missing or has an invalid configuration. "
)


def _minutes(value: Any) -> float:
    return float(value or 0) * 60.0


def install_failure(
    sim: CodeDeploySimulator, account: str, region: str, spec: AppSpec | None, cluster: str, service: str
) -> str | None:
    """Why the replacement tasks fail to start under the scenario (a failing image, or
    ``fail_new_tasks``), or None."""
    if spec is None:
        return None
    scenario = sim.ctx.scenario
    behaviour = scenario.for_service(cluster, service)
    definition = next(
        (
            td
            for revisions in ecs_backends[account][region].task_definitions.values()
            for td in revisions.values()
            if td.arn == spec.task_definition
        ),
        None,
    )
    images: list[str] = [str(c.get("image", "")) for c in (definition.container_definitions if definition else [])]
    if behaviour.fail_new_tasks or any(
        fnmatch.fnmatchcase(image, pattern) for image in images for pattern in scenario.failing_images
    ):
        return behaviour.failure_reason
    return None


def build_plan(
    sim: CodeDeploySimulator,
    group: Any,
    config_steps: list[tuple[float, float]],
    spec: AppSpec | None,
    desired: int,
    cluster: str,
    service: str,
    problem: tuple[str, str] | None,
    auto_rollback: dict[str, Any] | None,
    failure: str | None = None,
    alarm_config: dict[str, Any] | None = None,
) -> Plan:
    blue_green = group.blue_green_deployment_configuration or {}
    ready = blue_green.get("deploymentReadyOption") or {}
    ready_wait = _minutes(ready.get("waitTimeInMinutes")) if ready.get("actionOnTimeout") == "STOP_DEPLOYMENT" else None
    terminate = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    rollback = auto_rollback if auto_rollback is not None else (group.auto_rollback_configuration or {})
    watch = alarm_config if alarm_config is not None else (group.alarm_configuration or {})
    watched = tuple(a["name"] for a in watch.get("alarms") or []) if watch.get("enabled") else ()
    rollback_events = rollback.get("events") or [] if rollback.get("enabled") else []
    scenario = sim.ctx.scenario.for_service(cluster, service)
    pairs = (group.load_balancer_info or {}).get("targetGroupPairInfoList") or [{}]
    has_test = bool((pairs[0].get("testTrafficRoute") or {}).get("listenerArns"))
    return Plan(
        desired_count=desired,
        traffic_steps=config_steps,
        hooks=dict(spec.hooks) if spec else {},
        hook_results=dict(scenario.hook_results),
        has_test_listener=has_test,
        ready_wait_seconds=ready_wait,
        termination_wait_seconds=_minutes(terminate.get("terminationWaitTimeInMinutes")),
        rollback_on_failure="DEPLOYMENT_FAILURE" in rollback_events,
        alarms=watched,
        ignore_alarm_poll_failure=bool(watch.get("ignorePollAlarmFailure")),
        rollback_on_alarm="DEPLOYMENT_STOP_ON_ALARM" in rollback_events,
        task_start_seconds=scenario.task_start_seconds,
        healthy_after_seconds=scenario.healthy_after_seconds,
        problem=problem,
        install_failure=failure,
    )


def create_deployment(original: Callable[[Any], ActionResult]) -> Callable[[Any], ActionResult]:
    def wrapper(self: Any) -> ActionResult:
        sim = active()
        backend = self.codedeploy_backend
        app = backend.applications.get(self._get_param("applicationName"))
        group = backend.deployment_groups.get(self._get_param("applicationName"), {}).get(
            self._get_param("deploymentGroupName")
        )
        if sim is None or app is None or group is None or app.compute_platform != "ECS":
            return original(self)  # moto's own behaviour (and its errors)
        with sim.ctx.lock:
            # Inputs are checked before anything is created, in the order CodeDeploy reports them.
            content = revision_content(self._get_param("revision"))
            config = sim.configs(backend).get(
                str(self._get_param("deploymentConfigName") or group.deployment_config_name)
            )
            if config.compute_platform != "ECS":
                raise error(
                    "InvalidDeploymentConfigNameException",
                    f"The deployment configuration {config.name} is not for the ECS compute platform.",
                )
            key = (app.application_name, group.deployment_group_name)
            busy = sim.active_in_group(self.current_account, self.region, key)
            if busy is not None:
                raise error(
                    "DeploymentLimitExceededException",
                    f"The Deployment Group '{key[1]}' already has an active Deployment '{busy.machine.deployment_id}'",
                )
            result = original(self)
            moto_id = result.result["deploymentId"]  # type: ignore[index]
            info = backend.deployments.pop(moto_id)
            info.deployment_id = sim.new_deployment_id()
            info.deployment_config_name = config.name
            now = sim.ctx.clock.now()
            info.create_time = stamp(now)
            backend.deployments[info.deployment_id] = info
            spec, world, problem = None, None, None
            try:
                if content is None:
                    raise AppSpecProblem("only AppSpecContent and String revisions are simulated")
                spec = parse(content)
                world = resolve(self.current_account, self.region, group, spec)
            except AppSpecProblem as exc:
                problem = ("INVALID_REVISION", _INVALID_APPSPEC + str(exc))
            except WorldProblem as exc:
                problem = (exc.code, exc.message)
            effects = MotoEffects(world, spec, _clock_of(sim)) if world and spec else None
            ref = (group.ecs_services or [{}])[0]
            plan = build_plan(
                sim,
                group,
                config.traffic_steps(),
                spec,
                world.desired_count if world else 0,
                ref.get("clusterName", ""),
                ref.get("serviceName", ""),
                problem,
                self._get_param("autoRollbackConfiguration"),
                install_failure(
                    sim, self.current_account, self.region, spec, ref.get("clusterName", ""), ref.get("serviceName", "")
                )
                if world
                else None,
                self._get_param("overrideAlarmConfiguration"),
            )
            deployment_id = info.deployment_id
            machine = Deployment(
                deployment_id,
                now,
                plan,
                effects if effects is not None else _NoEffects(),
                lambda event: sim.new_execution_id(deployment_id, event),
            )
            run = Run(self.current_account, self.region, info, machine, world, effects, key)
            sim.runs[deployment_id] = run
            render(run)
            return ActionResult({"deploymentId": deployment_id})

    return wrapper


def _clock_of(sim: CodeDeploySimulator) -> Callable[[], float]:
    # Looked up at each call: a reset of the local AWS replaces the context's clock.
    def now() -> float:
        return sim.ctx.clock.now()

    return now


class _NoEffects:
    """A deployment that fails before touching anything (bad AppSpec, missing service)."""

    def create_green(self) -> None: ...
    def route_test(self, to_green: bool) -> None: ...
    def route_production(self, green_weight: float) -> None: ...
    def make_primary(self, label: str) -> None: ...
    def delete_task_set(self, label: str) -> None: ...
    def render_task_set(self, state: Any) -> None: ...
    def alarm(self, names: tuple[str, ...], ignore_missing: bool) -> tuple[str, float] | None:
        return None


def deployment_info(original: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def wrapper(deployment: Any) -> dict[str, Any]:
        out = original(deployment)
        sim = active()
        run = sim.run(deployment.deployment_id) if sim else None
        if sim is not None and run is not None:
            out.update(extra_info(run))
            # previousRevision: what the group last deployed successfully before this one.
            earlier = [
                r
                for r in sim.runs.values()
                if r.group_key == run.group_key
                and r.machine.created < run.machine.created
                and r.machine.status == "Succeeded"
            ]
            if earlier:
                out["previousRevision"] = earlier[-1].info.revision
        return out

    return wrapper


def _run_for(self: Any) -> Run:
    deployment_id = self._get_param("deploymentId")
    if not deployment_id:
        raise error("DeploymentIdRequiredException", "At least one deployment ID must be specified.")
    self.codedeploy_backend.get_deployment(deployment_id)  # moto's DeploymentDoesNotExistException
    sim = active()
    run = sim.run(deployment_id) if sim else None
    if run is None:
        raise error(
            "UnsupportedActionForDeploymentTypeException",
            f"Deployment {deployment_id} is not an ECS blue/green deployment; only those are simulated.",
        )
    return run


def stop_deployment(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    with sim.ctx.lock:
        run = _run_for(self)
        requested = self._get_param("autoRollbackEnabled")
        if requested is None:
            # [assumed] without the flag, the group's DEPLOYMENT_STOP_ON_REQUEST setting decides.
            config = run.info.deployment_group.auto_rollback_configuration or {}
            requested = bool(config.get("enabled")) and "DEPLOYMENT_STOP_ON_REQUEST" in (config.get("events") or [])
        status = run.machine.stop(sim.ctx.clock.now(), bool(requested))
        render(run)
        message = "Stopping the deployment." if status == "Pending" else "The deployment is already being stopped."
        return ActionResult({"status": status, "statusMessage": message})


def continue_deployment(self: Any) -> EmptyResult:
    sim = active()
    assert sim is not None
    with sim.ctx.lock:
        run = _run_for(self)
        run.machine.continue_(self._get_param("deploymentWaitType") or "READY_WAIT", sim.ctx.clock.now())
        render(run)
        return EmptyResult()


def put_lifecycle_event_hook_execution_status(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    with sim.ctx.lock:
        run = _run_for(self)
        execution_id = self._get_param("lifecycleEventHookExecutionId") or ""
        run.machine.put_hook_status(execution_id, self._get_param("status") or "", sim.ctx.clock.now())
        render(run)
        return ActionResult({"lifecycleEventHookExecutionId": execution_id})
