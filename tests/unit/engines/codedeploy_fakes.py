"""An in-memory ``CodeDeployPort`` with scripted deployment timelines, and a world to deploy with it.

A timeline is a list of ``Phase`` values, each applying from ``at`` seconds after
CreateDeployment; ``get_deployment`` / ``get_target`` answer with the phase the fake clock
is in. ``on_continue`` / ``on_stop`` replace the rest of the timeline, as CodeDeploy would.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine_world import World

from ecsflow.artifacts.appspec import AppSpec, parse_appspec
from ecsflow.artifacts.taskdef import normalize_task_definition
from ecsflow.config import ServiceConfig
from ecsflow.config.codedeploy import CodeDeployConfig
from ecsflow.engines.codedeploy_judge import EVENTS
from ecsflow.engines.codedeploy_prepare import MemoryGroupMemo
from ecsflow.engines.deploy import DeployEngine
from ecsflow.errors import EcsflowError, ResourceNotFound
from ecsflow.ports import LoadBalancerRef
from ecsflow.ports_codedeploy import (
    CodeDeployDeployment,
    DeploymentGroup,
    EcsTarget,
    LifecycleEvent,
    TaskSetInfo,
    TrafficRouting,
)

APP, GROUP = "web-app", "web-dg"
APPSPEC_OK = """version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 80
"""


@dataclass(frozen=True)
class Phase:
    at: float
    status: str = "InProgress"
    done: int = 0  # how many lifecycle events (in order) succeeded
    failed: str | None = None  # the event that failed (hook message in ``message``)
    message: str | None = None
    weight: float = 0.0  # production traffic on green
    termination_wait: bool = False
    error: tuple[str, str] | None = None
    rollback: str | None = None
    hold: bool = False  # the next lifecycle event has not started (about to be held at the ready wait)


def canary(done_at: float = 60.0, shift: float = 300.0, wait: float = 300.0) -> list[Phase]:
    return [
        Phase(0, "InProgress", done=1),
        Phase(30, "InProgress", done=2),
        Phase(done_at, "InProgress", done=6, weight=10.0),
        Phase(done_at + shift, "InProgress", done=8, weight=100.0, termination_wait=True),
        Phase(done_at + shift + wait, "Succeeded", done=8, weight=100.0),
    ]


def hook_fails(event: str = "AfterAllowTestTraffic") -> list[Phase]:
    index = EVENTS.index(event)
    return [
        Phase(0, "InProgress", done=index),
        Phase(
            60,
            "Failed",
            done=index,
            failed=event,
            message="smoke test returned 500",
            error=("HOOK_EXECUTION_FAILURE", "lifecycle hook failed"),
            rollback="traffic rerouted to the original task set",
        ),
    ]


def ready_wait() -> list[Phase]:
    return [Phase(0, "InProgress", done=2), Phase(60, "Ready", done=5)]


class FakeCodeDeploy:
    def __init__(self, world: World) -> None:
        self.clock = world.clock
        self.calls: Counter[str] = Counter()
        self.groups: dict[tuple[str, str], DeploymentGroup] = {}
        self.configs: dict[str, TrafficRouting] = {}
        self.timelines: dict[str, tuple[float, list[Phase]]] = {}
        self.script: list[Phase] = canary()
        self.created: list[dict[str, Any]] = []
        self.continued: list[tuple[str, str]] = []
        self.stopped: list[tuple[str, bool]] = []
        self.on_continue: Callable[[], list[Phase]] | None = None
        self.on_stop: Callable[[], list[Phase]] | None = None
        self.errors: dict[str, list[EcsflowError]] = {}
        self.service: dict[str, Any] = {
            "serviceName": "web",
            "loadBalancers": [{"targetGroupArn": "tg-blue", "containerName": "web", "containerPort": 80}],
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": ["subnet-1"],
                    "securityGroups": ["sg-1"],
                    "assignPublicIp": "DISABLED",
                }
            },
            "platformVersion": "LATEST",
        }

    def _enter(self, op: str) -> None:
        self.calls[op] += 1
        pending = self.errors.get(op)
        if pending:
            raise pending.pop(0)

    def add_group(self, **kw: Any) -> DeploymentGroup:
        kw.setdefault("services", (("main", "web"),))
        kw.setdefault("termination_wait_minutes", 5)
        kw.setdefault("auto_rollback", True)
        kw.setdefault("auto_rollback_events", ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"))
        kw.setdefault("test_listener", True)
        kw.setdefault("test_listener_arn", "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/test")
        group = DeploymentGroup(application=kw.pop("application", APP), name=kw.pop("name", GROUP), **kw)
        self.groups[(group.application, group.name)] = group
        return group

    # --- the port ----------------------------------------------------------------------
    def find_deployment_group(self, cluster: str, service: str) -> DeploymentGroup | None:
        self._enter("find_deployment_group")
        return next((g for g in self.groups.values() if g.serves(cluster, service)), None)

    def get_deployment_group(self, application: str, name: str) -> DeploymentGroup:
        self._enter("get_deployment_group")
        group = self.groups.get((application, name))
        if group is None:
            raise ResourceNotFound(
                f"group {application}/{name} does not exist", code="DeploymentGroupDoesNotExistException"
            )
        return group

    def get_deployment_config(self, name: str) -> TrafficRouting:
        self._enter("get_deployment_config")
        if name not in self.configs:
            raise ResourceNotFound(f"config {name} does not exist")
        return self.configs[name]

    def create_deployment(
        self,
        application: str,
        group: str,
        appspec: str,
        *,
        deployment_config: str | None = None,
        description: str | None = None,
    ) -> str:
        self._enter("create_deployment")
        deployment_id = f"d-TEST{len(self.created) + 1:05d}"
        self.created.append({"group": (application, group), "appspec": appspec, "config": deployment_config})
        self.timelines[deployment_id] = (self.clock.now(), list(self.script))
        return deployment_id

    def _phase(self, deployment_id: str) -> Phase:
        start, phases = self.timelines[deployment_id]
        elapsed = self.clock.now() - start
        return [p for p in phases if p.at <= elapsed][-1]

    def get_deployment(self, deployment_id: str) -> CodeDeployDeployment:
        self._enter("get_deployment")
        p = self._phase(deployment_id)
        return CodeDeployDeployment(
            id=deployment_id,
            status=p.status,
            application=APP,
            deployment_group=GROUP,
            error_code=p.error[0] if p.error else None,
            error_message=p.error[1] if p.error else None,
            rollback_message=p.rollback,
            termination_wait_started=p.termination_wait,
        )

    def get_target(self, deployment_id: str, target_id: str) -> EcsTarget | None:
        self._enter("get_target")
        p = self._phase(deployment_id)
        events = []
        for i, name in enumerate(EVENTS):
            if i < p.done:
                status = "Succeeded"
            elif name == p.failed:
                status = "Failed"
            elif i == p.done and p.status == "InProgress" and not p.hold:
                status = "InProgress"
            else:
                status = "Pending"
            script = "CodeDeployHook_smoke" if name == p.failed else None
            events.append(LifecycleEvent(name, status, message=p.message if name == p.failed else None, script=script))
        rolled_back = p.rollback is not None
        sets = [TaskSetInfo("ts-blue", "Blue", "ACTIVE" if p.weight == 100 else "PRIMARY", 100.0 - p.weight, 2, 2)]
        if p.done >= 2 and not rolled_back:
            sets.append(
                TaskSetInfo(
                    "ts-green", "Green", "PRIMARY" if p.weight == 100 else "ACTIVE", p.weight, 2, 2, 0, "tg-green"
                )
            )
        return EcsTarget(target_id, p.status, tuple(events), tuple(sets))

    def succeeded_deployments(self, application: str, group: str, *, limit: int = 10) -> list[CodeDeployDeployment]:
        self._enter("succeeded_deployments")
        return []

    def continue_deployment(self, deployment_id: str, wait_type: str) -> None:
        self._enter("continue_deployment")
        self.continued.append((deployment_id, wait_type))
        if self.on_continue is not None:
            self._replace(deployment_id, self.on_continue())

    def stop_deployment(self, deployment_id: str, *, auto_rollback: bool) -> str:
        self._enter("stop_deployment")
        self.stopped.append((deployment_id, auto_rollback))
        if self.on_stop is not None:
            self._replace(deployment_id, self.on_stop())
        return "Pending"

    def _replace(self, deployment_id: str, rest: list[Phase]) -> None:
        start, phases = self.timelines[deployment_id]
        elapsed = self.clock.now() - start
        kept = [p for p in phases if p.at <= elapsed]
        self.timelines[deployment_id] = (start, kept + [Phase(**{**p.__dict__, "at": p.at + elapsed}) for p in rest])

    def listener_url(self, listener_arn: str) -> str | None:
        self._enter("listener_url")
        return f"http://web-alb.example:{8080 if listener_arn.endswith('test') else 80}"

    def describe_service(self, cluster: str, service: str) -> Mapping[str, Any] | None:
        self._enter("describe_service")
        return copy.deepcopy(self.service)


@dataclass
class CodeDeployWorld:
    """The engine world of ``engine_world`` with a CODE_DEPLOY service and a ``FakeCodeDeploy``."""

    base: World = field(default_factory=World)
    appspecs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clock = self.base.clock
        self.ecs = self.base.ecs
        self.sink = self.base.sink
        self.cd = FakeCodeDeploy(self.base)
        self.memo = MemoryGroupMemo()
        self.base.service("web", controller="CODE_DEPLOY", load_balancers=(LoadBalancerRef("tg-blue", "web", 80),))
        self.engine = DeployEngine(
            ecs=self.ecs,
            ecr=self.base.ecr,
            clock=self.clock,
            sink=self.sink,
            load_template=lambda svc: normalize_task_definition(
                copy.deepcopy(self.base.templates[svc.key]), "web.json"
            ),
            codedeploy=self.cd,
            group_memo=self.memo,
            load_appspec=self.load_appspec,
            test_runner=None,
        )

    def load_appspec(self, svc: ServiceConfig) -> AppSpec:
        name = svc.codedeploy.appspec if svc.codedeploy and svc.codedeploy.appspec else "appspec.yaml"
        return parse_appspec(self.appspecs[name], name)

    def configure(self, **codedeploy: Any) -> None:
        svc = self.base.configs["web"]
        self.base.configs["web"] = ServiceConfig(**{**svc.__dict__, "codedeploy": CodeDeployConfig(**codedeploy)})

    def deploy(self, **kw: Any) -> Any:
        options = kw.pop("options", None)
        return self.engine.deploy(self.base.request(["web"], **kw), options)

    def registered(self) -> Sequence[Any]:
        return self.ecs.registered
