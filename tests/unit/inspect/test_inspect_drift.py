from __future__ import annotations

from inspect_world import DIGEST, body, deployed, world

from ecsflow.engines.inspect import inspect_service
from fakes import td_arn


def test_steady_service_without_drift_reports_digests_from_the_service_revision() -> None:
    ecs, svc = world(revisions=3, running=3)
    deployed(ecs, svc, 3, "SUCCESSFUL", 0)
    status = inspect_service(ecs, "prod", "web", key="web", rendered=body("web:v3"))
    assert status.state == "steady"
    assert not status.drifted, status.drift
    assert status.running_revision == td_arn("web", 3) == status.newest_revision
    assert status.images == (("app", "web:v3", DIGEST),)
    assert status.last_deployment == ("SUCCESSFUL", None)


def test_revision_registered_outside_ecsflow_is_drift() -> None:
    ecs, _svc = world(revisions=3, running=3)
    ecs.add_task_definition(body("web:hotfix"))  # registered by hand: no ecsflow record tags
    status = inspect_service(ecs, "prod", "web")
    assert [d.kind for d in status.drift] == ["newer_revision"]
    assert "web:4 (registered outside ecsflow) is newer than web:3" in status.drift[0].message


def test_newer_revision_registered_by_ecsflow_says_so() -> None:
    ecs, _ = world(revisions=4, running=3)
    status = inspect_service(ecs, "prod", "web")
    assert "web:4 (registered by ecsflow)" in status.drift[0].message


def test_newer_revision_being_rolled_out_is_not_drift() -> None:
    ecs, _svc = world(revisions=4, running=3)
    ecs.update_service("prod", "web", td_arn("web", 4))
    status = inspect_service(ecs, "prod", "web")
    assert status.state == "deploying"
    assert not status.drifted


def test_file_drift_is_a_semantic_masked_diff() -> None:
    ecs, _ = world(revisions=3, running=3)
    rendered = body("web:v3", environment=[{"name": "DB_PASSWORD", "value": "hunter22"}])
    status = inspect_service(ecs, "prod", "web", rendered=rendered)
    assert [d.kind for d in status.drift] == ["file"]
    assert status.file_diff is not None
    assert status.file_diff.lines() == [
        '+ containerDefinitions[app].environment: [{"name": "DB_PASSWORD", "value": "****"}]'
    ]


def test_missing_service_and_family_mismatch() -> None:
    ecs, _ = world()
    missing = inspect_service(ecs, "prod", "nope")
    assert missing.state == "missing" and [d.kind for d in missing.drift] == ["missing"]
    other = inspect_service(ecs, "prod", "web", family="api")
    assert [d.kind for d in other.drift] == ["newer_revision", "family"]


def test_digests_fall_back_to_pinned_images_without_the_api() -> None:
    ecs, _svc = world(revisions=1, running=1)
    pinned = "web@" + DIGEST
    ecs.task_definitions["web"][0] = ecs.task_definitions["web"][0].__class__(
        td_arn("web", 1), "web", 1, "ACTIVE", body(pinned)
    )
    ecs.service_deployments_api = False
    status = inspect_service(ecs, "prod", "web")
    assert status.images == (("app", pinned, DIGEST),)
    assert status.last_deployment is None


def test_newer_revision_that_was_rolled_back_is_a_note_not_drift() -> None:
    ecs, svc = world(revisions=4, running=3)
    deployed(ecs, svc, 3, "SUCCESSFUL", 0)
    deployed(ecs, svc, 4, "ROLLBACK_SUCCESSFUL", 100)
    status = inspect_service(ecs, "prod", "web")
    assert not status.drifted
    assert status.notes == ("web:4 is newer but its deployment ended ROLLBACK_SUCCESSFUL",)
    assert status.images == (("app", "web:v3", DIGEST),)
