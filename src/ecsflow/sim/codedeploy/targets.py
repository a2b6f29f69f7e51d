"""ListDeploymentTargets, GetDeploymentTarget and BatchGetDeploymentTargets for ECS.

An ECS deployment has one target, the service, with id ``<cluster>:<service>``
(AWS-SEMANTICS 5.4); its ``ecsTarget`` carries the lifecycle events and both task sets
(``taskSetsInfo``, whose id field really is spelled ``identifer`` in the API model).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult

from ecsflow.sim.codedeploy.deployments_api import _run_for
from ecsflow.sim.codedeploy.errors import error
from ecsflow.sim.codedeploy.simulator import Run, stamp
from ecsflow.sim.codedeploy.state import active

TARGET_BATCH_LIMIT = 25  # BatchGetDeploymentTargets: at most 25 target ids (API reference)


def _started(run: Run) -> Run:
    if run.machine.status == "Created":
        raise error(
            "DeploymentNotStartedException",
            f"The deployment {run.machine.deployment_id} has not started yet.",
        )
    return run


def target_id(run: Run) -> str:
    ref = (run.info.deployment_group.ecs_services or [{}])[0]
    return f"{ref.get('clusterName', '')}:{ref.get('serviceName', '')}"


def ecs_target(run: Run) -> dict[str, Any]:
    m = run.machine
    events = []
    times: list[float] = [m.created]
    for event in m.events:
        item: dict[str, Any] = {"lifecycleEventName": event.name, "status": event.status}
        if event.start is not None:
            item["startTime"] = stamp(event.start)
            times.append(event.start)
        if event.end is not None:
            item["endTime"] = stamp(event.end)
            times.append(event.end)
        if event.diagnostics:
            item["diagnostics"] = {**event.diagnostics, "scriptName": event.hook.function if event.hook else ""}
        events.append(item)
    if m.completed is not None:
        times.append(m.completed)
    task_sets = []
    world, effects = run.world, run.effects
    for state in (m.blue, m.green):
        if not state.exists or world is None or effects is None or state.label not in effects.ids:
            continue
        group = world.blue_tg if state.label == "Blue" else world.green_tg
        task_sets.append(
            {
                "identifer": effects.ids[state.label],
                "desiredCount": state.desired,
                "pendingCount": state.pending,
                "runningCount": state.running,
                "status": "PRIMARY" if state.primary else "ACTIVE",
                "trafficWeight": state.weight,
                "targetGroup": {"name": group[0]},
                "taskSetLabel": state.label,
            }
        )
    return {
        "deploymentId": m.deployment_id,
        "targetId": target_id(run),
        "targetArn": world.service_arn if world else "",
        "lastUpdatedAt": stamp(max(times)),
        "lifecycleEvents": events,
        "status": m.target_status(),
        "taskSetsInfo": task_sets,
    }


def _matches(run: Run, filters: dict[str, list[str]]) -> bool:
    statuses = filters.get("TargetStatus")
    if statuses and run.machine.target_status() not in statuses:
        return False
    labels = filters.get("ServerInstanceLabel")
    if labels:
        # [assumed] the one ECS target matches a label when it has a task set with it.
        present = {s.label for s in (run.machine.blue, run.machine.green) if s.exists}
        if not present & set(labels):
            return False
    return True


def list_deployment_targets(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    with sim.ctx.lock:
        run = _started(_run_for(self))
        filters = self._get_param("targetFilters") or {}
        for name in filters:
            if name not in ("TargetStatus", "ServerInstanceLabel"):
                raise error("InvalidTargetFilterNameException", f"The target filter name {name} is invalid.")
        ids = [target_id(run)] if _matches(run, filters) else []
        return ActionResult({"targetIds": ids})


def _target(run: Run, wanted: str) -> dict[str, Any]:
    if not wanted:
        raise error("DeploymentTargetIdRequiredException", "A deployment target ID must be specified.")
    if wanted != target_id(run):
        raise error(
            "DeploymentTargetDoesNotExistException",
            f"The target {wanted} is not part of deployment {run.machine.deployment_id}.",
        )
    return {"deploymentTargetType": "ECSTarget", "ecsTarget": ecs_target(run)}


def get_deployment_target(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    with sim.ctx.lock:
        run = _started(_run_for(self))
        return ActionResult({"deploymentTarget": _target(run, self._get_param("targetId") or "")})


def batch_get_deployment_targets(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    with sim.ctx.lock:
        run = _started(_run_for(self))
        wanted = self._get_param("targetIds") or []
        if not wanted:
            raise error("DeploymentTargetIdRequiredException", "At least one deployment target ID is required.")
        if len(wanted) > TARGET_BATCH_LIMIT:
            raise error(
                "DeploymentTargetListSizeExceededException",
                f"At most {TARGET_BATCH_LIMIT} deployment targets can be requested at once.",
            )
        return ActionResult({"deploymentTargets": [_target(run, t) for t in wanted]})
