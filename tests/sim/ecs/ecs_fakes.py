"""A fake world for the ECS state machines: no moto, a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecsflow.sim.context import Scenario, ServiceScenario
from ecsflow.sim.ecs import config, machine, tasks
from ecsflow.sim.ecs.state import ContainerSpec, NativeRun, ServiceDeploymentRecord, ServiceSim, SimTask

T0 = 1_000_000.0


@dataclass
class FakeEnv:
    scenario_: Scenario = field(default_factory=Scenario)
    seed: int = 0
    region: str = "us-east-1"
    account_id: str = "123456789012"
    counters: dict[str, int] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # task definition ARN -> image
    failed_tasks: list[SimTask] = field(default_factory=list)
    weights: list[tuple[float, float]] = field(default_factory=list)  # (production, test) on green

    def number(self, kind: str) -> int:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.counters[kind]

    def scenario(self, sim: ServiceSim) -> ServiceScenario:
        return self.scenario_.for_service(sim.cluster_name, sim.service_name)

    def containers(self, task_definition_arn: str) -> list[ContainerSpec]:
        return [ContainerSpec(name="app", image=self.images.get(task_definition_arn, "repo/app:ok"))]

    def failing_image(self, image: str) -> bool:
        return tasks.image_matches(image, self.scenario_.failing_images)

    def task_failed(self, sim: ServiceSim, task: SimTask) -> None:
        self.failed_tasks.append(task)

    def traffic_changed(self, sim: ServiceSim, run: NativeRun) -> None:
        self.weights.append((run.record.prod_weight, run.record.test_weight))


def td(revision: int) -> str:
    return f"arn:aws:ecs:us-east-1:123456789012:task-definition/app:{revision}"


def make_service(
    env: FakeEnv, desired: int = 4, deployment_configuration: dict[str, Any] | None = None, **extra: Any
) -> ServiceSim:
    sim = ServiceSim(
        cluster_name="c",
        service_name="app",
        service_arn="arn:aws:ecs:us-east-1:123456789012:service/c/app",
        cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/c",
        desired_count=desired,
        configuration=config.with_defaults(deployment_configuration),
        controller="ECS",
        task_definition=td(1),
        **extra,
    )
    sim.processed_at = T0
    machine.start_deployment(env, sim, T0, td(1))
    return sim


def run_until(env: FakeEnv, sim: ServiceSim, end: float, step: float = 5.0) -> list[dict[str, Any]]:
    """Advance in ``step`` seconds; returns a snapshot after each step."""
    snapshots = []
    now = sim.processed_at or T0
    while now < end:
        now += step
        machine.advance(env, sim, now)
        snapshots.append(snapshot(sim, now))
    return snapshots


def snapshot(sim: ServiceSim, now: float) -> dict[str, Any]:
    live = [t for t in sim.all_tasks() if t.active]
    return {
        "t": now - T0,
        "deployments": [(d.status, d.rollout_state, d.task_definition[-5:]) for d in sim.deployments],
        "total": len(live),
        "healthy": sum(1 for t in live if t.healthy),
        "running": sum(1 for t in live if t.last_status == "RUNNING"),
    }


def latest(sim: ServiceSim) -> ServiceDeploymentRecord:
    return sim.records[-1]
