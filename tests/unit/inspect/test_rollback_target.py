from __future__ import annotations

import pytest
from inspect_world import deployed, world

from ecsflow.engines.rollback_target import find_rollback_target
from ecsflow.errors import InputError, OperationFailed, ResourceNotFound
from fakes import td_arn


def test_target_is_the_last_successful_revision_not_minus_one() -> None:
    # web:1 ok, web:2 ok, web:3 rolled back by the circuit breaker (service went back to 2),
    # then web:4 deployed fine and runs now. Minus one would be web:3, which never worked.
    ecs, svc = world(revisions=4, running=4)
    deployed(ecs, svc, 1, "SUCCESSFUL", 0)
    deployed(ecs, svc, 2, "SUCCESSFUL", 100)
    deployed(ecs, svc, 3, "ROLLBACK_SUCCESSFUL", 200)
    deployed(ecs, svc, 4, "SUCCESSFUL", 300)
    target = find_rollback_target(ecs, "prod", "web")
    assert target.task_definition == td_arn("web", 2)
    assert target.current == td_arn("web", 4)
    assert target.stop_deployment is None
    assert target.entry is not None and target.entry.record is not None and target.entry.record.commit == "c2"


def test_deregistered_good_revision_is_skipped() -> None:
    ecs, svc = world(revisions=3, running=3)
    deployed(ecs, svc, 1, "SUCCESSFUL", 0)
    deployed(ecs, svc, 2, "SUCCESSFUL", 100)
    deployed(ecs, svc, 3, "SUCCESSFUL", 200)
    ecs.deregister_task_definition(td_arn("web", 2))
    assert find_rollback_target(ecs, "prod", "web").task_definition == td_arn("web", 1)


def test_in_progress_deployment_is_stopped_with_rollback() -> None:
    ecs, svc = world(revisions=4, running=3)
    deployed(ecs, svc, 3, "SUCCESSFUL", 0)
    ecs.update_service("prod", "web", td_arn("web", 4))
    ecs.add_service_deployment(svc, td_arn("web", 4), "IN_PROGRESS", at=svc.updated_at or 0, finished_after=None)
    target = find_rollback_target(ecs, "prod", "web")
    assert target.stop_deployment is not None and target.stop_deployment.endswith("/sd2")
    assert target.task_definition == td_arn("web", 3)


def test_no_history_api_asks_for_to() -> None:
    ecs, _ = world()
    ecs.service_deployments_api = False
    with pytest.raises(OperationFailed, match="no service deployment history") as err:
        find_rollback_target(ecs, "prod", "web")
    assert "--to N" in (err.value.hint or "")


def test_no_earlier_success() -> None:
    ecs, svc = world(revisions=3, running=3)
    deployed(ecs, svc, 3, "SUCCESSFUL", 0)
    with pytest.raises(OperationFailed, match="no earlier successful deployment"):
        find_rollback_target(ecs, "prod", "web")


def test_explicit_to_number_family_and_arn() -> None:
    ecs, _ = world(revisions=4, running=3)
    assert find_rollback_target(ecs, "prod", "web", to="1").task_definition == td_arn("web", 1)
    assert find_rollback_target(ecs, "prod", "web", to="web:2").task_definition == td_arn("web", 2)
    assert find_rollback_target(ecs, "prod", "web", to=td_arn("web", 4)).task_definition == td_arn("web", 4)


def test_explicit_to_is_validated() -> None:
    ecs, _ = world(revisions=4, running=3)
    ecs.deregister_task_definition(td_arn("web", 1))
    with pytest.raises(InputError, match="INACTIVE"):
        find_rollback_target(ecs, "prod", "web", to="1")
    with pytest.raises(InputError, match="does not exist"):
        find_rollback_target(ecs, "prod", "web", to="99")
    with pytest.raises(InputError, match="already runs"):
        find_rollback_target(ecs, "prod", "web", to="3")
    with pytest.raises(ResourceNotFound):
        find_rollback_target(ecs, "prod", "nope")


def test_refuses_while_ecs_is_already_rolling_back() -> None:
    ecs, svc = world(revisions=3, running=2)
    deployed(ecs, svc, 1, "SUCCESSFUL", 0)
    deployed(ecs, svc, 2, "SUCCESSFUL", 100)
    deployed(ecs, svc, 3, "ROLLBACK_IN_PROGRESS", 200)
    with pytest.raises(OperationFailed, match="already rolling back") as err:
        find_rollback_target(ecs, "prod", "web")
    assert "ecsflow wait web" in (err.value.hint or "")
    assert find_rollback_target(ecs, "prod", "web", to="1").task_definition == td_arn("web", 1)
