"""``ecsflow bootstrap codedeploy``: what CodeDeploy ECS blue/green needs for a
load-balanced service (AWS-SEMANTICS.md §5.2): the second target group (a copy of the
first), an optional test listener, the CodeDeploy application and deployment group
(blue/green, traffic control, ready wait, termination wait, auto-rollback on failure and
on stop, the traffic configuration), and the CodeDeploy service role.

The service must already use the ``CODE_DEPLOY`` deployment controller: ECS sets the
controller when a service is created, so bootstrap does not recreate a running service
behind the user's back (create it with ``bootstrap.controller: CODE_DEPLOY`` in
``ecsflow.yml`` and ``ecsflow bootstrap service``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecsflow.engines.bootstrap_apply import ProvisionPort
from ecsflow.engines.bootstrap_common import RecordEntry, delete_steps, differences, service_load_balancers
from ecsflow.engines.bootstrap_lb import (
    PURPOSE_TAG,
    production_listener,
    role_step,
    second_target_group,
    target_group_name,
)
from ecsflow.engines.bootstrap_plan import Action, BootstrapPlan, Ref, Step, managed, managed_tags
from ecsflow.errors import InputError, ResourceNotFound

CODEDEPLOY_POLICY = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
DEFAULT_CONFIG = "CodeDeployDefault.ECSAllAtOnce"
ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]


@dataclass(frozen=True)
class CodeDeployRequest:
    cluster: str
    service: str
    application: str | None = None  # default AppECS-<cluster>-<service>, as the ECS console names it
    deployment_group: str | None = None  # default DgpECS-<cluster>-<service>
    deployment_config: str = DEFAULT_CONFIG
    ready_wait_minutes: int = 0  # 0: reroute traffic as soon as green is ready
    termination_wait_minutes: int = 5
    test_port: int | None = None
    listener: str | None = None  # production listener ARN; default: the one forwarding to the group
    role_arn: str | None = None
    owner: str = ""

    @property
    def app_name(self) -> str:
        return self.application or f"AppECS-{self.cluster}-{self.service}"

    @property
    def group_name(self) -> str:
        return self.deployment_group or f"DgpECS-{self.cluster}-{self.service}"


def _service(port: ProvisionPort, req: CodeDeployRequest) -> dict[str, Any]:
    found = port.describe_service(req.cluster, req.service)
    if found is None or found.get("status") != "ACTIVE":
        raise ResourceNotFound(
            f"service {req.service} not found in cluster {req.cluster}",
            hint="create it with `ecsflow bootstrap service` (bootstrap.controller: CODE_DEPLOY), "
            "or check the names, region and account",
        )
    controller = (found.get("deploymentController") or {}).get("type", "ECS")
    if controller != "CODE_DEPLOY":
        raise InputError(
            f"service {req.service} uses the {controller} deployment controller, not CODE_DEPLOY",
            hint="ECS sets the controller when a service is created: set `bootstrap: {controller: CODE_DEPLOY}` "
            "for it in ecsflow.yml and create it with `ecsflow bootstrap service` (after `--delete` if ecsflow "
            "created it, otherwise delete it by hand). Nothing was changed",
        )
    if not (found.get("loadBalancers") or [{}])[0].get("targetGroupArn"):
        raise InputError(
            f"service {req.service} has no target group",
            hint="CodeDeploy blue/green needs a service behind a load balancer target group; nothing was changed",
        )
    return found


def _blue_group(port: ProvisionPort, service: Mapping[str, Any]) -> dict[str, Any]:
    """The target group the service was created with (CodeDeploy alternates the pair later)."""
    arn = str(service["loadBalancers"][0]["targetGroupArn"])
    group = port.target_group(arn)
    if group is None:
        raise ResourceNotFound(f"target group {arn} of service {service.get('serviceName')} does not exist")
    return group


def plan_codedeploy(port: ProvisionPort, req: CodeDeployRequest) -> BootstrapPlan:
    title = f"bootstrap codedeploy: {req.cluster}/{req.service} ({req.deployment_config})"
    service = _service(port, req)
    blue = _blue_group(port, service)
    green_name = target_group_name(str(blue["TargetGroupName"]), "-green")
    green_step, _ = second_target_group(port, blue, green_name, req.owner, "target-group:green")
    steps: list[Step] = [green_step]
    prod = production_listener(port, blue, req.listener)
    test_arn: Any = None
    if req.test_port is not None:
        test_step, test_arn = _test_listener(port, req, prod, blue)
        steps.append(test_step)
    role, role_arn = role_step(
        port,
        named_arn=req.role_arn,
        default_name=f"ecsflow-{req.cluster}-{req.service}-codedeploy",
        service_principal="codedeploy.amazonaws.com",
        policy_arn=CODEDEPLOY_POLICY,
        owner=req.owner,
        purpose="codedeploy",
    )
    steps.append(role)
    steps.append(_application(port, req))
    steps.append(_group(port, req, blue, green_name, str(prod["ListenerArn"]), test_arn, role_arn))
    return BootstrapPlan(title, tuple(steps))


def _test_listener(
    port: ProvisionPort, req: CodeDeployRequest, prod: Mapping[str, Any], blue: Mapping[str, Any]
) -> tuple[Step, Any]:
    lb = str(prod["LoadBalancerArn"])
    name = f"port {req.test_port} (test traffic)"
    for listener in port.listeners(lb):
        if listener.get("Port") == req.test_port:
            tags = listener.get("tags") or {}
            if not managed(tags) or tags.get(PURPOSE_TAG) != "test":
                raise InputError(
                    f"the load balancer already has a listener on port {req.test_port} that ecsflow does not manage",
                    hint="pick another --test-port; nothing was changed",
                )
            arn = str(listener["ListenerArn"])
            return Step("listener:test", "listener", name, Action.UNCHANGED, existing=arn), arn
    params: dict[str, Any] = {
        "LoadBalancerArn": lb,
        "Protocol": prod.get("Protocol", "HTTP"),
        "Port": req.test_port,
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": str(blue["TargetGroupArn"])}],
        "Tags": {**managed_tags(req.owner), PURPOSE_TAG: "test"},
    }
    for key in ("Certificates", "SslPolicy"):
        if prod.get(key):
            params[key] = prod[key]
    detail = (
        f"{params['Protocol']} on the production listener's load balancer, forwards to {blue['TargetGroupName']}",
    )
    step = Step(
        "listener:test", "listener", name, Action.CREATE, detail, params, undo={"ListenerArn": Ref("listener:test")}
    )
    return step, Ref("listener:test")


def _application(port: ProvisionPort, req: CodeDeployRequest) -> Step:
    name = req.app_name
    found = port.application(name)
    if found is not None:
        platform = found.get("computePlatform")
        if platform != "ECS":
            raise InputError(
                f"CodeDeploy application {name} is for {platform}, not ECS",
                hint="name another with --application; nothing was changed",
            )
        action = Action.UNCHANGED if managed(found.get("tags")) else Action.ADOPT
        return Step("application", "application", name, action, existing=name)
    params = {"applicationName": name, "computePlatform": "ECS", "tags": managed_tags(req.owner)}
    return Step("application", "application", name, Action.CREATE, params=params, undo={"applicationName": name})


def group_request(req: CodeDeployRequest, blue: str, green: str, prod: str, test: Any, role: Any) -> dict[str, Any]:
    ready: dict[str, Any] = {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}
    if req.ready_wait_minutes:
        ready = {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": req.ready_wait_minutes}
    pair: dict[str, Any] = {
        "targetGroups": [{"name": blue}, {"name": green}],
        "prodTrafficRoute": {"listenerArns": [prod]},
    }
    if test is not None:
        pair["testTrafficRoute"] = {"listenerArns": [test]}
    return {
        "applicationName": req.app_name,
        "deploymentGroupName": req.group_name,
        "deploymentConfigName": req.deployment_config,
        "serviceRoleArn": role,
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {
            "deploymentReadyOption": ready,
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": req.termination_wait_minutes,
            },
        },
        "autoRollbackConfiguration": {"enabled": True, "events": list(ROLLBACK_EVENTS)},
        "ecsServices": [{"serviceName": req.service, "clusterName": req.cluster}],
        "loadBalancerInfo": {"targetGroupPairInfoList": [pair]},
        "tags": managed_tags(req.owner),
    }


def _group(
    port: ProvisionPort, req: CodeDeployRequest, blue: Mapping[str, Any], green: str, prod: str, test: Any, role: Any
) -> Step:
    name = req.group_name
    blue_name = str(blue["TargetGroupName"])
    wanted = group_request(req, blue_name, green, prod, test, role)
    found = port.deployment_group(req.app_name, name)
    details = (
        f"{req.deployment_config}; target groups {blue_name} + {green}",
        f"ready wait {req.ready_wait_minutes} min, termination wait {req.termination_wait_minutes} min, "
        "auto-rollback on failure and on stop",
    )
    if found is None:
        undo = {"applicationName": req.app_name, "deploymentGroupName": name}
        return Step("deployment-group", "deployment-group", name, Action.CREATE, details, wanted, undo=undo)
    services = [(s.get("clusterName"), s.get("serviceName")) for s in found.get("ecsServices") or ()]
    if not managed(found.get("tags")) and (req.cluster, req.service) not in services:
        raise InputError(
            f"CodeDeploy deployment group {req.app_name}/{name} exists for another service "
            "and ecsflow does not manage it",
            hint="name another with --deployment-group; nothing was changed",
        )
    pairs = (found.get("loadBalancerInfo") or {}).get("targetGroupPairInfoList") or [{}]
    bg = found.get("blueGreenDeploymentConfiguration") or {}
    want_bg = wanted["blueGreenDeploymentConfiguration"]
    have_groups = sorted(str(g.get("name")) for g in pairs[0].get("targetGroups") or ())
    have_test = (pairs[0].get("testTrafficRoute") or {}).get("listenerArns") or None
    compared: list[tuple[str, Any, Any]] = [
        ("deployment config", found.get("deploymentConfigName"), req.deployment_config),
        ("target groups", have_groups, sorted([blue_name, green])),
        ("production listener", (pairs[0].get("prodTrafficRoute") or {}).get("listenerArns"), [prod]),
        ("ready wait", _ready(bg.get("deploymentReadyOption")), _ready(want_bg["deploymentReadyOption"])),
        (
            "termination wait",
            (bg.get("terminateBlueInstancesOnDeploymentSuccess") or {}).get("terminationWaitTimeInMinutes"),
            req.termination_wait_minutes,
        ),
    ]
    if not isinstance(test, Ref):
        compared.append(("test listener", have_test, [test] if test else None))
    if not isinstance(role, Ref):
        compared.append(("service role", found.get("serviceRoleArn"), role))
    diffs = differences(compared)
    if isinstance(test, Ref) or isinstance(role, Ref):
        diffs += ("the test listener or service role is created in this run",)
    if diffs and managed(found.get("tags")):
        # ecsflow's own group follows the command line (UpdateDeploymentGroup).
        params = {k: v for k, v in wanted.items() if k not in ("deploymentGroupName", "tags")}
        params["currentDeploymentGroupName"] = name
        return Step("deployment-group", "deployment-group", name, Action.UPDATE, diffs, params, existing=name)
    if diffs:
        return Step(
            "deployment-group",
            "deployment-group",
            name,
            Action.DIFFERS,
            (*diffs, "bootstrap leaves it as it is (change it in CodeDeploy, or --delete and re-run)"),
            existing=name,
        )
    action = Action.UNCHANGED if managed(found.get("tags")) else Action.ADOPT
    return Step("deployment-group", "deployment-group", name, action, existing=name)


def _ready(option: Mapping[str, Any] | None) -> tuple[str, int]:
    option = option or {}
    return str(option.get("actionOnTimeout") or "CONTINUE_DEPLOYMENT"), int(option.get("waitTimeInMinutes") or 0)


def plan_codedeploy_delete(
    port: ProvisionPort, req: CodeDeployRequest, entries: Sequence[RecordEntry]
) -> BootstrapPlan:
    """Delete what ``bootstrap codedeploy`` created. A target group the service's PRIMARY task
    set uses (CodeDeploy swaps the pair at each deployment) stays, as does an application
    that still has other deployment groups."""
    mine = [e for e in entries if e.by == "codedeploy"]
    in_use: dict[str, str] = {}
    service = port.describe_service(req.cluster, req.service)
    for task_set in (service or {}).get("taskSets") or ():
        for lb in task_set.get("loadBalancers") or ():
            if lb.get("targetGroupArn"):
                in_use[str(lb["targetGroupArn"])] = f"a {task_set.get('status')} task set of the service uses it"
    for entry in mine:
        if entry.kind == "application":
            ours = {e.name for e in mine if e.kind == "deployment-group"}
            others = [g for g in port.deployment_groups(entry.id) if g not in ours]
            if others:
                in_use[entry.id] = f"still has other deployment groups: {', '.join(others)}"
    steps = delete_steps(port, mine, in_use=in_use, load_balancers=service_load_balancers(port, service))
    return BootstrapPlan(f"bootstrap codedeploy --delete: {req.cluster}/{req.service}", tuple(steps))
