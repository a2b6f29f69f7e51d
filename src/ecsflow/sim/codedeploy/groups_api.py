"""Deployment configs (Create/Get/List/DeleteDeploymentConfig, added) and deployment groups
(CreateDeploymentGroup wrapped, BatchGetDeploymentGroups and UpdateDeploymentGroup added,
``alarmConfiguration`` and the last deployments filled in where moto leaves ``{}``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from ecsflow.sim.codedeploy.configs import ECS_DEFAULT_CONFIG, PREDEFINED
from ecsflow.sim.codedeploy.errors import error
from ecsflow.sim.codedeploy.simulator import stamp
from ecsflow.sim.codedeploy.state import active

BATCH_LIMIT = 100  # BatchGetDeploymentGroups: at most 100 names (API reference)


def _check_blue_green(config: dict[str, Any] | None, compute_platform: str) -> None:
    if not config or compute_platform != "ECS":
        return
    ready = config.get("deploymentReadyOption") or {}
    if ready.get("actionOnTimeout") == "CONTINUE_DEPLOYMENT" and ready.get("waitTimeInMinutes"):
        # Observed AWS message (AWS-SEMANTICS 5.2).
        raise error(
            "InvalidBlueGreenDeploymentConfigurationException",
            "Deployment ready action cannot be set to 'CONTINUE_DEPLOYMENT' when timeout is specified",
        )
    terminate = config.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    if terminate.get("action") == "KEEP_ALIVE":
        raise error(
            "InvalidBlueGreenDeploymentConfigurationException",
            "The KEEP_ALIVE option is not supported for the ECS compute platform: use TERMINATE.",
        )
    if int(terminate.get("terminationWaitTimeInMinutes") or 0) > 2880:
        raise error(
            "InvalidBlueGreenDeploymentConfigurationException",
            "terminationWaitTimeInMinutes cannot exceed 2880 (2 days).",
        )


def _check_config_name(self: Any, name: str | None) -> None:
    sim = active()
    if name and sim is not None:
        sim.configs(self.codedeploy_backend).get(name)


def create_deployment_group(original: Callable[[Any], ActionResult]) -> Callable[[Any], ActionResult]:
    def wrapper(self: Any) -> ActionResult:
        app = self.codedeploy_backend.applications.get(self._get_param("applicationName"))
        platform = app.compute_platform if app else ""
        _check_config_name(self, self._get_param("deploymentConfigName"))
        _check_blue_green(self._get_param("blueGreenDeploymentConfiguration"), platform)
        result = original(self)
        if platform == "ECS" and not self._get_param("deploymentConfigName"):
            group = self.codedeploy_backend.get_deployment_group(
                self._get_param("applicationName"), self._get_param("deploymentGroupName")
            )
            group.deployment_config_name = ECS_DEFAULT_CONFIG  # see configs.ECS_DEFAULT_CONFIG
        return result

    return wrapper


def deployment_group_info(original: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def wrapper(group: Any) -> dict[str, Any]:
        out = original(group)
        if isinstance(group.alarm_configuration, dict):  # moto stores it, then answers {}
            out["alarmConfiguration"] = group.alarm_configuration
        sim = active()
        if sim is None:
            return out
        key = (group.application.application_name, group.deployment_group_name)
        runs = [r for r in sim.runs.values() if r.group_key == key and sim.alive(r)]
        if runs:
            last = runs[-1]
            out["lastAttemptedDeployment"] = _summary(last)
            succeeded = [r for r in runs if r.machine.status == "Succeeded"]
            if succeeded:
                out["lastSuccessfulDeployment"] = _summary(succeeded[-1])
        return out

    return wrapper


def _summary(run: Any) -> dict[str, Any]:
    m = run.machine
    out = {"deploymentId": m.deployment_id, "status": m.status, "createTime": stamp(m.created)}
    if m.completed is not None:
        out["endTime"] = stamp(m.completed)
    return out


def batch_get_deployment_groups(self: Any) -> ActionResult:
    from moto.codedeploy import responses

    app_name = self._get_param("applicationName")
    names = self._get_param("deploymentGroupNames") or []
    if len(names) > BATCH_LIMIT:
        raise error("BatchLimitExceededException", f"At most {BATCH_LIMIT} deployment groups can be requested.")
    self.codedeploy_backend.get_application(app_name)
    groups = self.codedeploy_backend.deployment_groups.get(app_name, {})
    found = [responses._deployment_group_info(groups[n]) for n in names if n in groups]
    missing = [n for n in names if n not in groups]
    out: dict[str, Any] = {"deploymentGroupsInfo": found}
    if missing:
        out["errorMessage"] = f"Deployment groups not found: {', '.join(missing)}"
    return ActionResult(out)


_UPDATABLE = {
    "deploymentConfigName": "deployment_config_name",
    "serviceRoleArn": "service_role_arn",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "deploymentStyle": "deployment_style",
    "blueGreenDeploymentConfiguration": "blue_green_deployment_configuration",
    "loadBalancerInfo": "load_balancer_info",
    "ecsServices": "ecs_services",
    "triggerConfigurations": "trigger_configurations",
}


def update_deployment_group(self: Any) -> ActionResult:
    backend = self.codedeploy_backend
    app_name = self._get_param("applicationName")
    group = backend.get_deployment_group(app_name, self._get_param("currentDeploymentGroupName"))
    _check_config_name(self, self._get_param("deploymentConfigName"))
    _check_blue_green(self._get_param("blueGreenDeploymentConfiguration"), group.application.compute_platform)
    new_name = self._get_param("newDeploymentGroupName")
    if new_name and new_name != group.deployment_group_name:
        groups = backend.deployment_groups[app_name]
        if new_name in groups:
            raise error("DeploymentGroupAlreadyExistsException", f"Deployment group {new_name} already exists.")
        groups[new_name] = groups.pop(group.deployment_group_name)
        group.deployment_group_name = new_name
    for param, attribute in _UPDATABLE.items():
        value = self._get_param(param)
        if value is not None:
            setattr(group, attribute, value)
    return ActionResult({"hooksNotCleanedUp": []})


def create_deployment_config(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    config = sim.configs(self.codedeploy_backend).create(
        self._get_param("deploymentConfigName") or "",
        self._get_param("computePlatform"),
        self._get_param("trafficRoutingConfig"),
        self._get_param("minimumHealthyHosts"),
        stamp(sim.ctx.clock.now()),  # type: ignore[arg-type]
    )
    return ActionResult({"deploymentConfigId": config.config_id})


def get_deployment_config(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    config = sim.configs(self.codedeploy_backend).get(self._get_param("deploymentConfigName") or "")
    return ActionResult({"deploymentConfigInfo": config.info()})


def list_deployment_configs(self: Any) -> ActionResult:
    sim = active()
    assert sim is not None
    return ActionResult({"deploymentConfigsList": sim.configs(self.codedeploy_backend).names()})


def delete_deployment_config(self: Any) -> EmptyResult:
    sim = active()
    assert sim is not None
    name = self._get_param("deploymentConfigName") or ""
    store = sim.configs(self.codedeploy_backend)
    if name in PREDEFINED:
        raise error("InvalidOperationException", f"The predefined deployment configuration {name} cannot be deleted.")
    store.get(name)
    for groups in self.codedeploy_backend.deployment_groups.values():
        if any(str(g.deployment_config_name) == name for g in groups.values()):
            raise error("DeploymentConfigInUseException", f"The deployment configuration {name} is in use.")
    del store.custom[name]
    return EmptyResult()
