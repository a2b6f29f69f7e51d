"""The blue/green world of one deployment, read from and written to moto's ECS and ELBv2.

``resolve`` checks the pieces CodeDeploy needs when a deployment starts (the service,
its controller and PRIMARY task set, the target group pair, the listeners) and returns
the problem CodeDeploy would report, with its ``ErrorInformation`` code. ``MotoEffects``
then carries out the deployment's side effects on moto's own objects, so any client sees
consistent task sets (DescribeServices / DescribeTaskSets) and listener weights
(DescribeListeners / DescribeRules) while a deployment runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from ecsflow.sim.codedeploy.appspec import AppSpec
from ecsflow.sim.codedeploy.machine import TaskSetState


class WorldProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class World:
    account: str
    region: str
    cluster: str
    service: str
    service_arn: str
    desired_count: int
    blue_task_set: str  # ARN
    blue_tg: tuple[str, str]  # (name, ARN)
    green_tg: tuple[str, str]
    prod_listener: str
    test_listener: str | None


def _one(items: list[Any], what: str, code: str) -> Any:
    if len(items) != 1:
        raise WorldProblem(code, f"The deployment group must have exactly one {what}; it has {len(items)}.")
    return items[0]


def resolve(account: str, region: str, group: Any, spec: AppSpec) -> World:
    """The world of a deployment group, or ``WorldProblem`` as CodeDeploy would report it."""
    ecs = ecs_backends[account][region]
    elbv2 = elbv2_backends[account][region]
    ref = _one(list(group.ecs_services), "ECS service", "INVALID_ECS_SERVICE")
    cluster, name = ref.get("clusterName", ""), ref.get("serviceName", "")
    service = ecs.services.get(f"{cluster}:{name}")
    if service is None or service.status != "ACTIVE":
        raise WorldProblem("INVALID_ECS_SERVICE", f"The ECS service {cluster}/{name} cannot be found.")
    if service.deployment_controller.get("type") != "CODE_DEPLOY":
        raise WorldProblem(
            "INVALID_ECS_SERVICE",
            f"The ECS service {cluster}/{name} does not use the CODE_DEPLOY deployment controller.",
        )
    primary = [ts for ts in service.task_sets if ts.status == "PRIMARY"]
    if not primary:
        raise WorldProblem("ECS_UPDATE_ERROR", f"The ECS service {cluster}/{name} has no PRIMARY task set.")
    pairs = (group.load_balancer_info or {}).get("targetGroupPairInfoList") or []
    pair = _one(pairs, "target group pair", "ELASTIC_LOAD_BALANCING_INVALID")
    names = [tg.get("name", "") for tg in pair.get("targetGroups") or []]
    if len(names) != 2:
        raise WorldProblem("ELASTIC_LOAD_BALANCING_INVALID", "A target group pair needs exactly two target groups.")
    groups = {tg.name: tg.arn for tg in elbv2.target_groups.values()}
    for tg_name in names:
        if tg_name not in groups:
            raise WorldProblem("ELASTIC_LOAD_BALANCING_INVALID", f"The target group {tg_name} does not exist.")
    prod = _one(
        (pair.get("prodTrafficRoute") or {}).get("listenerArns") or [],
        "production listener",
        "ELASTIC_LOAD_BALANCING_INVALID",
    )
    tests = (pair.get("testTrafficRoute") or {}).get("listenerArns") or []
    for arn in [prod, *tests]:
        if not any(arn in lb.listeners for lb in elbv2.load_balancers.values()):
            raise WorldProblem("ELASTIC_LOAD_BALANCING_INVALID", f"The listener {arn} does not exist.")
    # Target-group swap rule (AWS-SEMANTICS 5.2): blue is the group on the PRIMARY task set,
    # the replacement gets the other one of the pair.
    blue_arns = [lb.get("targetGroupArn") for lb in primary[0].load_balancers]
    blue_names = [n for n in names if groups[n] in blue_arns]
    if len(blue_names) != 1:
        raise WorldProblem(
            "ECS_UPDATE_ERROR",
            f"The PRIMARY task set of {cluster}/{name} is not behind either target group of the pair.",
        )
    blue_name = blue_names[0]
    green_name = next(n for n in names if n != blue_name)
    if groups[blue_name] not in _forward_targets(elbv2, prod):
        raise WorldProblem("ECS_UPDATE_ERROR", f"Primary taskset target group must be behind listener {prod}")
    if spec.task_definition not in _task_definition_arns(ecs):
        raise WorldProblem("ECS_UPDATE_ERROR", f"The task definition {spec.task_definition} does not exist.")
    return World(
        account,
        region,
        cluster,
        name,
        service.arn,
        service.desired_count,
        primary[0].task_set_arn,
        (blue_name, groups[blue_name]),
        (green_name, groups[green_name]),
        prod,
        _one(tests, "test listener", "ELASTIC_LOAD_BALANCING_INVALID") if tests else None,
    )


def _task_definition_arns(ecs: Any) -> set[str]:
    return {td.arn for revisions in ecs.task_definitions.values() for td in revisions.values()}


def _forward_targets(elbv2: Any, listener_arn: str) -> list[str]:
    listener = elbv2.describe_listeners(None, [listener_arn])[0]
    arns: list[str] = []
    for action in listener.default_actions:
        data = action.data
        if data.get("TargetGroupArn"):
            arns.append(data["TargetGroupArn"])
        arns += [tg["TargetGroupArn"] for tg in (data.get("ForwardConfig") or {}).get("TargetGroups", [])]
    return arns


def _forward(weights: list[tuple[str, int]]) -> dict[str, Any]:
    live = [(arn, w) for arn, w in weights if w > 0]
    if len(live) == 1:  # fully on one group: a plain forward, as ELBv2 shows it
        return {
            "Type": "forward",
            "TargetGroupArn": live[0][0],
            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": live[0][0], "Weight": 1}]},
        }
    return {
        "Type": "forward",
        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": arn, "Weight": w} for arn, w in weights]},
    }


class MotoEffects:
    """Side effects of one deployment on moto's ECS and ELBv2 backends."""

    def __init__(self, world: World, spec: AppSpec, now: Any) -> None:
        self.world, self.spec, self._now = world, spec, now
        self.task_sets: dict[str, str] = {"Blue": world.blue_task_set}  # label -> ARN
        self.ids: dict[str, str] = {"Blue": "/".join(world.blue_task_set.split("/")[-2:])}  # ecs-svc/…

    @property
    def _ecs(self) -> Any:
        return ecs_backends[self.world.account][self.world.region]

    @property
    def _elbv2(self) -> Any:
        return elbv2_backends[self.world.account][self.world.region]

    def _task_set(self, label: str) -> Any:
        arn = self.task_sets.get(label)
        service = self._ecs.services.get(f"{self.world.cluster}:{self.world.service}")
        if service is None:
            return None
        return next((ts for ts in service.task_sets if ts.task_set_arn == arn), None)

    def create_green(self) -> None:
        blue = self._task_set("Blue")
        spec = self.spec
        green = self._ecs.create_task_set(
            self.world.service,
            self.world.cluster,
            spec.task_definition,
            network_configuration=spec.network_configuration or (blue.network_configuration if blue else None),
            load_balancers=[
                {
                    "targetGroupArn": self.world.green_tg[1],
                    "containerName": spec.container_name,
                    "containerPort": spec.container_port,
                }
            ],
            launch_type=None if spec.capacity_provider_strategy else (blue.launch_type if blue else "FARGATE"),
            capacity_provider_strategy=spec.capacity_provider_strategy,
            platform_version=spec.platform_version or (blue.platform_version if blue else None),
        )
        # No ``scale`` argument: moto would start real tasks for it (MOTO-FIDELITY gotcha 3).
        green.scale = {"value": 100.0, "unit": "PERCENT"}
        green.started_by = "CodeDeploy"
        self.task_sets["Green"] = green.task_set_arn
        self.ids["Green"] = green.id

    def route_test(self, to_green: bool) -> None:
        if self.world.test_listener is None:
            return
        target = self.world.green_tg[1] if to_green else self.world.blue_tg[1]
        self._elbv2.modify_listener(self.world.test_listener, actions=[_forward([(target, 1)])])

    def route_production(self, green_weight: float) -> None:
        green = round(green_weight)
        action = _forward([(self.world.blue_tg[1], 100 - green), (self.world.green_tg[1], green)])
        self._elbv2.modify_listener(self.world.prod_listener, actions=[action])
        # Listener rules that forward to the pair follow the default action (CodeDeploy shifts
        # every rule of the production listener that points at the blue target group).
        pair = {self.world.blue_tg[1], self.world.green_tg[1]}
        listener = self._elbv2.describe_listeners(None, [self.world.prod_listener])[0]
        for rule_arn, rule in list(listener._non_default_rules.items()):
            if any(set(_targets_of(a.data)) & pair for a in rule.actions):
                self._elbv2.modify_rule(rule_arn, [], [_forward_copy(action)])

    def make_primary(self, label: str) -> None:
        if label in self.task_sets and self._task_set(label) is not None:
            self._ecs.update_service_primary_task_set(self.world.cluster, self.world.service, self.task_sets[label])

    def delete_task_set(self, label: str) -> None:
        if self._task_set(label) is not None:
            self._ecs.delete_task_set(self.world.cluster, self.world.service, self.task_sets[label])
        self._render_service()

    def render_task_set(self, state: TaskSetState) -> None:
        ts = self._task_set(state.label)
        if ts is None:
            return
        ts.computed_desired_count = state.desired
        ts.pending_count, ts.running_count = state.pending, state.running
        stability = "STEADY_STATE" if state.stable else "STABILIZING"
        if ts.stabilityStatus != stability:
            ts.stabilityStatus = stability
            ts.stabilityStatusAt = datetime.fromtimestamp(self._now(), UTC)
        self._render_service()

    def alarm(self, names: tuple[str, ...], ignore_missing: bool) -> tuple[str, float] | None:
        """CodeDeploy stops a deployment when a watched alarm is in ALARM; when it cannot read
        an alarm it stops too, unless ``ignorePollAlarmFailure`` (AWS-SEMANTICS 5.2)."""
        alarms = cloudwatch_backends[self.world.account][self.world.region].alarms
        for name in names:
            found = alarms.get(name)
            if found is None:
                if not ignore_missing:
                    return (f"CodeDeploy could not read the state of alarm {name}.", float("-inf"))
                continue
            if found.state_value == "ALARM":
                since = found.state_updated_timestamp.replace(tzinfo=UTC).timestamp()
                return (f"The alarm {name} is in the ALARM state.", since)
        return None

    def _render_service(self) -> None:
        service = self._ecs.services.get(f"{self.world.cluster}:{self.world.service}")
        if service is None:
            return
        service.running_count = sum(getattr(ts, "running_count", 0) or 0 for ts in service.task_sets)
        service.pending_count = sum(getattr(ts, "pending_count", 0) or 0 for ts in service.task_sets)


def _targets_of(data: dict[str, Any]) -> list[str]:
    arns = [data["TargetGroupArn"]] if data.get("TargetGroupArn") else []
    return arns + [tg["TargetGroupArn"] for tg in (data.get("ForwardConfig") or {}).get("TargetGroups", [])]


def _forward_copy(action: dict[str, Any]) -> dict[str, Any]:
    forward = action.get("ForwardConfig") or {}
    copy = {k: v for k, v in action.items() if k != "ForwardConfig"}
    copy["ForwardConfig"] = {"TargetGroups": [dict(tg) for tg in forward.get("TargetGroups", [])]}
    return copy
