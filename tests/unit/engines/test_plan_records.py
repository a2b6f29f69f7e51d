"""The pure parts: plan decisions and text, deploy records, timeouts, outcome rules."""

from __future__ import annotations

from typing import Any

from engine_world import REGISTRY, body

from ecsflow.engines.outcome import judge
from ecsflow.engines.records import DeployRecord, merge_tags, read_record, record_tags
from ecsflow.engines.timeouts import default_timeout, failure_threshold
from ecsflow.engines.tracking import Tracked
from ecsflow.model import Outcome
from ecsflow.plan import Desired, RevisionAction, plan_service, share_registrations
from ecsflow.ports import EcsDeployment, RegisteredTaskDefinition, ServiceState
from fakes import td_arn

STATE = (
    ServiceState("c", "api", "arn:svc", "ACTIVE", td_arn("api", 1), 4, 4, 0, desired=4)
    if False
    else ServiceState(
        cluster="c",
        name="api",
        arn="arn:svc",
        status="ACTIVE",
        task_definition=td_arn("api", 1),
        desired=4,
        running=4,
        pending=0,
    )
)


def desired(image: str = f"{REGISTRY}/app:v2", key: str = "api") -> Desired:
    return Desired(key=key, cluster="c", service=key, base="file api.json", family="api", body=body("api", image))


def test_register_when_nothing_identical_exists_and_diff_masks_secrets() -> None:
    current = body("api", f"{REGISTRY}/app:v1")
    current["containerDefinitions"][0]["environment"] = [{"name": "DB_PASSWORD", "value": "old-secret-value"}]
    plan = plan_service(desired(), STATE, [], current_body=current, default_timeout=900)
    assert plan.action is RevisionAction.REGISTER
    text = "\n".join(plan.lines())
    assert "register a new revision of api (2 changes from api:1)" in text
    assert "hunter22" not in text and "old-secret-value" not in text
    assert "timeout 15m, derived" in text


def test_reuse_identical_and_unchanged_when_running() -> None:
    same = RegisteredTaskDefinition(td_arn("api", 7), "api", 7, "ACTIVE", body("api", f"{REGISTRY}/app:v2"))
    plan = plan_service(desired(), STATE, [same], current_body=None, default_timeout=900)
    assert (plan.action, plan.target) == (RevisionAction.REUSE, same.arn)
    running = ServiceState(**{**STATE.__dict__, "task_definition": same.arn})
    plan = plan_service(desired(), running, [same], current_body=None, default_timeout=900)
    assert plan.action is RevisionAction.UNCHANGED and not plan.deploys
    assert "nothing to deploy" in "\n".join(plan.lines())


def test_same_family_same_body_shares_one_registration() -> None:
    a = plan_service(desired(key="a"), STATE, [], current_body=None, default_timeout=1)
    b = plan_service(desired(key="b"), STATE, [], current_body=None, default_timeout=1)
    c = plan_service(desired(f"{REGISTRY}/app:v3", key="c"), STATE, [], current_body=None, default_timeout=1)
    shared = share_registrations([a, b, c])
    assert [p.shared_with for p in shared] == [None, "a", None]


def test_records_round_trip_and_respect_limits() -> None:
    rec = DeployRecord(
        commit="abc",
        actor="dev<x>",
        at=1_767_225_600,
        source="file api.json",
        services=("api",),
        images=(("web", f"{REGISTRY}/app:v2@sha256:{'a' * 64}"),),
        environment="prod",
    )
    tags = record_tags(rec)
    assert tags["ecsflow:actor"] == "dev_x_"
    back = read_record(tags)
    assert back is not None and back.commit == "abc" and back.at == 1_767_225_600 and back.images == rec.images
    assert read_record({"team": "a"}) is None
    user = [{"key": f"k{i}", "value": "v"} for i in range(45)]
    merged = merge_tags(user, tags)
    assert len(merged) == 50 and "ecsflow:commit" in merged


def test_timeout_formula_and_failure_threshold() -> None:
    assert default_timeout(STATE) == 600.0  # 300 + 1 wave × 250 s, raised to the 10-minute floor
    with_lb = ServiceState(**{**STATE.__dict__, "load_balancers": (object(),), "health_check_grace_seconds": 60})
    assert default_timeout(with_lb) == 300 + 180 + 60 + 90 + 300 + 30
    assert [failure_threshold(n) for n in (1, 10, 1000)] == [3, 5, 200]


def _tracked() -> Tracked:
    return Tracked("api", "c", "api", "ecs-svc/2", td_arn("api", 2), td_arn("api", 1), 0.0, 1000.0)


def _dep(i: int, status: str, rollout: str, td: int, **kw: Any) -> EcsDeployment:
    return EcsDeployment(
        f"ecs-svc/{i}", status, td_arn("api", td), desired=4, rollout_state=rollout, created_at=float(i), **kw
    )


def test_outcome_rules() -> None:
    state = ServiceState(**{**STATE.__dict__, "deployments": (_dep(2, "PRIMARY", "COMPLETED", 2, running=4),)})
    assert judge(_tracked(), state, 10).outcome is Outcome.SUCCEEDED  # type: ignore[union-attr]
    two = (_dep(2, "PRIMARY", "IN_PROGRESS", 2, running=4), _dep(1, "ACTIVE", "COMPLETED", 1, running=2))
    assert (
        judge(_tracked(), ServiceState(**{**STATE.__dict__, "deployments": two}), 10) is None
    )  # old tasks still draining
    rolled = (_dep(3, "PRIMARY", "IN_PROGRESS", 1), _dep(2, "ACTIVE", "FAILED", 2, rollout_reason="circuit breaker"))
    v = judge(_tracked(), ServiceState(**{**STATE.__dict__, "deployments": rolled, "circuit_breaker": True}), 10)
    assert v is not None and v.outcome is Outcome.ROLLED_BACK and v.reason == "circuit breaker"
    newer = (_dep(3, "PRIMARY", "IN_PROGRESS", 3), _dep(2, "ACTIVE", "IN_PROGRESS", 2))
    assert judge(_tracked(), ServiceState(**{**STATE.__dict__, "deployments": newer}), 10).outcome is Outcome.SUPERSEDED  # type: ignore[union-attr]
    draining = ServiceState(**{**STATE.__dict__, "status": "DRAINING"})
    assert judge(_tracked(), draining, 10).outcome is Outcome.FAILED  # type: ignore[union-attr]
