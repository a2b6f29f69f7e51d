"""Deployment configuration rules (AWS-SEMANTICS 6.2, 6.3, 7.1) as table tests."""

from __future__ import annotations

import pytest

from ecsflow.sim.ecs import config


def test_defaults_for_replica_and_daemon() -> None:
    replica = config.with_defaults(None)
    assert replica == {
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "strategy": "ROLLING",
    }
    daemon = config.with_defaults({}, "DAEMON")
    assert (daemon["minimumHealthyPercent"], daemon["maximumPercent"]) == (0, 100)
    given = config.with_defaults(
        {"maximumPercent": 150, "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    )
    assert given["maximumPercent"] == 150
    assert given["minimumHealthyPercent"] == 100
    assert given["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_merge_keeps_members_not_given() -> None:
    stored = config.with_defaults({"maximumPercent": 150})
    merged = config.merge(stored, {"minimumHealthyPercent": 50})
    assert (merged["minimumHealthyPercent"], merged["maximumPercent"]) == (50, 150)
    assert stored["minimumHealthyPercent"] == 100  # not mutated


@pytest.mark.parametrize(
    ("desired", "threshold"),
    [(1, 3), (4, 3), (6, 3), (7, 4), (25, 13), (400, 200), (1000, 200)],
)
def test_classic_threshold_is_half_rounded_up_clamped_3_200(desired: int, threshold: int) -> None:
    assert config.failure_threshold(desired, config.with_defaults(None)) == threshold


@pytest.mark.parametrize(
    ("settings", "desired", "threshold"),
    [
        ({"type": "COUNT", "value": 7}, 100, 7),
        ({"type": "BOUNDED_PERCENT", "value": 10}, 10, 3),
        ({"type": "BOUNDED_PERCENT", "value": 100}, 1000, 200),
        ({"type": "UNBOUNDED_PERCENT", "value": 10}, 10, 1),
        ({"type": "UNBOUNDED_PERCENT", "value": 100}, 1000, 1000),
    ],
)
def test_threshold_configuration(settings: dict[str, object], desired: int, threshold: int) -> None:
    conf = {"deploymentCircuitBreaker": {"enable": True, "rollback": True, "thresholdConfiguration": settings}}
    assert config.failure_threshold(desired, conf) == threshold


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum", "limits"),
    [(4, 100, 200, (4, 8)), (4, 100, 150, (4, 6)), (3, 50, 150, (2, 4)), (5, 0, 100, (0, 5)), (1, 100, 200, (1, 2))],
)
def test_task_limits_round_min_up_and_max_down(
    desired: int, minimum: int, maximum: int, limits: tuple[int, int]
) -> None:
    conf = {"minimumHealthyPercent": minimum, "maximumPercent": maximum}
    assert config.task_limits(desired, conf) == limits


def test_production_steps_per_strategy() -> None:
    assert config.production_steps({"strategy": "BLUE_GREEN"}) == [(100.0, 0.0)]
    linear = config.production_steps(
        {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 30.0, "stepBakeTimeInMinutes": 2}}
    )
    assert linear == [(30.0, 120.0), (60.0, 120.0), (90.0, 120.0), (100.0, 0.0)]
    assert config.production_steps({"strategy": "LINEAR"})[0] == (10.0, 360.0)  # defaults 10 % / 6 min
    canary = config.production_steps({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 20.0}})
    assert canary == [(20.0, 600.0), (100.0, 0.0)]  # default canary bake 10 min
    assert config.production_steps({"strategy": "CANARY"})[0] == (5.0, 600.0)


def test_resetOnHealthyTask_defaults_to_true() -> None:
    assert config.reset_on_healthy_task({"deploymentCircuitBreaker": {"enable": True, "rollback": False}})
    assert not config.reset_on_healthy_task({"deploymentCircuitBreaker": {"resetOnHealthyTask": False}})


@pytest.mark.parametrize(
    ("configuration", "fragment"),
    [
        ({"strategy": "NOT_A_STRATEGY"}, "strategy must be one of"),
        ({"linearConfiguration": {"stepPercent": 2.0}}, "stepPercent"),
        ({"canaryConfiguration": {"canaryPercent": 0.0}}, "canaryPercent"),
        ({"canaryConfiguration": {"canaryBakeTimeInMinutes": 1441}}, "canaryBakeTimeInMinutes"),
    ],
)
def test_problems_ecs_refuses(configuration: dict[str, object], fragment: str) -> None:
    message = config.problem(configuration)
    assert message is not None and fragment in message


def test_valid_configurations_have_no_problem() -> None:
    assert config.problem(None) is None
    assert config.problem({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 3.0}}) is None
    assert config.problem({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.1}}) is None
