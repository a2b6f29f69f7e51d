"""Runs: dry run, no-wait, reuse, several services, fail-fast, interrupt, nothing mutated on input errors."""

from __future__ import annotations

import pytest
from engine_world import REGISTRY, World, body

from ecsflow.engines.images import ImageInputs
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.errors import AwsConnectionError, InputError, OperationFailed, RenderError, ThrottledError
from ecsflow.events import ImagePinned, Message, PlanReady, RevisionRegistered
from ecsflow.model import Outcome
from ecsflow.plan import RevisionAction
from timelines import circuit_breaker_rollback, rollout_succeeds


def test_dry_run_emits_the_plan_and_mutates_nothing() -> None:
    w = World()
    w.service("api")
    plan, [result] = w.deploy(dry_run=True)
    assert result.outcome is Outcome.NOT_STARTED
    assert w.ecs.calls["RegisterTaskDefinition"] == w.ecs.calls["UpdateService"] == 0
    [ready] = w.sink.of(PlanReady)
    assert ready.dry_run and any("register a new revision of api" in line for line in ready.steps)
    assert plan.service("api").action is RevisionAction.REGISTER


def test_missing_tag_refused_before_any_mutation() -> None:
    w = World()
    w.service("api")
    with pytest.raises(InputError) as err:
        w.deploy(inputs=ImageInputs(tag="v9"))
    assert "'v9' does not exist" in str(err.value.problems[0])
    assert w.ecs.calls["RegisterTaskDefinition"] == w.ecs.calls["UpdateService"] == 0


def test_render_error_refused_before_any_mutation() -> None:
    w = World()
    w.service("api", template=body("api", "${MISSING_VAR}"))
    with pytest.raises(RenderError) as err:
        w.deploy()
    assert "MISSING_VAR" in "\n".join(err.value.details())
    assert not w.ecs.registered and not w.ecs.updates


def test_unknown_image_container_is_refused() -> None:
    w = World()
    w.service("api")
    with pytest.raises(RenderError) as err:
        w.deploy(inputs=ImageInputs(images=(("sidecar", f"{REGISTRY}/app:v2"),)))
    assert "sidecar" in "\n".join(err.value.details())


def test_tag_input_uses_the_configured_repository_and_is_pinned() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = rollout_succeeds()
    w.ecr.push("app", "v3")
    _, [result] = w.deploy(inputs=ImageInputs(tag="v3"))
    assert result.outcome is Outcome.SUCCEEDED
    [pinned] = w.sink.of(ImagePinned)
    assert pinned.requested == f"{REGISTRY}/app:v3"
    assert pinned.pinned == f"{REGISTRY}/app:v3@{w.ecr.images[('app', 'v3')]}"


def test_identical_latest_revision_is_reused_not_registered() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = rollout_succeeds()
    template = w.templates["api"]
    pinned = dict(template, containerDefinitions=[dict(template["containerDefinitions"][0])])
    pinned["containerDefinitions"][0]["image"] = f"{REGISTRY}/app:v2@{w.ecr.images[('app', 'v2')]}"
    # registered outside ecsflow, same definition in another key order and with AWS defaults filled in
    existing = w.ecs.add_task_definition({**dict(reversed(list(pinned.items()))), "enableFaultInjection": False})
    plan, [result] = w.deploy()
    assert plan.service("api").action is RevisionAction.REUSE
    assert w.ecs.calls["RegisterTaskDefinition"] == 0
    assert result.task_definition_arn == existing.arn
    assert w.sink.of(RevisionRegistered)[0].reused


def test_unchanged_service_is_not_redeployed_unless_forced() -> None:
    w = World()
    svc = w.service("api", template=body("api", f"{REGISTRY}/app:v1@sha256:{'0' * 64}"))
    _, [result] = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED and "nothing to deploy" in result.reason
    assert not w.ecs.updates
    svc.timeline = rollout_succeeds()
    _, [forced] = w.deploy(force=True)
    assert forced.outcome is Outcome.SUCCEEDED and len(w.ecs.updates) == 1


def test_no_wait_returns_the_deployment_id() -> None:
    w = World()
    w.service("api")
    _, [result] = w.deploy(options=RunOptions(wait=False))
    assert result.outcome is Outcome.NOT_STARTED
    assert result.deployment_id == w.ecs.services[("main", "api")].primary.id
    assert w.ecs.calls["DescribeServices"] == 1  # only the observation before the plan


def test_several_services_share_a_registration_and_one_batched_poll() -> None:
    w = World()
    keys = [f"svc{i}" for i in range(12)]
    for key in keys:
        w.service(key, family="shared").timeline = rollout_succeeds(after=30)
    _, results = w.deploy(keys, options=RunOptions(concurrency=12))
    assert {r.outcome for r in results} == {Outcome.SUCCEEDED}
    assert w.ecs.calls["RegisterTaskDefinition"] == 1
    assert len({r.task_definition_arn for r in results}) == 1
    polls = w.ecs.calls["DescribeServices"] - 2  # 2 calls observed the 12 services before the plan
    assert polls % 2 == 0, "12 services: 2 DescribeServices (10 + 2) per poll round"
    one = World()
    one.service("solo").timeline = rollout_succeeds(after=30)
    one.deploy()
    assert polls / 12 < (one.ecs.calls["DescribeServices"] - 1) / 2, "calls per service fall as services grow"


def test_groups_run_in_order_and_fail_fast_skips_the_rest() -> None:
    w = World()
    w.service("migrate").timeline = circuit_breaker_rollback()
    w.service("api").timeline = rollout_succeeds()
    w.service("worker").timeline = rollout_succeeds()
    _, results = w.deploy(["migrate", "api", "worker"], groups=[["migrate"], ["api", "worker"]])
    by = {r.service: r for r in results}
    assert by["migrate"].outcome is Outcome.ROLLED_BACK
    assert by["api"].outcome is by["worker"].outcome is Outcome.NOT_STARTED
    assert "migrate did not succeed" in by["api"].reason
    assert [u[1] for u in w.ecs.updates] == ["migrate"]


def test_keep_going_continues_within_the_group() -> None:
    w = World()
    w.service("api").timeline = circuit_breaker_rollback()
    w.service("worker").timeline = rollout_succeeds()
    _, results = w.deploy(["api", "worker"], options=RunOptions(concurrency=1, fail_fast=False))
    assert [r.outcome for r in results] == [Outcome.ROLLED_BACK, Outcome.SUCCEEDED]


def test_interrupt_during_the_wait_leaves_the_deployment_running() -> None:
    w = World()
    w.service("api")  # never finishes

    def ctrl_c(now: float) -> None:
        if len(w.clock.sleeps) == 5:  # Ctrl-C (or SIGTERM) during the 5th wait between polls
            raise KeyboardInterrupt

    w.clock.on_sleep = ctrl_c
    _, [result] = w.deploy()
    assert result.outcome is Outcome.INTERRUPTED
    assert result.exit_code == 130
    assert result.deployment_id is not None
    assert any("ecsflow wait api" in n for n in result.notes)
    assert any("ecsflow rollback" in m.text for m in w.sink.of(Message))
    assert w.ecs.services[("main", "api")].primary.rollout_state == "IN_PROGRESS"


def test_transient_poll_errors_do_not_change_the_outcome() -> None:
    w = World()
    w.service("api").timeline = rollout_succeeds()
    w.ecs.fail_next(
        "DescribeServices",
        ThrottledError("ecs:DescribeServices failed: ThrottlingException", code="ThrottlingException"),
        AwsConnectionError("ecs:DescribeServices: could not reach the AWS endpoint"),
        after=1,  # the observation before the plan succeeds; two polls fail
    )
    _, [result] = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    assert len([m for m in w.sink.of(Message) if m.level == "warning"]) == 2


@pytest.mark.parametrize(
    ("controller", "strategy", "words"),
    [
        ("EXTERNAL", "ROLLING", "EXTERNAL"),
        ("ECS", "FUTURE_STRATEGY", "FUTURE_STRATEGY"),
    ],
)
def test_unsupported_strategies_fail_before_any_mutation(controller: str, strategy: str, words: str) -> None:
    w = World()
    w.service("api", controller=controller, strategy=strategy)
    with pytest.raises(OperationFailed) as err:
        w.deploy()
    assert words in err.value.message
    assert "Nothing was changed" in (err.value.hint or "")
    assert not w.ecs.registered and not w.ecs.updates


def test_an_engine_without_a_codedeploy_port_refuses_code_deploy_services_before_any_mutation() -> None:
    w = World()  # the unit-test engine is wired without a CodeDeploy port
    w.service("api", controller="CODE_DEPLOY", strategy="ROLLING")
    with pytest.raises(OperationFailed) as err:
        w.deploy()
    assert "CodeDeploy port" in err.value.message
    assert "Nothing was changed" in (err.value.hint or "")
    assert not w.ecs.registered and not w.ecs.updates


def test_base_service_starts_from_the_running_revision() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = rollout_succeeds()
    running = w.ecs.describe_task_definition(svc.task_definition)
    _, [result] = w.deploy(base="service", inputs=ImageInputs(tag="v2"))
    assert result.outcome is Outcome.SUCCEEDED
    [new] = w.ecs.registered
    assert new.body["containerDefinitions"][0]["environment"] == running.body["containerDefinitions"][0]["environment"]


def test_revision_latest_deploys_the_newest_active_revision_as_is() -> None:
    w = World()
    svc = w.service("api")
    svc.timeline = rollout_succeeds()
    outside = w.ecs.add_task_definition(body("api", f"{REGISTRY}/app:v9@sha256:{'1' * 64}"))
    plan, [result] = w.deploy(revision="latest")
    assert plan.service("api").action is RevisionAction.EXISTING
    assert result.task_definition_arn == outside.arn
    assert not w.ecs.registered


def test_interrupt_right_after_update_service_still_reports_the_deployment() -> None:
    from ecsflow.events import DeploymentStarted

    w = World()
    w.service("api")
    w.service("worker")
    recorded = w.sink

    def sink(event: object) -> None:
        recorded(event)  # type: ignore[arg-type]
        if isinstance(event, DeploymentStarted):
            raise KeyboardInterrupt

    w.engine.sink = sink
    _, results = w.deploy(options=RunOptions(concurrency=1))
    by = {r.service: r for r in results}
    assert by["api"].outcome is Outcome.INTERRUPTED and by["api"].deployment_id is not None
    assert by["worker"].outcome is Outcome.INTERRUPTED and by["worker"].deployment_id is None
    assert len(w.ecs.updates) == 1


def test_shared_registration_holds_when_a_sharer_runs_in_an_earlier_group() -> None:
    w = World()
    w.service("a", family="shared").timeline = rollout_succeeds()
    w.service("b", family="shared").timeline = rollout_succeeds()
    _, results = w.deploy(["a", "b"], groups=[["b"], ["a"]])
    assert [r.outcome for r in results] == [Outcome.SUCCEEDED, Outcome.SUCCEEDED]
    assert w.ecs.calls["RegisterTaskDefinition"] == 1


def test_problems_of_several_services_are_reported_together() -> None:
    w = World()
    w.service("api", template=body("api", "${API_IMAGE}"))
    w.service("worker", template=body("worker", "${WORKER_IMAGE}"))
    with pytest.raises(RenderError) as err:
        w.deploy()
    details = "\n".join(err.value.details())
    assert "API_IMAGE" in details and "WORKER_IMAGE" in details
    assert not w.ecs.registered and not w.ecs.updates


def test_lost_access_during_the_wait_says_how_to_attach() -> None:
    from ecsflow.errors import AwsAccessError

    w = World()
    w.service("api")
    w.ecs.fail_next("DescribeServices", AwsAccessError("ecs:DescribeServices failed: AccessDenied"), after=1)
    with pytest.raises(AwsAccessError) as err:
        w.deploy()
    assert "ecsflow wait" in (err.value.hint or "")
