"""Each outcome of a rolling deployment, against scripted timelines and a fake clock."""

from __future__ import annotations

from engine_world import World

from ecsflow.errors import ExitCode
from ecsflow.events import DeploymentStarted, ServiceEventSeen, TaskStopped
from ecsflow.model import Outcome, worst_exit_code
from timelines import circuit_breaker_rollback, rollout_succeeds, superseded_by, tasks_fail


def test_success_registers_pins_updates_and_waits() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = rollout_succeeds(after=60)
    _plan, [result] = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED, result.reason
    assert result.exit_code is ExitCode.OK
    [registered] = w.ecs.registered
    image = registered.body["containerDefinitions"][0]["image"]
    assert image == f"{'123456789012.dkr.ecr.us-east-1.amazonaws.com'}/app:v2@{w.ecr.images[('app', 'v2')]}"
    assert registered.tags["ecsflow:commit"] == "abc123"
    assert registered.tags["ecsflow:image:web"] == image
    assert w.ecs.updates == [("main", "api", registered.arn)]
    assert result.task_definition_arn == registered.arn
    started = w.sink.of(DeploymentStarted)
    assert started[0].deployment_id == result.deployment_id
    # finished within a couple of polls after ECS completed (t0+60)
    assert result.finished_at is not None and result.started_at is not None
    assert result.finished_at - result.started_at <= 62


def test_circuit_breaker_rollback_is_rolled_back_with_diagnosis() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = circuit_breaker_rollback(after=40)
    _, [result] = w.deploy()
    assert result.outcome is Outcome.ROLLED_BACK
    assert result.exit_code is ExitCode.ROLLED_BACK
    assert "circuit breaker" in result.reason
    assert result.failures, "stopped tasks of our deployment are shown"
    assert result.failures[0].reason == "Essential container in task exited"
    assert result.failures[0].containers[0][1] == 1
    assert w.sink.of(TaskStopped)


def test_failure_without_rollback_is_failed() -> None:
    w = World()
    svc = w.service("api", circuit_breaker_rollback=False)
    svc.timeline = circuit_breaker_rollback(after=40, rollback=False)
    _, [result] = w.deploy()
    assert result.outcome is Outcome.FAILED
    assert "circuit breaker" in result.reason


def test_tasks_keep_failing_without_circuit_breaker_is_failed_not_timeout() -> None:
    w = World()
    svc = w.service("api", circuit_breaker=False, circuit_breaker_rollback=False)
    svc.timeline = tasks_fail(every=10, count=5)
    _, [result] = w.deploy()
    assert result.outcome is Outcome.FAILED
    assert "keep failing" in result.reason
    assert w.clock.now() - (result.started_at or 0) < 60  # decided at the 3rd failure, not at the timeout


def test_superseded_by_another_deployment() -> None:
    w = World()
    svc = w.service("api")
    other = w.ecs.add_task_definition({"family": "api", "containerDefinitions": [{"name": "web", "image": "x"}]})
    svc.timeline = superseded_by(other.arn, after=20)
    _, [result] = w.deploy()
    assert result.outcome is Outcome.SUPERSEDED
    assert result.exit_code is ExitCode.SUPERSEDED
    assert other.arn.rsplit("/", 1)[-1] in result.reason


def test_timeout_when_nothing_happens() -> None:
    w = World()
    w.service("api")  # no timeline: the deployment never progresses
    _, [result] = w.deploy(timeout=300.0)
    assert result.outcome is Outcome.TIMED_OUT
    assert result.exit_code is ExitCode.TIMED_OUT
    assert w.clock.now() - (result.started_at or 0) == 300.0
    assert any("ecsflow wait api" in n for n in result.notes)


def test_rollback_seen_only_after_it_completed_uses_service_deployments_api() -> None:
    # Our deployment vanished between polls; without the API it looks like "superseded",
    # the service deployments API says it was a rollback.
    from ecsflow.ports import ServiceDeploymentInfo

    w = World()
    svc = w.service("api", circuit_breaker_rollback=False)  # no rollback configured in the view

    def vanish(s, ecs):  # type: ignore[no-untyped-def]
        previous = next(d for d in s.deployments if d.status == "ACTIVE")
        s.deployments = [previous.__class__(**{**previous.__dict__, "status": "PRIMARY", "id": "ecs-svc/9"})]
        s.service_deployments.append(
            ServiceDeploymentInfo(
                "arn:sd/1", "ROLLBACK_SUCCESSFUL", "alarm high-5xx went to ALARM", created_at=w.clock.now() - 4
            )
        )

    svc.timeline = [(5.0, vanish)]
    _, [result] = w.deploy()
    assert result.outcome is Outcome.ROLLED_BACK
    assert "alarm" in result.reason


def test_events_are_emitted_once_and_secret_values_are_not_shown() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = rollout_succeeds(after=60)
    w.ecs.add_event(svc, "old event before the deploy")
    w.clock.advance(5)
    w.deploy()
    messages = [e.message for e in w.sink.of(ServiceEventSeen)]
    assert "old event before the deploy" not in messages
    assert len(messages) == len(set(messages)) == 4
    plan_text = "\n".join(str(e) for e in w.sink.events)
    assert "hunter22" not in plan_text


def test_worst_exit_code_of_several() -> None:
    assert worst_exit_code([Outcome.SUCCEEDED, Outcome.ROLLED_BACK]) is ExitCode.ROLLED_BACK


def test_redeploy_of_the_previous_revision_by_someone_else_is_superseded_not_rolled_back() -> None:
    from ecsflow.ports import ServiceDeploymentInfo

    w = World()
    svc = w.service("api")
    previous = svc.task_definition

    def someone_redeploys(s, ecs):  # type: ignore[no-untyped-def]
        ours = s.primary
        s.deployments = [
            ours.__class__(
                **{**ours.__dict__, "id": "ecs-svc/77", "task_definition": previous, "created_at": w.clock.now()}
            )
        ]
        s.task_definition = previous
        s.service_deployments.append(
            ServiceDeploymentInfo("arn:sd/ours", "STOPPED", "superseded", created_at=w.clock.now() - 5)
        )

    svc.timeline = [(5.0, someone_redeploys)]
    _, [result] = w.deploy()
    assert result.outcome is Outcome.SUPERSEDED, result.reason


def test_poll_interval_is_fast_at_first_steady_then_fast_again_near_the_end() -> None:
    w = World()
    w.service("api").timeline = rollout_succeeds(after=90)  # new tasks at 30 s, old stop at 60 s, done at 90 s
    _, [result] = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    sleeps = w.clock.sleeps
    assert sleeps[:5] == [3.0] * 5
    assert 6.0 in sleeps
    assert sleeps[-1] == 1.0
    assert result.finished_at is not None and result.finished_at - 1_767_225_600 <= 91
    assert w.ecs.calls["DescribeServices"] <= 1 + 5 + 8 + 31  # observe + fast + steady + finishing


def test_failed_with_rollback_configured_but_no_rollback_is_failed_after_the_grace() -> None:
    # ECS cannot roll back without an earlier COMPLETED deployment (AWS-SEMANTICS.md §6.3).
    from ecsflow.engines.outcome import ROLLBACK_GRACE

    w = World()
    svc = w.service("api")  # circuit breaker with rollback

    def fail(s, ecs):  # type: ignore[no-untyped-def]
        s.set(
            s.primary.id,
            rollout_state="FAILED",
            rollout_reason="ECS deployment circuit breaker: tasks failed to start.",
        )

    svc.timeline = [(10.0, fail)]
    _, [result] = w.deploy()
    assert result.outcome is Outcome.FAILED
    assert result.finished_at is not None and result.finished_at - 1_767_225_600 >= 10 + ROLLBACK_GRACE


def test_service_scaled_to_zero_succeeds_with_a_note() -> None:
    w = World()
    svc = w.service("api", desired=0)
    svc.timeline = rollout_succeeds(after=30)
    _, [result] = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    assert any("0 desired tasks" in n for n in result.notes)
