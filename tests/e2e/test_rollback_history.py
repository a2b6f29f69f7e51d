"""rollback / history / revisions / deregister / diff end to end on the local AWS.

One story: web:1 (created), web:2 deployed fine, web:3 a broken image that the circuit
breaker rolled back, web:4 deployed fine. `rollback` must pick web:2 (the last
successful deployment before web:4), not web:3 (revision minus one, which never worked).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_project import create_service, push, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")  # polls cost no wall time
    monkeypatch.setenv("GITHUB_ACTOR", "alice")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def _cli(run_cli, aws: LocalAWS, config: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), *args)
    return code, out, err


def _json(run_cli, aws: LocalAWS, config: Path, *args: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    code, out, err = _cli(run_cli, aws, config, "--output", "json", *args)
    assert code == 0, out + err
    return json.loads(out)  # type: ignore[no-any-return]


def _running(aws: LocalAWS) -> str:
    svc = aws.client("ecs").describe_services(cluster="demo", services=["web"])["services"][0]
    return str(svc["taskDefinition"]).rsplit("/", 1)[-1]


def test_rollback_goes_to_last_success_and_history_tells_the_story(  # type: ignore[no-untyped-def]
    run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world)
    for tag, expected in (("v2", ExitCode.OK), ("broken", ExitCode.ROLLED_BACK), ("v4", ExitCode.OK)):
        push(local_aws, tag)
        monkeypatch.setenv("GITHUB_SHA", f"commit-{tag}")
        code, out, err = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", tag)
        assert code == expected, out + err
    assert _running(local_aws) == "web:4"

    # diff: the file (image tag pinned by the deploy) matches what runs.
    code, out, _ = _cli(run_cli, local_aws, config, "diff", "--detailed-exitcode")
    assert code == 0, out
    assert "no changes" in out

    # history: newest first, with outcomes, actor, commits and digests.
    doc = _json(run_cli, local_aws, config, "history", "web")
    rows = [(h["task_definition"].rsplit("/", 1)[-1], h["outcome"], h["commit"]) for h in doc["history"]]
    assert rows == [
        ("web:4", "succeeded", "commit-v4"),
        ("web:3", "rolled back", "commit-broken"),
        ("web:2", "succeeded", "commit-v2"),
        ("web:1", "succeeded", None),  # created outside ecsflow: no record
    ]
    assert doc["history"][0]["deployed_by"] == "alice"
    assert doc["history"][0]["images"][0]["digest"].startswith("sha256:")

    # revisions: marks running / last good / outside.
    doc = _json(run_cli, local_aws, config, "revisions", "web")
    marks = {r["task_definition"].rsplit("/", 1)[-1]: r["marks"] for r in doc["revisions"]}
    assert marks == {
        "web:4": ["running", "last good"],
        "web:3": [],
        "web:2": ["last good"],
        "web:1": ["good", "outside"],
    }

    # rollback: to web:2, never web:3.
    code, out, err = _cli(run_cli, local_aws, config, "rollback", "web", "--dry-run")
    assert code == 0, out + err
    assert "rollback web:4 → web:2: last successful deployment other than web:4" in out
    assert _running(local_aws) == "web:4"
    code, out, err = _cli(run_cli, local_aws, config, "rollback", "web")
    assert code == 0, out + err
    assert _running(local_aws) == "web:2"

    # deregister --keep 1: keeps the newest (web:4), the running and last good (web:2); drops web:3, web:1.
    result = _json(run_cli, local_aws, config, "deregister", "web", "--keep", "1", "--dry-run")
    assert [a.rsplit("/", 1)[-1] for a in result["deregister"]] == ["web:3", "web:1"]
    assert result["deregistered"] == []
    code, out, err = _cli(run_cli, local_aws, config, "deregister", "web", "--keep", "1")
    assert code == 0, out + err
    assert "deregistered web:3" in out and "deregistered web:1" in out
    active = local_aws.client("ecs").list_task_definitions(familyPrefix="web")["taskDefinitionArns"]
    assert sorted(a.rsplit("/", 1)[-1] for a in active) == ["web:2", "web:4"]


def test_diff_shows_masked_semantic_changes(run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world)
    taskdef = tmp_path / "taskdef.json"
    body = json.loads(taskdef.read_text())
    body["containerDefinitions"][0]["environment"] = [
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "DB_PASSWORD", "value": "hunter22"},
    ]
    taskdef.write_text(json.dumps(body))
    code, out, _ = _cli(run_cli, local_aws, config, "diff", "--detailed-exitcode")
    assert code == 2
    assert "--- web:1 (running on demo/web)" in out
    assert '"DB_PASSWORD", "value": "****"' in out and "hunter22" not in out
    code, _, _ = _cli(run_cli, local_aws, config, "diff")
    assert code == 0


@pytest.mark.local_aws(clock="manual")
def test_rollback_during_a_deployment_stops_it_with_ecs_rollback(  # type: ignore[no-untyped-def]
    run_cli, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world)
    push(local_aws, "v2")
    code, out, err = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--no-wait")
    assert code == 0, out + err
    assert _running(local_aws) == "web:2"  # rolling out; the manual clock keeps it in progress
    code, out, err = _cli(run_cli, local_aws, config, "rollback", "web")
    assert code == 0, out + err
    assert "the deployment of web:2 is still in progress: ECS stops it and rolls back" in out
    assert "(ROLLBACK)" in out
    assert "ECS stopped the deployment of web:2 and rolled back to web:1" in out
    assert _running(local_aws) == "web:1"
    deployments = local_aws.client("ecs").list_service_deployments(cluster="demo", service="web")
    assert "ROLLBACK_SUCCESSFUL" in {d["status"] for d in deployments["serviceDeployments"]}
