"""The rolling scheduler and circuit breaker as pure state machines with a fake clock."""

from __future__ import annotations

from ecs_fakes import T0, FakeEnv, latest, make_service, run_until, snapshot, td

from ecsflow.sim.ecs import machine


def _update(env: FakeEnv, sim, now: float, revision: int, **kwargs):  # type: ignore[no-untyped-def]
    return machine.update(
        env,
        sim,
        now,
        task_definition=td(revision),
        force=False,
        triggered=False,
        desired_count=kwargs.get("desired"),
        deployment_configuration=kwargs.get("configuration"),
    )


def test_initial_deployment_reaches_steady_state() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=3)
    assert snapshot(sim, T0)["total"] == 3
    run_until(env, sim, T0 + 30)  # 20 s to start + 10 s to count healthy
    primary = sim.deployments[0]
    assert (primary.status, primary.rollout_state) == ("PRIMARY", "COMPLETED")
    assert primary.rollout_state_reason == f"ECS deployment {primary.id} completed."
    assert latest(sim).status == "SUCCESSFUL"
    assert [e.message for e in sim.events[:2]] == [
        "(service app) has reached a steady state.",
        f"(service app) (deployment {primary.id}) deployment completed.",
    ]
    assert primary.id.startswith("ecs-svc/") and len(primary.id) == len("ecs-svc/") + 19


def test_rolling_update_stays_within_min_healthy_and_max_percent() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=4, deployment_configuration={"maximumPercent": 150, "minimumHealthyPercent": 100})
    run_until(env, sim, T0 + 60)
    record = _update(env, sim, T0 + 60, 2)
    assert record is not None and record.status == "IN_PROGRESS"
    assert [(d.status, d.task_definition) for d in sim.deployments] == [("PRIMARY", td(2)), ("ACTIVE", td(1))]
    snapshots = run_until(env, sim, T0 + 300, step=1.0)
    for snap in snapshots:
        assert snap["total"] <= 6, snap  # floor(4 × 150 %)
        assert snap["healthy"] >= 4, snap  # ceil(4 × 100 %)
    assert [d.task_definition for d in sim.deployments] == [td(2)]
    assert sim.deployments[0].rollout_state == "COMPLETED"
    assert record.status == "SUCCESSFUL" and record.finished_at is not None
    two = [s for s in snapshots if len(s["deployments"]) == 2]
    assert two, "both deployments are visible during the rollout"


def test_min_50_percent_lets_old_tasks_go_first() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=4, deployment_configuration={"maximumPercent": 100, "minimumHealthyPercent": 50})
    run_until(env, sim, T0 + 60)
    _update(env, sim, T0 + 60, 2)
    old, new = sim.deployments[1], sim.deployments[0]
    assert len(old.active_tasks()) == 2 and len(new.active_tasks()) == 2
    for snap in run_until(env, sim, T0 + 300, step=1.0):
        assert snap["total"] <= 4 and snap["healthy"] >= 2, snap
    assert sim.deployments[0].rollout_state == "COMPLETED"


def test_desired_count_only_update_scales_without_a_new_deployment() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=2)
    run_until(env, sim, T0 + 60)
    records = len(sim.records)
    assert (
        machine.update(
            env,
            sim,
            T0 + 60,
            task_definition=None,
            force=False,
            triggered=False,
            desired_count=5,
            deployment_configuration=None,
        )
        is None
    )
    assert len(sim.records) == records and len(sim.deployments) == 1
    assert len(sim.deployments[0].active_tasks()) == 5
    run_until(env, sim, T0 + 120)
    assert sim.steady and sim.events[0].message == "(service app) has reached a steady state."


def test_force_new_deployment_with_same_definition_starts_a_deployment() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=1)
    run_until(env, sim, T0 + 60)
    record = machine.update(
        env,
        sim,
        T0 + 60,
        task_definition=None,
        force=True,
        triggered=False,
        desired_count=None,
        deployment_configuration=None,
    )
    assert record is not None and len(sim.deployments) == 2
    assert sim.deployments[0].task_definition == sim.deployments[1].task_definition == td(1)


def test_circuit_breaker_with_rollback_goes_back_to_last_completed() -> None:
    env = FakeEnv(images={td(2): "repo/app:broken"})
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    sim = make_service(env, desired=4, deployment_configuration=breaker)
    run_until(env, sim, T0 + 60)
    first = sim.deployments[0]
    record = _update(env, sim, T0 + 60, 2)
    assert record is not None
    failing = sim.deployments[0]
    run_until(env, sim, T0 + 81)  # the first 4 new tasks fail at +20 s
    assert failing.rollout_state == "FAILED"
    assert failing.rollout_state_reason == "ECS deployment circuit breaker: tasks failed to start."
    assert record.status == "ROLLBACK_IN_PROGRESS"
    assert record.circuit_breaker == {"status": "TRIGGERED", "failureCount": 4, "threshold": 3}
    assert record.rollback is not None and record.rollback["reason"] == "Circuit breaker triggered"
    assert record.rollback["serviceRevisionArn"] == first.revision_arn
    assert sim.deployments[0].task_definition == td(1) and sim.task_definition == td(1)
    run_until(env, sim, T0 + 200)
    assert [(d.status, d.rollout_state, d.task_definition) for d in sim.deployments] == [
        ("PRIMARY", "COMPLETED", td(1))
    ]
    assert record.status == "ROLLBACK_SUCCESSFUL"
    assert len(sim.records) == 2, "a rollback creates no new service deployment"
    assert all(t.stop_code == "EssentialContainerExited" for t in env.failed_tasks)
    assert any("deployment failed: tasks failed to start" in e.message for e in sim.events)


def test_circuit_breaker_without_rollback_leaves_both_deployments() -> None:
    env = FakeEnv(images={td(2): "repo/app:broken"})
    sim = make_service(
        env, desired=4, deployment_configuration={"deploymentCircuitBreaker": {"enable": True, "rollback": False}}
    )
    run_until(env, sim, T0 + 60)
    record = _update(env, sim, T0 + 60, 2)
    assert record is not None
    run_until(env, sim, T0 + 400)
    assert [(d.status, d.rollout_state) for d in sim.deployments] == [("PRIMARY", "FAILED"), ("ACTIVE", "COMPLETED")]
    assert record.status == "STOPPED" and record.rollback is None
    assert len(sim.deployments[1].active_tasks()) == 4, "the old tasks keep serving"
    assert sim.deployments[0].failed_tasks == 4, "no new tasks after the breaker tripped"


def test_breaker_off_keeps_retrying_failed_tasks() -> None:
    env = FakeEnv(images={td(2): "repo/app:broken"})
    sim = make_service(env, desired=2)
    run_until(env, sim, T0 + 60)
    _update(env, sim, T0 + 60, 2)
    run_until(env, sim, T0 + 200)
    assert sim.deployments[0].rollout_state == "IN_PROGRESS"
    assert sim.deployments[0].failed_tasks > 3


def _interleaved(reset: bool) -> list[str]:
    """New tasks fail, succeed, fail, succeed, …; returns the primary's task definitions over time."""
    breaker = {
        "enable": True,
        "rollback": True,
        "resetOnHealthyTask": reset,
        "thresholdConfiguration": {"type": "COUNT", "value": 2},
    }
    env = FakeEnv()
    sim = make_service(
        env, desired=2, deployment_configuration={"maximumPercent": 150, "deploymentCircuitBreaker": breaker}
    )
    run_until(env, sim, T0 + 60)
    _update(env, sim, T0 + 60, 2)
    seen: set[str] = set()
    pattern = iter([True, False, True, False, True, False])
    now = T0 + 60
    while now < T0 + 400:
        for task in sim.deployments[0].tasks:
            if (
                task.task_id not in seen
                and task.deployment_id == sim.deployments[0].id
                and not sim.deployments[0].is_rollback
            ):
                seen.add(task.task_id)
                task.will_fail = next(pattern, False)
        now += 1
        machine.advance(env, sim, now)
    return [d.task_definition for d in sim.deployments]


def test_reset_on_healthy_task_resets_the_failure_count() -> None:
    assert _interleaved(reset=True) == [td(2)], "a healthy task between failures resets the count"
    assert _interleaved(reset=False) == [td(1)], "without reset the failures add up to the threshold"


def test_stop_rollback_and_abort() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=2)
    run_until(env, sim, T0 + 60)
    record = _update(env, sim, T0 + 60, 2)
    assert record is not None and machine.is_stoppable(record)
    machine.stop(env, sim, record, "ROLLBACK", T0 + 65)
    assert record.status == "ROLLBACK_REQUESTED"
    machine.advance(env, sim, T0 + 65)
    assert record.status == "ROLLBACK_IN_PROGRESS"
    assert machine.is_stoppable(record), "a rollback in progress may be stopped again: it keeps going"
    machine.stop(env, sim, record, "ABORT", T0 + 66)
    assert record.status == "ROLLBACK_IN_PROGRESS"
    run_until(env, sim, T0 + 200)
    assert record.status == "ROLLBACK_SUCCESSFUL" and not machine.is_stoppable(record)
    assert [d.task_definition for d in sim.deployments] == [td(1)]

    aborted = _update(env, sim, T0 + 200, 3)
    assert aborted is not None
    machine.stop(env, sim, aborted, "ABORT", T0 + 205)
    assert aborted.status == "STOP_REQUESTED"
    run_until(env, sim, T0 + 400)
    assert aborted.status == "STOPPED" and aborted.stopped_at is not None
    assert [d.task_definition for d in sim.deployments] == [td(3), td(1)], "an abort freezes the rollout"


def test_newer_deployment_supersedes_the_running_one() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=2)
    run_until(env, sim, T0 + 60)
    first = _update(env, sim, T0 + 60, 2)
    second = _update(env, sim, T0 + 65, 3)
    assert first is not None and second is not None
    assert first.status == "STOPPED" and second.status == "IN_PROGRESS"
    run_until(env, sim, T0 + 300)
    assert [d.task_definition for d in sim.deployments] == [td(3)]
    assert second.status == "SUCCESSFUL"


def test_delete_drains_then_inactive() -> None:
    env = FakeEnv()
    sim = make_service(env, desired=2)
    run_until(env, sim, T0 + 60)
    machine.delete(env, sim, T0 + 60)
    assert sim.status == "DRAINING"
    run_until(env, sim, T0 + 100)
    assert sim.status == "INACTIVE" and sim.deployments == []


def test_same_seed_same_ids() -> None:
    def run() -> list[str]:
        env = FakeEnv()
        sim = make_service(env, desired=2)
        run_until(env, sim, T0 + 60)
        _update(env, sim, T0 + 60, 2)
        run_until(env, sim, T0 + 200)
        return [e.message for e in sim.events] + [r.arn for r in sim.records]

    assert run() == run()
