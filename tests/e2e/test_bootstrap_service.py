"""``ecsflow bootstrap service`` end to end on the local AWS: plan, create, deploy onto it,
re-run (no mutating call), ``--delete`` (only what ecsflow created), and the errors that
must stop it before anything changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bootstrap_project import cli, create_alb, mutations, network, write_project
from deploy_project import push

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def actions(doc: dict[str, Any]) -> dict[str, str]:
    return {f"{s['kind']} {s['name']}": s["action"] for s in doc["plan"]["steps"]}


def describe(aws: LocalAWS, cluster: str = "apps", name: str = "web") -> dict[str, Any]:
    found: dict[str, Any] = aws.client("ecs").describe_services(cluster=cluster, services=[name], include=["TAGS"])
    return found["services"][0]


def log_groups(aws: LocalAWS) -> set[str]:
    return {g["logGroupName"] for g in aws.client("logs").describe_log_groups()["logGroups"]}


def test_create_deploy_rerun_delete_rolling(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    config = write_project(tmp_path, local_aws, local_world, bootstrap={**network(local_world), "desired_count": 2})

    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--dry-run")
    assert code == ExitCode.OK, text
    assert set(actions(doc).values()) == {"create"}
    assert mutations(local_aws) == {}, "a dry run changes nothing"

    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK, text
    assert mutations(local_aws) == {
        "ecs:CreateCluster": 1,
        "logs:CreateLogGroup": 1,
        "ecs:RegisterTaskDefinition": 1,
        "ecs:CreateService": 1,
    }
    svc = describe(local_aws)
    assert svc["deploymentController"]["type"] == "ECS"
    assert svc["desiredCount"] == 2
    assert svc["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert {"key": "ecsflow:managed-by", "value": "ecsflow"} in svc["tags"]
    assert "/ecs/boot" in log_groups(local_aws)
    record = json.loads((tmp_path / ".ecsflow" / "bootstrap" / "apps" / "web.json").read_text())
    assert [e["kind"] for e in record["resources"]] == ["cluster", "log-group", "task-definition", "service"]

    # deploy works on what bootstrap created
    push(local_aws, "v2")
    code, out, err = run_cli(
        "--endpoint-url", local_aws.endpoint_url, "-c", str(config), "deploy", "web", "--tag", "v2"
    )
    assert code == ExitCode.OK, out + err
    assert ":v2@sha256:" in json.dumps(
        local_aws.client("ecs").describe_task_definition(taskDefinition=describe(local_aws)["taskDefinition"])
    )

    # a second bootstrap changes nothing and says so
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK, text
    assert doc["plan"]["changes"] == 0 and not doc["applied"]
    assert set(actions(doc).values()) == {"unchanged"}
    assert mutations(local_aws) == {}

    # --delete removes what bootstrap created, nothing else
    deployed = describe(local_aws)["taskDefinition"]
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--delete", "--yes")
    assert code == ExitCode.OK, text
    ecs = local_aws.client("ecs")
    assert describe(local_aws)["status"] == "INACTIVE"
    assert ecs.describe_clusters(clusters=["apps"])["clusters"][0]["status"] == "INACTIVE"
    assert "/ecs/boot" not in log_groups(local_aws)
    assert ecs.describe_task_definition(taskDefinition="boot:1")["taskDefinition"]["status"] == "INACTIVE"
    # what deploy registered, and the example world, stay
    assert ecs.describe_task_definition(taskDefinition=deployed)["taskDefinition"]["status"] == "ACTIVE"
    assert ecs.describe_clusters(clusters=["demo"])["clusters"][0]["status"] == "ACTIVE"
    assert "/ecs/web" in log_groups(local_aws)
    assert json.loads((tmp_path / ".ecsflow" / "bootstrap" / "apps" / "web.json").read_text())["resources"] == []


def test_existing_cluster_and_log_group_are_adopted_and_kept(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    config = write_project(
        tmp_path, local_aws, local_world, bootstrap=network(local_world), cluster="demo", log_group="/ecs/web"
    )
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK, text
    assert actions(doc)["cluster demo"] == "adopt"
    assert actions(doc)["log-group /ecs/web (us-east-1)"] == "adopt"
    local_aws.client("ecs").deregister_task_definition(taskDefinition="boot:1")  # by hand, outside ecsflow
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--delete", "--yes")
    assert code == ExitCode.OK, text
    assert {(s["kind"], s["action"]) for s in doc["plan"]["steps"]} == {
        ("service", "delete"),
        ("task-definition", "keep"),
    }
    assert json.loads((tmp_path / ".ecsflow" / "bootstrap" / "demo" / "web.json").read_text())["resources"] == []
    assert local_aws.client("ecs").describe_clusters(clusters=["demo"])["clusters"][0]["status"] == "ACTIVE"
    assert "/ecs/web" in log_groups(local_aws)


def test_existing_service_that_differs_is_left_alone(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    config = write_project(tmp_path, local_aws, local_world, bootstrap=network(local_world))
    assert cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")[0] == ExitCode.OK
    alb = create_alb(local_aws, local_world)
    lb = {"target_group": "web-tg", "container": "web", "port": 8080}
    config = write_project(tmp_path, local_aws, local_world, bootstrap={**network(local_world), "load_balancer": lb})
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK, text
    step = next(s for s in doc["plan"]["steps"] if s["kind"] == "service")
    assert step["action"] == "differs"
    assert any("load balancer" in d and alb.target_group_arn in d for d in step["details"])
    assert mutations(local_aws) == {}


def test_missing_network_and_target_group_stop_before_any_change(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    boot = {
        "subnets": ["subnet-0000000000000dead"],
        "security_groups": [local_world.security_group_id],
        "load_balancer": {"target_group": "nope", "container": "web", "port": 8080},
    }
    config = write_project(tmp_path, local_aws, local_world, bootstrap=boot)
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.INVALID, text
    assert "services.web.bootstrap.subnets: subnet subnet-0000000000000dead does not exist" in text
    assert "services.web.bootstrap.load_balancer.target_group: target group nope does not exist" in text
    assert "nothing was changed" in text
    assert mutations(local_aws) == {}


def test_without_a_terminal_yes_is_required(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    config = write_project(tmp_path, local_aws, local_world, bootstrap=network(local_world))
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web")
    assert code == ExitCode.INVALID, text
    assert "--yes" in text
    assert mutations(local_aws) == {}


@pytest.mark.local_aws(scenario={"faults": {"ecs:CreateService": {"expired_from": 0}}})
def test_failure_mid_apply_says_what_was_created_and_rerun_continues(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    config = write_project(tmp_path, local_aws, local_world, bootstrap=network(local_world))
    code, _, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.AWS_ACCESS, text
    assert "create service web failed" in text
    assert "created before the failure (recorded, re-running continues): cluster" in text
    assert "log-group /ecs/boot" in text and "task-definition" in text
    record = json.loads((tmp_path / ".ecsflow" / "bootstrap" / "apps" / "web.json").read_text())
    assert [e["kind"] for e in record["resources"]] == ["cluster", "log-group", "task-definition"]

    local_aws.set_scenario({})
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK, text
    assert mutations(local_aws) == {"ecs:CreateService": 1}, "the rest is reused, not created again"
    assert actions(doc)["task-definition boot:1"] == "unchanged"


@pytest.mark.parametrize("answer", [False, True])
def test_on_a_terminal_bootstrap_asks_before_applying(
    run_cli: Any,
    local_aws: LocalAWS,
    local_world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: bool,
) -> None:
    import click

    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(click, "confirm", lambda text, default=False: asked.append(text) or answer)
    config = write_project(tmp_path, local_aws, local_world, bootstrap=network(local_world))
    local_aws.reset_calls()
    code, out, err = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(config), "bootstrap", "service", "web")
    assert code == ExitCode.OK, out + err
    assert asked == ["apply these 4 change(s)?"]
    assert "  bootstrap service web → apps/web (ECS controller, rolling, no load balancer)" in out
    assert "    create    cluster apps" in out
    if answer:
        assert "done: 4 change(s) applied" in out
        assert mutations(local_aws)["ecs:CreateService"] == 1
    else:
        assert "nothing changed" in out
        assert mutations(local_aws) == {}
