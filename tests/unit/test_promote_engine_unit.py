"""The promotion engine, what-runs resolution and deploy records, against in-memory fakes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from ecsflow.engines.env_records import record_deploys
from ecsflow.engines.promote import (
    PromoteAction,
    PromotionRecord,
    parse_record,
    promote,
    promote_running,
    promotions,
    tag_is_immutable,
)
from ecsflow.engines.records import DeployRecord, deployment_tag, read_record, record_for, record_tags
from ecsflow.engines.running import ServiceTarget, running_services, unfinished
from ecsflow.errors import AwsAccessError, AwsError, InputError, OperationFailed, ResourceNotFound
from ecsflow.events import Event, Message
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.plan import DeployPlan, RevisionAction, ServicePlan
from ecsflow.ports import EcrImage, EcsDeployment, RegisteredTaskDefinition, ServiceState, TagMutability

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class FakeRegistry:
    """``EcrRetagPort`` in memory: tags -> manifest, with ECR's tag rules."""

    def __init__(self, mutability: TagMutability | None = None) -> None:
        self.manifests: dict[str, str] = {}  # digest -> manifest
        self.tags: dict[tuple[str, str], str] = {}  # (repository, tag) -> digest
        self.mutability = mutability or TagMutability()
        self.repo_tags: dict[str, dict[str, str]] = {}
        self.calls: list[str] = []
        self.deny_tagging = False
        self.deny_describe = False
        self.race: str | None = None  # a digest someone else puts on the tag right after PutImage

    def push(self, repository: str, tag: str) -> str:
        manifest = f'{{"name": "{repository}:{tag}"}}'
        d = digest(manifest)
        self.manifests[d] = manifest
        self.tags[(repository, tag)] = d
        return d

    def get_image(
        self,
        repository: str,
        *,
        tag: str | None = None,
        digest: str | None = None,
        registry_id: str | None = None,
        region: str | None = None,
    ) -> EcrImage | None:
        self.calls.append("BatchGetImage")
        found = digest if digest in self.manifests else self.tags.get((repository, tag or ""))
        if found is None:
            return None
        return EcrImage(repository, found, self.manifests[found], "application/json", registry_id, region)

    def put_tag(self, image: EcrImage, tag: str) -> bool:
        self.calls.append("PutImage")
        current = self.tags.get((image.repository, tag))
        if current == image.digest:
            return False
        if current is not None and tag_is_immutable(self.mutability, tag):
            raise AwsError("tag exists", code="ImageTagAlreadyExistsException", operation="ecr:PutImage")
        self.tags[(image.repository, tag)] = image.digest
        if self.race:  # someone else moves the tag right after our PutImage
            self.tags[(image.repository, tag)] = self.race
        return True

    def tag_mutability(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> TagMutability:
        self.calls.append("DescribeRepositories")
        if self.deny_describe:
            raise AwsAccessError("denied", code="AccessDeniedException")
        return self.mutability

    def read_repository_tags(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str]:
        return dict(self.repo_tags.get(repository, {}))

    def write_repository_tags(
        self, repository: str, tags: Mapping[str, str], *, registry_id: str | None = None, region: str | None = None
    ) -> None:
        if self.deny_tagging:
            raise AwsAccessError("not allowed: ecr:TagResource", code="AccessDeniedException")
        self.repo_tags.setdefault(repository, {}).update(tags)


class Sink:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def warnings(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, Message) and e.level == "warning"]


@pytest.mark.parametrize(
    ("mode", "exclusions", "tag", "immutable"),
    [
        ("MUTABLE", (), "prod", False),
        ("IMMUTABLE", (), "prod", True),
        ("IMMUTABLE_WITH_EXCLUSION", ("latest", "env-*"), "env-prod", False),
        ("IMMUTABLE_WITH_EXCLUSION", ("latest", "env-*"), "v1.2", True),
        ("MUTABLE_WITH_EXCLUSION", ("release-*",), "release-7", True),
        ("MUTABLE_WITH_EXCLUSION", ("release-*",), "staging", False),
    ],
)
def test_tag_mutability_with_exclusion_filters(
    mode: str, exclusions: tuple[str, ...], tag: str, immutable: bool
) -> None:
    assert tag_is_immutable(TagMutability(mode, exclusions), tag) is immutable


def test_promote_creates_then_is_idempotent() -> None:
    ecr = FakeRegistry()
    d = ecr.push("web", "abc123")
    first = promote(ecr, f"{REGISTRY}/web:abc123", "test", record=PromotionRecord(commit="abc123", at=0.0))
    assert (first.action, first.digest, first.previous_digest) == (PromoteAction.CREATED, d, None)
    assert first.uri == f"{REGISTRY}/web:test@{d}"
    assert ecr.tags[("web", "test")] == d
    assert promotions(ecr, "web")["test"]["commit"] == "abc123"
    ecr.calls.clear()
    again = promote(ecr, "web:abc123", "test")
    assert again.action is PromoteAction.UNCHANGED and "PutImage" not in ecr.calls


def test_moving_needs_force_and_an_immutable_tag_never_moves() -> None:
    ecr = FakeRegistry()
    old, new = ecr.push("web", "v1"), ecr.push("web", "v2")
    promote(ecr, "web:v1", "prod")
    with pytest.raises(InputError) as err:
        promote(ecr, "web:v2", "prod")
    assert "--force" in (err.value.hint or "") and ecr.tags[("web", "prod")] == old
    assert promote(ecr, "web:v2", "prod", force=True).action is PromoteAction.MOVED
    ecr.mutability = TagMutability("IMMUTABLE")
    with pytest.raises(InputError, match="immutable tags: tag 'prod'"):
        promote(ecr, "web:v1", "prod", force=True)
    assert ecr.tags[("web", "prod")] == new


def test_immutability_unreadable_still_refused_by_put_image() -> None:
    ecr = FakeRegistry(TagMutability("IMMUTABLE"))
    ecr.push("web", "v1")
    ecr.push("web", "v2")
    promote(ecr, "web:v1", "prod")
    ecr.deny_describe = True
    with pytest.raises(InputError, match="'web' has immutable tags") as err:
        promote(ecr, "web:v2", "prod", force=True)
    assert isinstance(err.value.__cause__, AwsError)


def test_dry_run_changes_nothing() -> None:
    ecr = FakeRegistry()
    ecr.push("web", "v1")
    result = promote(ecr, "web:v1", "test", dry_run=True, record=PromotionRecord(commit="c"))
    assert result.dry_run and result.action is PromoteAction.CREATED
    assert ("web", "test") not in ecr.tags and not ecr.repo_tags and "PutImage" not in ecr.calls


def test_a_tag_moved_by_someone_else_meanwhile_is_reported() -> None:
    ecr = FakeRegistry()
    ecr.push("web", "v1")
    ecr.race = ecr.push("web", "other")
    with pytest.raises(OperationFailed, match="names sha256:"):
        promote(ecr, "web:v1", "test", force=True)


def test_record_that_cannot_be_written_is_a_warning() -> None:
    ecr = FakeRegistry()
    ecr.push("web", "v1")
    ecr.deny_tagging = True
    sink = Sink()
    result = promote(ecr, "web:v1", "test", record=PromotionRecord(commit="c"), sink=sink)
    assert result.action is PromoteAction.CREATED
    assert any("ecr:TagResource" in w for w in sink.warnings())


@pytest.mark.parametrize(
    ("image", "to_tag", "error", "text"),
    [
        ("docker.io/library/nginx:1.25", "prod", InputError, "not in Amazon ECR"),
        ("web:v1", "-bad", InputError, "not a valid image tag"),
        ("web:missing", "prod", ResourceNotFound, "tag 'missing' not found"),
        (f"web@{digest('nope')}", "prod", ResourceNotFound, "digest sha256:"),
    ],
)
def test_bad_input(image: str, to_tag: str, error: type[Exception], text: str) -> None:
    ecr = FakeRegistry()
    ecr.push("web", "v1")
    with pytest.raises(error, match=text):
        promote(ecr, image, to_tag)
    assert "PutImage" not in ecr.calls


def test_record_value_round_trip() -> None:
    fields = parse_record(f"{digest('x')} from=v2 env=staging at=2026-01-01T00:00:00Z commit=abc by=ci")
    assert fields == {
        "digest": digest("x"),
        "from": "v2",
        "env": "staging",
        "at": "2026-01-01T00:00:00Z",
        "commit": "abc",
        "by": "ci",
    }


# --- what runs in an environment -------------------------------------------------------


class FakeEcs:
    def __init__(self, states: dict[str, ServiceState], tds: dict[str, RegisteredTaskDefinition]) -> None:
        self.states = states
        self.tds = tds

    def describe_services(self, cluster: str, services: Sequence[str]) -> dict[str, ServiceState]:
        return {s: self.states[s] for s in services if s in self.states}

    def describe_task_definition(self, ref: str) -> RegisteredTaskDefinition:
        return self.tds[ref]


def state(name: str, td: str, *deployments: EcsDeployment) -> ServiceState:
    return ServiceState("demo", name, f"arn:{name}", "ACTIVE", td, 2, 2, 0, deployments=deployments)


def td(arn: str, *images: tuple[str, str]) -> RegisteredTaskDefinition:
    body: dict[str, Any] = {"family": "web", "containerDefinitions": [{"name": c, "image": i} for c, i in images]}
    return RegisteredTaskDefinition(arn, "web", int(arn.rsplit(":", 1)[1]), "ACTIVE", body)


def test_running_images_of_a_settled_service() -> None:
    d = digest("m")
    ecs = FakeEcs(
        {"web": state("web", "web:3", EcsDeployment("ecs-svc/1", "PRIMARY", "web:3", rollout_state="COMPLETED"))},
        {"web:3": td("web:3", ("app", f"{REGISTRY}/web:v1@{d}"), ("proxy", "envoyproxy/envoy:v1.30"))},
    )
    (svc,) = running_services(ecs, [ServiceTarget("web", "demo", "web")], env="staging")
    assert [(i.container, i.digest) for i in svc.images] == [("app", d), ("proxy", None)]
    assert svc.notes and "not in Amazon ECR" in svc.notes[0]


def test_mid_deployment_and_tag_without_digest_are_refused_together() -> None:
    ecs = FakeEcs(
        {
            "a": state(
                "a",
                "web:4",
                EcsDeployment("ecs-svc/2", "PRIMARY", "web:4", rollout_state="IN_PROGRESS"),
                EcsDeployment("ecs-svc/1", "ACTIVE", "web:3", rollout_state="COMPLETED"),
            ),
            "b": state("b", "web:3", EcsDeployment("ecs-svc/9", "PRIMARY", "web:3", rollout_state="COMPLETED")),
        },
        {"web:3": td("web:3", ("app", f"{REGISTRY}/web:v1"))},
    )
    targets = [ServiceTarget("a", "demo", "a"), ServiceTarget("b", "demo", "b")]
    with pytest.raises(InputError) as err:
        running_services(ecs, targets, env="staging")
    text = "\n".join(err.value.details())
    assert "mid-deployment" in text and "ecs-svc/2 is still replacing ecs-svc/1" in text
    assert "a tag without a digest" in text and "environment 'staging'" in text


def test_unfinished() -> None:
    assert unfinished(state("x", "t")) == "it has no PRIMARY deployment"
    one = EcsDeployment("ecs-svc/1", "PRIMARY", "t", rollout_state="IN_PROGRESS")
    assert unfinished(state("x", "t", one)) == "deployment ecs-svc/1 is still in progress"
    done = EcsDeployment("ecs-svc/1", "PRIMARY", "t", rollout_state=None)  # behind a Classic LB: no rollout state
    assert unfinished(state("x", "t", done)) is None


def test_promote_running_tags_each_image_once_and_skips_other_registries() -> None:
    ecr = FakeRegistry()
    d = ecr.push("web", "v1")
    ecs = FakeEcs(
        {
            s: state(s, "web:3", EcsDeployment(f"ecs-svc/{s}", "PRIMARY", "web:3", rollout_state="COMPLETED"))
            for s in ("a", "b")
        },
        {"web:3": td("web:3", ("app", f"{REGISTRY}/web@{d}"), ("proxy", "envoyproxy/envoy:v1.30"))},
    )
    sink = Sink()
    results = promote_running(
        ecs, ecr, [ServiceTarget("a", "demo", "a"), ServiceTarget("b", "demo", "b")], "prod", env="test", sink=sink
    )
    assert [(r.service, r.container, r.digest) for r in results] == [("a", "app", d)]
    assert ecr.tags[("web", "prod")] == d
    assert any("envoyproxy" in w for w in sink.warnings())


# --- deploy records ---------------------------------------------------------------------


def test_registration_record_round_trip_with_source_environment() -> None:
    record = DeployRecord(commit="abc", actor="ci", at=0.0, environment="prod", promoted_from="staging")
    tags = record_tags(record)
    assert tags["ecsflow:from-env"] == "staging" and tags["ecsflow:deployed:prod"].startswith("at=1970")
    back = read_record(tags)
    assert back is not None and (back.environment, back.promoted_from) == ("prod", "staging")


def test_record_for_an_environment_prefers_its_own_deploy() -> None:
    registered = record_tags(DeployRecord(commit="c1", actor="alice", at=0.0, environment="staging"))
    key, value = deployment_tag(
        DeployRecord(commit="c1", actor="bot", at=60.0, environment="prod", promoted_from="staging")
    )
    tags = {**registered, key: value}
    prod = record_for(tags, "prod")
    assert prod is not None
    assert (prod.environment, prod.promoted_from, prod.actor, prod.at) == ("prod", "staging", "bot", 60.0)
    staging = record_for(tags, "staging")
    assert staging is not None and (staging.environment, staging.promoted_from) == ("staging", None)
    assert record_for({}, "prod") is None


class Tagger:
    def __init__(self, fail: bool = False) -> None:
        self.tagged: list[tuple[str, dict[str, str]]] = []
        self.fail = fail

    def tag_task_definition(self, arn: str, tags: Mapping[str, str]) -> None:
        if self.fail:
            raise AwsAccessError("not allowed: ecs:TagResource", code="AccessDeniedException")
        self.tagged.append((arn, dict(tags)))


def plan_of(*items: tuple[str, RevisionAction, str]) -> DeployPlan:
    services = tuple(
        ServicePlan(
            key=key,
            cluster="demo",
            service=key,
            strategy="ROLLING",
            base="file",
            family="web",
            current="web:1",
            action=action,
            target=target,
            body=None,
            tags={},
            images=(),
            changes=(),
            timeout=600,
            timeout_derived=True,
        )
        for key, action, target in items
    )
    return DeployPlan(services, (tuple(s.key for s in services),))


def test_reused_revisions_get_the_deploy_record() -> None:
    plan = plan_of(
        ("a", RevisionAction.REUSE, "web:2"), ("b", RevisionAction.REGISTER, ""), ("c", RevisionAction.REUSE, "web:2")
    )
    results = [
        DeploymentResult("a", Outcome.SUCCEEDED, "ok", deployment_id="ecs-svc/1", task_definition_arn="web:2"),
        DeploymentResult("b", Outcome.SUCCEEDED, "ok", deployment_id="ecs-svc/2", task_definition_arn="web:3"),
        DeploymentResult("c", Outcome.SUCCEEDED, "ok", deployment_id="ecs-svc/3", task_definition_arn="web:2"),
    ]
    tagger = Tagger()
    record = DeployRecord(commit="c", at=0.0, environment="prod", promoted_from="staging")
    sink = Sink()
    tagged = record_deploys(tagger, plan, results, record, sink=sink, clock=_Clock())
    assert tagged == ["web:2"]  # registered revisions carry their record already; one call per revision
    assert tagger.tagged[0][1]["ecsflow:deployed:prod"].endswith("from=staging")
    assert record_deploys(Tagger(fail=True), plan, results, record, sink=sink, clock=_Clock()) == []
    assert any("ecs:TagResource" in w for w in sink.warnings())


def test_nothing_started_nothing_recorded() -> None:
    plan = plan_of(("a", RevisionAction.UNCHANGED, "web:2"), ("b", RevisionAction.UNCHANGED, "web:2"))
    results = [
        DeploymentResult("a", Outcome.SUCCEEDED, "already running"),
        # someone else's unfinished deployment that ecsflow only waited for
        DeploymentResult("b", Outcome.SUCCEEDED, "completed", deployment_id="ecs-svc/7", task_definition_arn="web:2"),
    ]
    tagger = Tagger()
    record_deploys(tagger, plan, results, DeployRecord(environment="prod"), sink=Sink(), clock=_Clock())
    assert tagger.tagged == []


class _Clock:
    def now(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        raise AssertionError("no sleeping")
