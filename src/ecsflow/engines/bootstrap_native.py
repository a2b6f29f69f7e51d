"""``ecsflow bootstrap native``: what ECS-native BLUE_GREEN / LINEAR / CANARY needs
(AWS-SEMANTICS.md §7.1): an alternate target group, the production listener rule (and a
test listener rule), the infrastructure role ECS uses to change them, and the service's
``deploymentConfiguration`` and ``loadBalancers[].advancedConfiguration`` set through
``UpdateService``. ``--delete`` puts the service back on ROLLING and removes what it created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsflow.config.bootstrap import NativeConfig
from ecsflow.engines.bootstrap_apply import ProvisionPort
from ecsflow.engines.bootstrap_common import RecordEntry, delete_steps, service_load_balancers
from ecsflow.engines.bootstrap_lb import (
    listener_rule,
    production_listener,
    role_step,
    second_target_group,
    target_group_name,
)
from ecsflow.engines.bootstrap_plan import Action, BootstrapPlan, Step
from ecsflow.errors import InputError, ResourceNotFound

INFRASTRUCTURE_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
NATIVE_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


@dataclass(frozen=True)
class NativeRequest:
    cluster: str
    service: str
    strategy: str  # BLUE_GREEN | LINEAR | CANARY
    settings: NativeConfig = field(default_factory=NativeConfig)
    listener: str | None = None  # production listener ARN; default: the one forwarding to the group
    owner: str = ""  # cluster/service, for tags


@dataclass(frozen=True)
class NativePieces:
    steps: tuple[Step, ...]
    advanced: Mapping[str, Any]  # loadBalancers[].advancedConfiguration (values may be Refs)
    deployment: Mapping[str, Any]  # deploymentConfiguration members for the strategy


def deployment_configuration(strategy: str, s: NativeConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"strategy": strategy}
    if s.bake_minutes is not None:
        out["bakeTimeInMinutes"] = s.bake_minutes
    if strategy == "LINEAR" and (s.step_percent is not None or s.step_bake_minutes is not None):
        out["linearConfiguration"] = {
            k: v
            for k, v in (("stepPercent", s.step_percent), ("stepBakeTimeInMinutes", s.step_bake_minutes))
            if v is not None
        }
    if strategy == "CANARY" and (s.canary_percent is not None or s.canary_bake_minutes is not None):
        out["canaryConfiguration"] = {
            k: v
            for k, v in (("canaryPercent", s.canary_percent), ("canaryBakeTimeInMinutes", s.canary_bake_minutes))
            if v is not None
        }
    return out


def native_pieces(port: ProvisionPort, req: NativeRequest, primary: Mapping[str, Any]) -> NativePieces:
    """Steps for the alternate group, the rules and the role, given the primary target group."""
    if primary.get("TargetType") != "ip":
        raise InputError(
            f"target group {primary['TargetGroupName']} has target type {primary.get('TargetType')!r}",
            hint="ECS blue/green with awsvpc needs target type `ip` (AWS-SEMANTICS.md §7.1); nothing was changed",
        )
    blue = str(primary["TargetGroupArn"])
    alt_name = target_group_name(str(primary["TargetGroupName"]), "-alt")
    alt_step, alt = second_target_group(port, primary, alt_name, req.owner, "target-group:alternate")
    steps: list[Step] = [alt_step]
    listener = production_listener(port, primary, req.listener)
    prod_step, prod_rule = listener_rule(port, listener, blue, alt, req.owner, "production")
    steps += [prod_step] if prod_step else []
    advanced: dict[str, Any] = {"alternateTargetGroupArn": alt, "productionListenerRule": prod_rule}
    if req.settings.test_listener:
        test = port.listener(req.settings.test_listener)
        if test is None:
            raise InputError(
                f"test listener {req.settings.test_listener} does not exist", hint="check its ARN; nothing was changed"
            )
        test_step, test_rule = listener_rule(port, test, blue, alt, req.owner, "test")
        steps += [test_step] if test_step else []
        advanced["testListenerRule"] = test_rule
    role, role_arn = role_step(
        port,
        named_arn=req.settings.infrastructure_role,
        default_name=f"ecsflow-{req.cluster}-{req.service}-ecs-lb",
        service_principal="ecs.amazonaws.com",
        policy_arn=INFRASTRUCTURE_POLICY,
        owner=req.owner,
        purpose="infrastructure",
    )
    steps.append(role)
    advanced["roleArn"] = role_arn
    return NativePieces(tuple(steps), advanced, deployment_configuration(req.strategy, req.settings))


def plan_native(port: ProvisionPort, req: NativeRequest) -> BootstrapPlan:
    title = f"bootstrap native {req.strategy.lower()}: {req.cluster}/{req.service}"
    service = _service(port, req)
    lbs = service.get("loadBalancers") or []
    if not lbs or not lbs[0].get("targetGroupArn"):
        raise InputError(
            f"service {req.service} has no target group",
            hint="native blue/green needs a service behind an ALB or NLB target group; nothing was changed",
        )
    primary = port.target_group(str(lbs[0]["targetGroupArn"]))
    if primary is None:
        raise ResourceNotFound(f"target group {lbs[0]['targetGroupArn']} of service {req.service} does not exist")
    pieces = native_pieces(port, req, primary)
    steps = list(pieces.steps)
    current = dict(service.get("deploymentConfiguration") or {})
    current_advanced = dict(lbs[0].get("advancedConfiguration") or {})
    # Settings of another strategy do not carry over (LINEAR → CANARY drops linearConfiguration).
    other = {"LINEAR": ("canaryConfiguration",), "CANARY": ("linearConfiguration",)}.get(
        req.strategy, ("linearConfiguration", "canaryConfiguration")
    )
    wanted = {**{k: v for k, v in current.items() if k not in other}, **pieces.deployment}
    creates = any(s.action is Action.CREATE for s in steps)
    same_config = all(current.get(k) == v for k, v in pieces.deployment.items()) and not set(other) & set(current)
    if not creates and same_config and current_advanced == dict(pieces.advanced):
        steps.append(Step("service", "service", req.service, Action.UNCHANGED, (f"strategy {req.strategy}",)))
    else:
        lb = {k: v for k, v in lbs[0].items() if k in ("targetGroupArn", "containerName", "containerPort")}
        params = {
            "cluster": req.cluster,
            "service": req.service,
            "deploymentConfiguration": wanted,
            "loadBalancers": [{**lb, "advancedConfiguration": pieces.advanced}, *lbs[1:]],
        }
        details = (
            f"strategy {current.get('strategy', 'ROLLING')} → {req.strategy}",
            "loadBalancers with advancedConfiguration (alternate group, listener rules, role): "
            "ECS starts a new deployment of the running revision",
        )
        steps.append(Step("service", "service", req.service, Action.UPDATE, details, params=params))
    return BootstrapPlan(title, tuple(steps))


def plan_native_delete(port: ProvisionPort, req: NativeRequest, entries: Sequence[RecordEntry]) -> BootstrapPlan:
    """Back to ROLLING (UpdateService without advancedConfiguration), then delete what
    ``bootstrap native`` created. The alternate group stays while the service uses it."""
    title = f"bootstrap native --delete: {req.cluster}/{req.service}"
    steps: list[Step] = []
    in_use: dict[str, str] = {}
    service = port.describe_service(req.cluster, req.service)
    if service is not None and service.get("status") == "ACTIVE":
        lbs = service.get("loadBalancers") or []
        config = dict(service.get("deploymentConfiguration") or {})
        if config.get("strategy", "ROLLING") != "ROLLING" or any(lb.get("advancedConfiguration") for lb in lbs):
            for key in ("bakeTimeInMinutes", "linearConfiguration", "canaryConfiguration", "lifecycleHooks"):
                config.pop(key, None)
            plain = [
                {k: v for k, v in lb.items() if k in ("targetGroupArn", "containerName", "containerPort")} for lb in lbs
            ]
            params = {
                "cluster": req.cluster,
                "service": req.service,
                "deploymentConfiguration": {**config, "strategy": "ROLLING"},
                "loadBalancers": plain,
            }
            details = ("strategy → ROLLING, advancedConfiguration removed (ECS starts a new deployment)",)
            steps.append(Step("service", "service", req.service, Action.UPDATE, details, params=params))
        for lb in lbs:
            if lb.get("targetGroupArn"):
                in_use[str(lb["targetGroupArn"])] = "the service's target group: keep"
    mine = [e for e in entries if e.by == "native"]
    steps += delete_steps(port, mine, in_use=in_use, load_balancers=service_load_balancers(port, service))
    return BootstrapPlan(title, tuple(steps))


def _service(port: ProvisionPort, req: NativeRequest) -> dict[str, Any]:
    service = port.describe_service(req.cluster, req.service)
    if service is None or service.get("status") != "ACTIVE":
        raise ResourceNotFound(
            f"service {req.service} not found in cluster {req.cluster}",
            hint="create it first (`ecsflow bootstrap service`), or check the names, region and account",
        )
    controller = (service.get("deploymentController") or {}).get("type", "ECS")
    if controller != "ECS":
        raise InputError(
            f"service {req.service} uses the {controller} deployment controller",
            hint="ECS-native strategies need the ECS controller; a service's controller is set when it is created",
        )
    return service
