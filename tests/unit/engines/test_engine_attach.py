"""``ecsflow wait``: attaching to a deployment in progress, by service or by id."""

from __future__ import annotations

from engine_world import World

from ecsflow.engines.attach import AttachTarget
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.model import Outcome
from ecsflow.ports import ServiceDeploymentInfo
from timelines import rollout_succeeds


def test_wait_by_service_follows_the_newest_deployment() -> None:
    w = World()
    svc = w.service("api")
    _, [started] = w.deploy(options=RunOptions(wait=False))
    svc.timeline = rollout_succeeds()
    [result] = w.engine.wait([AttachTarget("api", "main", "api")])
    assert result.outcome is Outcome.SUCCEEDED
    assert result.deployment_id == started.deployment_id


def test_wait_by_id_finds_the_service() -> None:
    w = World()
    w.service("other")
    svc = w.service("api")
    target = w.ecs.update_service("main", "api", svc.task_definition)
    ours = target.primary
    assert ours is not None
    svc.timeline = rollout_succeeds()
    candidates = [AttachTarget("other", "main", "other"), AttachTarget("api", "main", "api")]
    found = w.engine.find(candidates, ours.id)
    assert found.key == "api"
    [result] = w.engine.wait([found])
    assert result.outcome is Outcome.SUCCEEDED


def test_wait_on_a_settled_service_after_a_rollback_says_rolled_back() -> None:
    w = World()
    svc = w.service("api")
    svc.service_deployments.append(
        ServiceDeploymentInfo(
            "arn:sd/2", "ROLLBACK_SUCCESSFUL", "circuit breaker: tasks failed", created_at=w.clock.now()
        )
    )
    [result] = w.engine.wait([AttachTarget("api", "main", "api")])
    assert result.outcome is Outcome.ROLLED_BACK
    assert "circuit breaker" in result.reason


def test_wait_on_a_settled_service_succeeds_at_once() -> None:
    w = World()
    w.service("api")
    [result] = w.engine.wait([AttachTarget("api", "main", "api")])
    assert result.outcome is Outcome.SUCCEEDED
    assert w.ecs.calls["DescribeServices"] == 2  # attach + one poll
