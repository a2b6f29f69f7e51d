from __future__ import annotations

import pytest
from inspect_world import deployed, world

from ecsflow.engines.retention import apply_retention, plan_retention
from ecsflow.engines.revision_log import good_revisions, service_history
from ecsflow.errors import UsageError
from ecsflow.events import Message, PlanReady
from fakes import FakeClock, RecordingSink, td_arn

ARNS = [td_arn("web", n) for n in range(10, 0, -1)]  # newest first


def test_keep_n_never_drops_running_nor_last_good() -> None:
    plan = plan_retention(
        "web",
        ARNS,
        2,
        protected={td_arn("web", 4): "running"},
        good=[td_arn("web", 4), td_arn("web", 2), td_arn("web", 1)],
    )
    assert dict(plan.keep) == {
        td_arn("web", 10): "newest",
        td_arn("web", 9): "newest",
        td_arn("web", 4): "running",
        td_arn("web", 2): "last good",
    }
    assert plan.deregister == tuple(td_arn("web", n) for n in (8, 7, 6, 5, 3, 1))
    assert plan.warnings == ()


def test_unknown_history_warns() -> None:
    plan = plan_retention("web", ARNS, 3, protected={}, good=None)
    assert len(plan.deregister) == 7 and plan.warnings


def test_keep_zero_is_refused() -> None:
    with pytest.raises(UsageError):
        plan_retention("web", ARNS, 0, protected={}, good=[])


def test_apply_plans_then_deregisters_and_dry_run_does_not() -> None:
    ecs, svc = world(revisions=5, running=3)
    deployed(ecs, svc, 2, "SUCCESSFUL", 0)
    deployed(ecs, svc, 3, "SUCCESSFUL", 100)
    history = service_history(ecs, "prod", "web")
    assert history is not None
    good = good_revisions(history)
    assert good == [td_arn("web", 3), td_arn("web", 2)]
    plan = plan_retention(
        "web", ecs.list_task_definitions("web"), 1, protected={td_arn("web", 3): "running"}, good=good
    )
    sink = RecordingSink()
    assert apply_retention(ecs, plan, service="web", sink=sink, clock=FakeClock(), dry_run=True) == []
    assert ecs.calls["DeregisterTaskDefinition"] == 0
    assert sink.of(PlanReady)[0].steps[-2:] == ("deregister web:4", "deregister web:1")
    done = apply_retention(ecs, plan, service="web", sink=sink, clock=FakeClock(), dry_run=False)
    assert done == [td_arn("web", 4), td_arn("web", 1)]
    assert [td.status for td in ecs.task_definitions["web"]] == ["INACTIVE", "ACTIVE", "ACTIVE", "INACTIVE", "ACTIVE"]
    assert [m.text for m in sink.of(Message)] == ["deregistered web:4", "deregistered web:1"]


def test_history_without_the_api_comes_from_deploy_records() -> None:
    from ecsflow.engines.revision_log import family_revisions, records_history

    ecs, _ = world(revisions=3, running=3)
    ecs.add_task_definition({"family": "web", "containerDefinitions": [{"name": "app", "image": "x"}]})  # by hand
    ecs.service_deployments_api = False
    assert service_history(ecs, "prod", "web") is None
    entries = records_history(family_revisions(ecs, "web"))
    assert [(e.task_definition, e.outcome) for e in entries] == [
        (td_arn("web", 3), "registered"),
        (td_arn("web", 2), "registered"),
        (td_arn("web", 1), "registered"),
    ]
    assert entries[0].record is not None and entries[0].record.commit == "c3"
    assert entries[0].images == (("app", "web:v3", None),)
