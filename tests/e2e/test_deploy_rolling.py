"""ecsflow deploy / wait end to end on the local AWS, through the CLI in-process.

The CLI follows the local AWS's clock (``ECSFLOW_CLOCK=endpoint``): in poll mode each
DescribeServices moves simulated time by 15 s, so waits cost no wall time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_project import calls, create_service, image_of, push, service, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e
MUTATIONS = ("ecs:RegisterTaskDefinition", "ecs:UpdateService")


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Follow the local AWS's clock: polls cost no wall time, intervals and deadlines still apply.
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


@pytest.fixture
def project(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> Path:
    create_service(local_aws, local_world)
    push(local_aws, "v2")
    return write_project(tmp_path, local_aws, local_world)


def cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args)
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    final: dict[str, Any] = next((d["result"] for d in reversed(docs) if "result" in d), {})
    return code, final, out + err


def results(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["service"]: r for r in doc.get("services", [])}


def test_success_pins_the_tag_to_its_digest(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_service(local_aws, local_world)
    digest = push(local_aws, "v2")
    config = write_project(tmp_path, local_aws, local_world)
    code, doc, text = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    web = results(doc)["web"]
    assert web["outcome"] == "succeeded"
    running = service(local_aws)["taskDefinition"]
    assert running == web["task_definition_arn"]
    assert image_of(local_aws, running) == f"{local_world.repository_uri}:v2@{digest}"
    tags = local_aws.client("ecs").describe_task_definition(taskDefinition=running, include=["TAGS"])["tags"]
    assert {t["key"] for t in tags} >= {"ecsflow:at", "ecsflow:source", "ecsflow:image:web"}


@pytest.mark.local_aws(
    scenario={"services": {"web": {"log_lines": ["booting DB_PASSWORD=hunter22", "panic: cannot reach the database"]}}}
)
def test_circuit_breaker_rollback_exits_4_with_reasons(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    push(local_aws, "broken-1")
    code, doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "broken-1")
    assert code == ExitCode.ROLLED_BACK, text
    web = results(doc)["web"]
    assert web["outcome"] == "rolled_back"
    assert web["failures"], "stopped tasks are shown"
    assert web["failures"][0]["reason"]
    logs = [line for f in web["failures"] for line in f["log_lines"]]
    assert "[web] panic: cannot reach the database" in logs
    assert "[web] booting DB_PASSWORD=****" in logs
    assert "hunter22" not in text, "secret values never shown"
    assert image_of(local_aws, service(local_aws)["taskDefinition"]).endswith(
        "@" + image_of(local_aws, "web:1").split("@")[1]
    )


def test_failure_without_rollback_exits_1(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_service(local_aws, local_world, rollback=False)
    push(local_aws, "broken-2")
    config = write_project(tmp_path, local_aws, local_world)
    code, doc, text = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "broken-2")
    assert code == ExitCode.FAILED, text
    assert results(doc)["web"]["outcome"] == "failed"


def test_tasks_failing_without_circuit_breaker_fail_before_the_timeout(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_service(local_aws, local_world, breaker=False)
    push(local_aws, "broken-3")
    config = write_project(tmp_path, local_aws, local_world)
    start = local_aws.now()
    code, doc, text = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "broken-3")
    assert code == ExitCode.FAILED, text
    assert "keep failing" in results(doc)["web"]["reason"]
    assert local_aws.now() - start < 600


def test_timeout_exits_5_and_leaves_the_deployment_running(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    local_aws.set_scenario({"services": {"web": {"task_start_seconds": 100000}}})
    code, doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2", "--timeout", "2m")
    assert code == ExitCode.TIMED_OUT, text
    web = results(doc)["web"]
    deployments = service(local_aws)["deployments"]
    assert any(d["id"] == web["deployment_id"] and d["rolloutState"] == "IN_PROGRESS" for d in deployments)


def test_no_wait_then_wait_attaches(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    code, doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2", "--no-wait")
    assert code == ExitCode.OK, text
    started = results(doc)["web"]
    assert started["outcome"] == "not_started"
    assert started["deployment_id"].startswith("ecs-svc/")
    code, doc, text = cli(run_cli, local_aws, project, "wait", started["deployment_id"])
    assert code == ExitCode.OK, text
    assert results(doc)["web"]["outcome"] == "succeeded"
    assert results(doc)["web"]["deployment_id"] == started["deployment_id"]


def test_superseded_when_another_deployment_replaces_ours(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    code, doc, _ = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2", "--no-wait")
    ours = results(doc)["web"]["deployment_id"]
    local_aws.advance(25)  # our new tasks are running
    ecs = local_aws.client("ecs")
    td = ecs.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
    body = {k: td[k] for k in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory")}
    other = ecs.register_task_definition(**body, containerDefinitions=td["containerDefinitions"])["taskDefinition"]
    ecs.update_service(cluster="demo", service="web", taskDefinition=other["taskDefinitionArn"])  # someone else
    code, doc, text = cli(run_cli, local_aws, project, "wait", ours)
    assert code == ExitCode.SUPERSEDED, text
    assert results(doc)["web"]["outcome"] == "superseded"


def test_base_latest_starts_from_a_revision_registered_outside(
    run_cli: Any, local_aws: LocalAWS, project: Path
) -> None:
    ecs = local_aws.client("ecs")
    td = ecs.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
    body = {k: td[k] for k in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn")}
    container = dict(td["containerDefinitions"][0], environment=[{"name": "FEATURE", "value": "on"}])
    ecs.register_task_definition(**body, containerDefinitions=[container])  # web:2, outside ecsflow
    code, _doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--base", "latest", "--tag", "v2")
    assert code == ExitCode.OK, text
    running = ecs.describe_task_definition(taskDefinition=service(local_aws)["taskDefinition"])["taskDefinition"]
    assert running["revision"] == 3
    assert running["containerDefinitions"][0]["environment"] == [{"name": "FEATURE", "value": "on"}]
    assert ":v2@sha256:" in running["containerDefinitions"][0]["image"]


def test_revision_deploys_an_existing_revision_as_is(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    local_aws.reset_calls()
    code, _doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--revision", "1")
    assert code == ExitCode.OK, text
    assert service(local_aws)["taskDefinition"].endswith("task-definition/web:1")
    assert calls(local_aws).get("ecs:RegisterTaskDefinition", 0) == 0


def test_missing_tag_is_refused_before_any_mutation(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    local_aws.reset_calls()
    code, _doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "no-such-tag")
    assert code == ExitCode.INVALID, text
    assert "no-such-tag" in text
    assert not any(calls(local_aws).get(op) for op in MUTATIONS)


def test_dry_run_prints_the_plan_and_changes_nothing(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2", "--dry-run")
    assert code == ExitCode.OK, text
    assert "register a new revision of web" in text
    assert not any(calls(local_aws).get(op) for op in MUTATIONS)


def test_identical_revision_is_reused_not_registered_again(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    assert cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2")[0] == ExitCode.OK
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert "nothing to deploy" in results(doc)["web"]["reason"]
    assert not any(calls(local_aws).get(op) for op in MUTATIONS)


@pytest.mark.local_aws(
    scenario={
        "faults": {
            "ecs:DescribeServices": {"throttle_every": 2},
            "ecs:*": {"drop_every": 4},
            "ecr:*": {"throttle_every": 2},
        }
    }
)
def test_throttling_storm_and_dropped_connections_do_not_change_the_outcome(
    run_cli: Any, local_aws: LocalAWS, project: Path
) -> None:
    code, doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert results(doc)["web"]["outcome"] == "succeeded"
    attempts = local_aws.calls()["operations"]["ecs:DescribeServices"]
    assert attempts["attempts"] > attempts["calls"], "faults happened and were retried"


@pytest.mark.local_aws(scenario={"faults": {"ecs:*": {"drop_every": 4}}})
def test_rollback_with_dropped_connections_is_still_rolled_back(
    run_cli: Any, local_aws: LocalAWS, project: Path
) -> None:
    push(local_aws, "broken-4")
    code, _doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "broken-4")
    assert code == ExitCode.ROLLED_BACK, text


def test_several_services_share_one_registration_and_batch_polls(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    names = ("web", "api", "worker")
    for name in names:
        create_service(local_aws, local_world, name)
    push(local_aws, "v2")
    config = write_project(tmp_path, local_aws, local_world, names, extra="order: [web, [api, worker]]\n")
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, "deploy", "--all", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert {r["outcome"] for r in doc["services"]} == {"succeeded"}
    counted = calls(local_aws)
    assert counted["ecs:RegisterTaskDefinition"] == 1
    assert counted["ecs:UpdateService"] == 3
    arns = {service(local_aws, n)["taskDefinition"] for n in names}
    assert len(arns) == 1


@pytest.mark.local_aws(scenario={"faults": {"ecs:DescribeServices": {"expired_every": 3}}})
def test_credentials_expiring_during_the_wait_are_refreshed(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    code, doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    counted = local_aws.calls()["operations"]["ecs:DescribeServices"]
    assert counted["errors"] >= 2, "credentials expired during the wait"
    assert results(doc)["web"]["outcome"] == "succeeded"


def test_codepipeline_compatible_image_definitions_with_base_service(
    run_cli: Any, local_aws: LocalAWS, local_world: World, project: Path, tmp_path: Path
) -> None:
    defs = tmp_path / "imagedefinitions.json"
    defs.write_text(json.dumps([{"name": "web", "imageUri": f"{local_world.repository_uri}:v2"}]))
    code, _, text = cli(
        run_cli, local_aws, project, "deploy", "web", "--base", "service", "--image-definitions", str(defs)
    )
    assert code == ExitCode.OK, text
    assert ":v2@sha256:" in image_of(local_aws, service(local_aws)["taskDefinition"])
    detail = tmp_path / "imageDetail.json"
    detail.write_text(json.dumps({"ImageURI": f"{local_world.repository_uri}:v1"}))
    code, _doc, text = cli(run_cli, local_aws, project, "deploy", "web", "--image-detail", str(detail))
    assert code == ExitCode.OK, text
    assert image_of(local_aws, service(local_aws)["taskDefinition"]).endswith(f":v1@{local_world.image_digest}")


def test_codedeploy_service_is_refused_before_any_mutation(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    local_aws.client("ecs").create_service(
        cluster="demo",
        serviceName="web",
        taskDefinition=local_world.task_definition_arn,
        desiredCount=1,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(local_world.subnet_ids),
                "securityGroups": [local_world.security_group_id],
            }
        },
    )
    push(local_aws, "v2")
    config = write_project(tmp_path, local_aws, local_world)
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.FAILED, text
    assert "CODE_DEPLOY" in text and "Nothing was changed" in text
    assert not any(calls(local_aws).get(op) for op in MUTATIONS)
