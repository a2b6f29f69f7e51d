"""ECS adapter for the native strategies: implements ``ecsflow.lifecycle.ServiceDeploymentPort``.

Parses ``DescribeServiceDeployments`` (stage, traffic weights, hook details, the deployment's
own configuration) and ``DescribeServices`` (stored deploymentConfiguration, load balancer
advanced configuration) at the boundary (AWS-SEMANTICS.md §6.6, §7).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsflow.aws.ecs_parse import epoch
from ecsflow.aws.session import AwsClients
from ecsflow.errors import EcsflowError
from ecsflow.lifecycle import (
    ONGOING,
    HookDetail,
    HookSetting,
    ListenerSetup,
    NativeDeployment,
    NativeService,
    NativeSettings,
    is_gate,
)


class ServiceDeploymentsAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        return self._aws.call("ecs", method, **kwargs)

    def native_service(self, cluster: str, service: str) -> NativeService | None:
        found = self._call("describe_services", cluster=cluster, services=[service]).get("services") or []
        return native_service(found[0]) if found else None

    def describe_native(self, arn: str) -> NativeDeployment | None:
        found = self._call("describe_service_deployments", serviceDeploymentArns=[arn]).get("serviceDeployments")
        return native_deployment(found[0]) if found else None

    def ongoing_native(self, cluster: str, service: str) -> NativeDeployment | None:
        briefs = (
            self._call(
                "list_service_deployments", cluster=cluster, service=service, status=sorted(ONGOING), maxResults=20
            ).get("serviceDeployments")
            or []
        )
        if not briefs:
            return None
        newest = max(briefs, key=lambda b: epoch(b.get("createdAt")))
        return self.describe_native(str(newest["serviceDeploymentArn"]))

    def start_native(
        self,
        cluster: str,
        service: str,
        task_definition: str,
        configuration: Mapping[str, Any] | None,
        *,
        force_new_deployment: bool = False,
    ) -> tuple[str, str | None]:
        kwargs: dict[str, Any] = {
            "cluster": cluster,
            "service": service,
            "taskDefinition": task_definition,
            "forceNewDeployment": force_new_deployment,
        }
        if configuration:
            kwargs["deploymentConfiguration"] = dict(configuration)
        svc = self._call("update_service", **kwargs)["service"]
        primary: dict[str, Any] = next((d for d in svc.get("deployments") or () if d.get("status") == "PRIMARY"), {})
        return str(primary.get("id", "")), svc.get("currentServiceDeployment")

    def configure(self, cluster: str, service: str, configuration: Mapping[str, Any]) -> None:
        self._call("update_service", cluster=cluster, service=service, deploymentConfiguration=dict(configuration))

    def continue_hook(self, arn: str, hook_id: str, action: str = "CONTINUE") -> None:
        self._call("continue_service_deployment", serviceDeploymentArn=arn, hookId=hook_id, action=action)

    def stop(self, arn: str, stop_type: str = "ROLLBACK") -> None:
        self._call("stop_service_deployment", serviceDeploymentArn=arn, stopType=stop_type)

    def listener_url(self, arn: str) -> str | None:
        listener = listener_of(arn)
        if listener is None:
            return None
        try:
            found = self._aws.call("elbv2", "describe_listeners", ListenerArns=[listener]).get("Listeners") or []
            if not found:
                return None
            lb_arn = found[0].get("LoadBalancerArn")
            lbs = self._aws.call("elbv2", "describe_load_balancers", LoadBalancerArns=[lb_arn]).get("LoadBalancers")
        except EcsflowError:
            return None  # the URL is a convenience for the test command; never fail the deploy for it
        if not lbs or not lbs[0].get("DNSName"):
            return None
        protocol = str(found[0].get("Protocol") or "HTTP").lower()
        return f"{protocol}://{lbs[0]['DNSName']}:{found[0].get('Port')}"


def listener_of(arn: str) -> str | None:
    """The listener ARN of an ALB listener rule ARN (``…:listener-rule/app/N/LB/L/R`` →
    ``…:listener/app/N/LB/L``), or the ARN itself when it names a listener (NLB)."""
    if ":listener/" in arn:
        return arn
    if ":listener-rule/" not in arn:
        return None
    head, _, path = arn.partition(":listener-rule/")
    parts = path.split("/")
    return f"{head}:listener/{'/'.join(parts[:-1])}" if len(parts) >= 5 else None


def settings(config: Mapping[str, Any] | None) -> NativeSettings:
    config = config or {}
    linear = config.get("linearConfiguration") or {}
    canary = config.get("canaryConfiguration") or {}
    defaults = NativeSettings()
    return NativeSettings(
        strategy=str(config.get("strategy") or "ROLLING"),
        bake_minutes=int(config.get("bakeTimeInMinutes") or 0),
        step_percent=float(linear.get("stepPercent") or defaults.step_percent),
        step_bake_minutes=int(linear.get("stepBakeTimeInMinutes", defaults.step_bake_minutes)),
        canary_percent=float(canary.get("canaryPercent") or defaults.canary_percent),
        canary_bake_minutes=int(canary.get("canaryBakeTimeInMinutes", defaults.canary_bake_minutes)),
        hooks=tuple(_hook(h) for h in config.get("lifecycleHooks") or ()),
    )


def _hook(h: Mapping[str, Any]) -> HookSetting:
    timeout = h.get("timeoutConfiguration") or {}
    return HookSetting(
        stages=tuple(str(s) for s in h.get("lifecycleStages") or ()),
        target_type=str(h.get("targetType") or "AWS_LAMBDA"),
        target_arn=h.get("hookTargetArn"),
        timeout_minutes=int(timeout.get("timeoutInMinutes", 1440)),
        timeout_action=str(timeout.get("action", "ROLLBACK")),
        gate=is_gate(h),
    )


def native_service(s: Mapping[str, Any]) -> NativeService:
    config = s.get("deploymentConfiguration") or {}
    listeners = []
    for lb in s.get("loadBalancers") or ():
        advanced = lb.get("advancedConfiguration") or {}
        listeners.append(
            ListenerSetup(
                target_group_arn=lb.get("targetGroupArn"),
                alternate_target_group_arn=advanced.get("alternateTargetGroupArn"),
                production_listener_rule=advanced.get("productionListenerRule"),
                test_listener_rule=advanced.get("testListenerRule"),
                role_arn=advanced.get("roleArn"),
            )
        )
    connect = s.get("serviceConnectConfiguration") or {}
    return NativeService(
        controller=str((s.get("deploymentController") or {}).get("type", "ECS")),
        settings=settings(config),
        listeners=tuple(listeners),
        service_connect=bool(connect.get("enabled")),
        health_check_grace_seconds=int(s.get("healthCheckGracePeriodSeconds") or 0),
        raw_configuration=dict(config),
    )


def native_deployment(d: Mapping[str, Any]) -> NativeDeployment:
    target = d.get("targetServiceRevision") or {}
    rollback = d.get("rollback") or {}
    breaker = d.get("deploymentCircuitBreaker") or {}
    alarms = d.get("alarms") or {}
    stage = d.get("lifecycleStage")
    hooks = tuple(
        HookDetail(
            hook_id=str(h.get("hookId", "")),
            target_type=str(h.get("targetType") or "AWS_LAMBDA"),
            status=str(h.get("status", "")),
            target_arn=h.get("targetArn"),
            # The API does not name a hook's stage; one that waits, waits in the current stage.
            stage=stage if h.get("status") in ("AWAITING_ACTION", "IN_PROGRESS") else None,
            expires_at=epoch(h["expiresAt"]) if h.get("expiresAt") else None,
            timeout_action=h.get("timeoutAction"),
        )
        for h in d.get("lifecycleHookDetails") or ()
    )
    finished = d.get("finishedAt")
    return NativeDeployment(
        arn=str(d.get("serviceDeploymentArn", "")),
        status=str(d.get("status", "")),
        status_reason=d.get("statusReason"),
        lifecycle_stage=stage,
        production_weight=_float(target.get("requestedProductionTrafficWeight")),
        test_weight=_float(target.get("requestedTestTrafficWeight")),
        target_revision_arn=target.get("arn"),
        requested=int(target.get("requestedTaskCount") or 0),
        running=int(target.get("runningTaskCount") or 0),
        pending=int(target.get("pendingTaskCount") or 0),
        hooks=hooks,
        settings=settings(d.get("deploymentConfiguration")),
        rollback_reason=rollback.get("reason"),
        circuit_breaker_status=breaker.get("status"),
        triggered_alarms=tuple(alarms.get("triggeredAlarmNames") or ()),
        created_at=epoch(d.get("createdAt")),
        finished_at=epoch(finished) if finished else None,
    )


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None
