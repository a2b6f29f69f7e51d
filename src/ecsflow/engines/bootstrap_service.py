"""``ecsflow bootstrap service``: the cluster, log groups, task definition and service that
``ecsflow.yml`` describes, planned from what exists (pure given the port's reads).

Existing resources are adopted as they are; bootstrap never changes an existing service
(``deploy`` changes revisions; anything else that differs is shown as ``differs``). A
service is created with the ``ECS`` controller (ROLLING with the circuit breaker, or a
native strategy together with the pieces of ``bootstrap_native``) or ``CODE_DEPLOY``
(then ``ecsflow bootstrap codedeploy`` adds the CodeDeploy side), behind an existing
target group or without a load balancer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsflow.config import ServiceConfig
from ecsflow.config.bootstrap import BootstrapConfig
from ecsflow.engines.bootstrap_apply import ProvisionPort
from ecsflow.engines.bootstrap_common import (
    RecordEntry,
    delete_steps,
    differences,
    service_load_balancers,
    short,
)
from ecsflow.engines.bootstrap_native import NativeRequest, native_pieces
from ecsflow.engines.bootstrap_plan import Action, BootstrapPlan, Ref, Step, managed, managed_tags
from ecsflow.errors import ConfigError, InputError, Problem
from ecsflow.plan import identical


@dataclass(frozen=True)
class ServiceRequest:
    svc: ServiceConfig
    settings: BootstrapConfig
    task_definition: Mapping[str, Any]  # rendered and pinned RegisterTaskDefinition request, no tags
    task_tags: Mapping[str, str] = field(default_factory=dict)  # ecsflow's deploy record tags
    config_file: str = "ecsflow.yml"

    @property
    def owner(self) -> str:
        return f"{self.svc.cluster}/{self.svc.service}"

    def path(self, key: str) -> str:
        return f"services.{self.svc.key}.bootstrap.{key}"


def log_groups(body: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(group, region) of every awslogs container (the region from ``awslogs-region``)."""
    found: dict[tuple[str, str | None], None] = {}
    for c in body.get("containerDefinitions") or ():
        log = c.get("logConfiguration") or {}
        options = log.get("options") or {}
        if log.get("logDriver") == "awslogs" and options.get("awslogs-group"):
            found[(str(options["awslogs-group"]), options.get("awslogs-region"))] = None
    return list(found)


def _check_inputs(port: ProvisionPort, req: ServiceRequest) -> dict[str, Any] | None:
    """Everything ecsflow.yml names must exist before anything is created. Returns the target group."""
    s = req.settings
    problems: list[Problem] = []
    file = req.config_file
    vpcs = port.subnet_vpcs(s.subnets)
    for missing in (i for i in s.subnets if i not in vpcs):
        problems.append(Problem(f"subnet {missing} does not exist (region/account?)", req.path("subnets"), file))
    for missing in port.missing_security_groups(s.security_groups):
        problems.append(Problem(f"security group {missing} does not exist", req.path("security_groups"), file))
    awsvpc = req.task_definition.get("networkMode") == "awsvpc"
    if awsvpc and not s.subnets:
        problems.append(Problem("the task definition uses awsvpc: name the subnets", req.path("subnets"), file))
    group: dict[str, Any] | None = None
    if s.load_balancer is not None:
        lb = s.load_balancer
        group = port.target_group(lb.target_group)
        if group is None:
            problems.append(
                Problem(f"target group {lb.target_group} does not exist", req.path("load_balancer.target_group"), file)
            )
        containers = {str(c.get("name")): c for c in req.task_definition.get("containerDefinitions") or ()}
        container = containers.get(lb.container)
        if container is None:
            known = ", ".join(containers) or "none"
            problems.append(
                Problem(f"no container {lb.container!r} (known: {known})", req.path("load_balancer.container"), file)
            )
        elif not any(m.get("containerPort") == lb.port for m in container.get("portMappings") or ()):
            problems.append(
                Problem(f"container {lb.container} maps no port {lb.port}", req.path("load_balancer.port"), file)
            )
        group_vpc = (group or {}).get("VpcId")
        elsewhere = sorted(i for i, v in vpcs.items() if group_vpc and v != group_vpc)
        if elsewhere:
            message = f"subnets {', '.join(elsewhere)} are not in the target group's VPC {group_vpc}"
            problems.append(Problem(message, req.path("subnets"), file))
    if problems:
        raise ConfigError(
            f"bootstrap of {req.svc.key}: {len(problems)} problem(s) with what ecsflow.yml names",
            problems,
            hint="create the missing resources or fix the names; nothing was changed",
        )
    return group


def plan_service(port: ProvisionPort, req: ServiceRequest) -> BootstrapPlan:
    svc, s = req.svc, req.settings
    title = f"bootstrap service {svc.key} → {svc.cluster}/{svc.service} ({_kind(s)})"
    group = _check_inputs(port, req)
    steps: list[Step] = [_cluster_step(port, req)]
    for name, region in log_groups(req.task_definition):
        steps.append(_log_group_step(port, name, region, req.owner))
    existing = port.describe_service(svc.cluster, svc.service)
    if existing is not None and existing.get("status") == "DRAINING":
        raise InputError(
            f"service {svc.service} is being deleted (DRAINING)",
            hint="wait until it is INACTIVE, then re-run; nothing was changed",
        )
    if existing is not None and existing.get("status") == "ACTIVE":
        steps.append(_existing_service(existing, req, group))
        notes = ("bootstrap never changes an existing service: `ecsflow deploy` changes its revision",)
        return BootstrapPlan(title, tuple(steps), notes)
    advanced: Mapping[str, Any] | None = None
    deployment: dict[str, Any] = {}
    if s.strategy != "ROLLING" and group is not None:
        native = NativeRequest(
            svc.cluster,
            svc.service,
            s.strategy,
            s.native,
            s.load_balancer.listener if s.load_balancer else None,
            req.owner,
        )
        pieces = native_pieces(port, native, group)
        steps += pieces.steps
        advanced, deployment = pieces.advanced, dict(pieces.deployment)
    elif s.controller == "ECS":
        deployment = {"deploymentCircuitBreaker": {"enable": s.circuit_breaker, "rollback": s.circuit_breaker}}
    steps.append(_task_definition_step(port, req))
    steps.append(_service_create(req, group, advanced, deployment))
    return BootstrapPlan(title, tuple(steps))


def _kind(s: BootstrapConfig) -> str:
    if s.controller == "CODE_DEPLOY":
        return "CODE_DEPLOY controller"
    return f"ECS controller, {s.strategy.lower()}" + ("" if s.load_balancer else ", no load balancer")


def _cluster_step(port: ProvisionPort, req: ServiceRequest) -> Step:
    name = req.svc.cluster
    found = port.describe_cluster(name)
    if found is not None:
        action = Action.UNCHANGED if managed(found.get("tags")) else Action.ADOPT
        return Step("cluster", "cluster", short(name), action, existing=str(found.get("clusterArn", name)))
    if name.startswith("arn:"):
        raise ConfigError(
            f"cluster {name} does not exist",
            [Problem("a cluster given by ARN must exist", f"services.{req.svc.key}.cluster", req.config_file)],
            hint="give a cluster name to let bootstrap create it; nothing was changed",
        )
    params = {"clusterName": name, "tags": managed_tags(req.owner)}
    return Step("cluster", "cluster", name, Action.CREATE, params=params, undo={"cluster": Ref("cluster")})


def _log_group_step(port: ProvisionPort, name: str, region: str | None, owner: str) -> Step:
    step_id = f"log-group:{name}"
    shown = f"{name} ({region})" if region else name
    found = port.log_group(name, region)
    if found is not None:
        action = Action.UNCHANGED if managed(found.get("tags")) else Action.ADOPT
        return Step(step_id, "log-group", shown, action, existing=name)
    params = {"logGroupName": name, "tags": managed_tags(owner), "region": region}
    undo = {"logGroupName": name, "region": region}
    return Step(
        step_id, "log-group", shown, Action.CREATE, ("from the task definition's awslogs options",), params, undo=undo
    )


def _task_definition_step(port: ProvisionPort, req: ServiceRequest) -> Step:
    body = req.task_definition
    family = str(body.get("family"))
    newest = port.newest_task_definition(family)
    if newest is not None and newest.status == "ACTIVE" and identical(newest.body, body):
        action = Action.UNCHANGED if managed(newest.tags) else Action.ADOPT
        detail = ("identical to the rendered definition: reused",)
        return Step(
            "task-definition", "task-definition", f"{family}:{newest.revision}", action, detail, existing=newest.arn
        )
    params = {"body": body, "tags": {**req.task_tags, **managed_tags(req.owner)}}
    images = [f"{c.get('name')}: {c.get('image')}" for c in body.get("containerDefinitions") or ()]
    undo = {"taskDefinition": Ref("task-definition")}
    return Step("task-definition", "task-definition", family, Action.CREATE, tuple(images), params, undo=undo)


def _service_create(
    req: ServiceRequest, group: Mapping[str, Any] | None, advanced: Mapping[str, Any] | None, deployment: dict[str, Any]
) -> Step:
    svc, s = req.svc, req.settings
    params: dict[str, Any] = {
        "cluster": svc.cluster,
        "serviceName": svc.service,
        "taskDefinition": Ref("task-definition"),
        "desiredCount": s.desired_count,
        "deploymentController": {"type": s.controller},
        "tags": managed_tags(req.owner),
    }
    details = [f"desired count {s.desired_count}", f"deployment controller {s.controller}"]
    if s.capacity_providers:
        params["capacityProviderStrategy"] = [
            {"capacityProvider": p.provider, "weight": p.weight, "base": p.base} for p in s.capacity_providers
        ]
        details.append("capacity providers " + ", ".join(p.provider for p in s.capacity_providers))
    else:
        params["launchType"] = s.launch_type or "FARGATE"
        details.append(f"launch type {params['launchType']}")
    if s.platform_version:
        params["platformVersion"] = s.platform_version
    if s.subnets:
        params["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": list(s.subnets),
                "securityGroups": list(s.security_groups),
                "assignPublicIp": "ENABLED" if s.public_ip else "DISABLED",
            }
        }
        details.append(f"subnets {', '.join(s.subnets)}")
    if s.load_balancer is not None and group is not None:
        lb: dict[str, Any] = {
            "targetGroupArn": str(group["TargetGroupArn"]),
            "containerName": s.load_balancer.container,
            "containerPort": s.load_balancer.port,
        }
        if advanced is not None:
            lb["advancedConfiguration"] = dict(advanced)
        params["loadBalancers"] = [lb]
        details.append(f"target group {group['TargetGroupName']} → {s.load_balancer.container}:{s.load_balancer.port}")
        if s.health_check_grace is not None:
            params["healthCheckGracePeriodSeconds"] = s.health_check_grace
    if deployment:
        params["deploymentConfiguration"] = deployment
        if "strategy" in deployment:
            details.append(f"strategy {deployment['strategy']}")
        elif deployment.get("deploymentCircuitBreaker", {}).get("enable"):
            details.append("rolling, circuit breaker with rollback")
    undo = {"cluster": svc.cluster, "service": svc.service, "desired": s.desired_count}
    return Step("service", "service", svc.service, Action.CREATE, tuple(details), params, undo=undo)


def _existing_service(found: Mapping[str, Any], req: ServiceRequest, group: Mapping[str, Any] | None) -> Step:
    s = req.settings
    network = (found.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    lbs = found.get("loadBalancers") or []
    have_lb = (lbs[0].get("targetGroupArn"), lbs[0].get("containerName"), lbs[0].get("containerPort")) if lbs else None
    want_lb = (
        (str(group["TargetGroupArn"]), s.load_balancer.container, s.load_balancer.port)
        if s.load_balancer and group
        else None
    )
    controller = (found.get("deploymentController") or {}).get("type", "ECS")
    pairs: list[tuple[str, Any, Any]] = [("deployment controller", controller, s.controller)]
    if controller == "ECS":
        strategy = (found.get("deploymentConfiguration") or {}).get("strategy", "ROLLING")
        pairs.append(("strategy", strategy, s.strategy))
    if not s.capacity_providers:
        pairs.append(("launch type", found.get("launchType"), s.launch_type or "FARGATE"))
    if s.subnets:
        pairs.append(("subnets", sorted(network.get("subnets") or ()), sorted(s.subnets)))
        pairs.append(("security groups", sorted(network.get("securityGroups") or ()), sorted(s.security_groups)))
    pairs.append(("load balancer", have_lb, want_lb))
    diffs = differences(pairs)
    name = req.svc.service
    arn = str(found.get("serviceArn"))
    if diffs:
        how = "bootstrap leaves it as it is; change it by hand, or recreate it (--delete, if ecsflow created it)"
        return Step("service", "service", name, Action.DIFFERS, (*diffs, how), existing=arn)
    runs = f"runs {short(str(found.get('taskDefinition')))}"
    action = Action.UNCHANGED if managed(found.get("tags")) else Action.ADOPT
    return Step("service", "service", name, action, (runs,), existing=arn)


def plan_service_delete(
    port: ProvisionPort, cluster: str, service: str, entries: Sequence[RecordEntry]
) -> BootstrapPlan:
    """Everything any bootstrap verb created for this service, in dependency order. The
    cluster stays while other services use it."""
    in_use: dict[str, str] = {}
    others = [a for a in port.list_services(cluster) if a.rsplit("/", 1)[-1] != service]
    if others:
        names = ", ".join(sorted(a.rsplit("/", 1)[-1] for a in others))
        for e in entries:
            if e.kind == "cluster":
                in_use[e.id] = f"still has other services: {names}"
    balancers = service_load_balancers(port, port.describe_service(cluster, service))
    steps = delete_steps(port, entries, in_use=in_use, load_balancers=balancers)
    notes: tuple[str, ...] = ()
    if not entries:
        notes = ("ecsflow created nothing for this service (no record in .ecsflow/bootstrap/)",)
    return BootstrapPlan(f"bootstrap service --delete: {cluster}/{service}", tuple(steps), notes)
