"""A small in-memory ECS world for engine tests: fakes + a deploy engine + one call to deploy."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ecsflow.artifacts.taskdef import normalize_task_definition
from ecsflow.config import BaseMode, ServiceConfig
from ecsflow.engines.deploy import DeployEngine
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.engines.prepare import DeployRequest
from ecsflow.engines.records import DeployRecord
from ecsflow.model import DeploymentResult
from ecsflow.plan import DeployPlan
from fakes import FakeClock, FakeEcr, FakeEcs, FakeElb, FakeLogs, FakeService, RecordingSink

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def body(family: str, image: str = f"{REGISTRY}/app:v1", **extra: Any) -> dict[str, Any]:
    return {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "web",
                "image": image,
                "essential": True,
                "environment": [{"name": "DB_PASSWORD", "value": "hunter22"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": f"/ecs/{family}", "awslogs-stream-prefix": "ecs"},
                },
            }
        ],
        **extra,
    }


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.ecs = FakeEcs(self.clock)
        self.ecr = FakeEcr()
        self.logs = FakeLogs()
        self.elb = FakeElb()
        self.sink = RecordingSink()
        self.templates: dict[str, dict[str, Any]] = {}
        self.configs: dict[str, ServiceConfig] = {}
        self.ecr.push("app", "v1")
        self.ecr.push("app", "v2")
        self.engine = DeployEngine(
            ecs=self.ecs,
            ecr=self.ecr,
            clock=self.clock,
            sink=self.sink,
            load_template=lambda svc: normalize_task_definition(
                copy.deepcopy(self.templates[svc.key]), f"{svc.key}.json"
            ),
            logs=self.logs,
            elb=self.elb,
        )

    def service(
        self,
        key: str,
        *,
        family: str | None = None,
        cluster: str = "main",
        template: dict[str, Any] | None = None,
        **kw: Any,
    ) -> FakeService:
        family = family or key
        running = self.ecs.add_task_definition(body(family, f"{REGISTRY}/app:v1@sha256:{'0' * 64}"))
        svc = self.ecs.add_service(cluster, key, running.arn, **kw)
        self.templates[key] = template or body(family, f"{REGISTRY}/app:v2")
        self.configs[key] = ServiceConfig(
            key=key, cluster=cluster, service=key, task_definition=f"{key}.json", images={"web": f"{REGISTRY}/app"}
        )
        return svc

    def request(
        self, keys: Sequence[str] | None = None, groups: Sequence[Sequence[str]] | None = None, **kw: Any
    ) -> DeployRequest:
        keys = list(keys or self.configs)
        services = tuple(self.configs[k] for k in keys)
        grouping = tuple(tuple(g) for g in groups) if groups else (tuple(keys),)
        kw.setdefault("record", DeployRecord(commit="abc123", actor="ci", at=self.clock.now()))
        if "base" in kw and isinstance(kw["base"], str):
            kw["base"] = BaseMode(kw["base"])
        if "inputs" not in kw:
            kw["inputs"] = ImageInputs()
        return DeployRequest(services=services, groups=grouping, **kw)

    def deploy(
        self, keys: Sequence[str] | None = None, *, options: RunOptions | None = None, dry_run: bool = False, **kw: Any
    ) -> tuple[DeployPlan, list[DeploymentResult]]:
        return self.engine.deploy(self.request(keys, **kw), options, dry_run=dry_run)
