"""A fake ECS with one service and a few revisions, shared by the inspect tests."""

from __future__ import annotations

from typing import Any

from ecsflow.engines.records import DeployRecord, record_tags
from fakes import START, FakeClock, FakeEcs, FakeService

DIGEST = "sha256:" + "b" * 64


def body(image: str, **extra: Any) -> dict[str, Any]:
    return {
        "family": "web",
        "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "app", "image": image, "essential": True, **extra}],
    }


def world(revisions: int = 4, running: int = 3) -> tuple[FakeEcs, FakeService]:
    ecs = FakeEcs(FakeClock())
    for n in range(1, revisions + 1):
        tags = record_tags(
            DeployRecord(commit=f"c{n}", actor="ci", at=START - 1000 + n, images=(("app", f"web:v{n}"),))
        )
        ecs.add_task_definition(body(f"web:v{n}"), tags)
    svc = ecs.add_service("prod", "web", ecs.task_definitions["web"][running - 1].arn)
    return ecs, svc


def deployed(ecs: FakeEcs, svc: FakeService, revision: int, status: str, at: float) -> None:
    td = ecs.task_definitions["web"][revision - 1].arn
    ecs.add_service_deployment(svc, td, status, at=START + at, images=(("app", f"web:v{revision}", DIGEST),))
