"""Before any mutation: deployment group (configured, remembered, discovered), AppSpec, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from codedeploy_fakes import APPSPEC_OK, CodeDeployWorld

from ecsflow.engines.codedeploy_prepare import JsonGroupMemo
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.errors import ArtifactError, ConfigError, ExitCode, OperationFailed
from ecsflow.events import Message
from ecsflow.model import Outcome


@pytest.fixture
def w() -> CodeDeployWorld:
    return CodeDeployWorld()


def nothing_changed(w: CodeDeployWorld) -> None:
    assert not w.ecs.registered, "no revision registered"
    assert not w.cd.created, "no deployment created"


def test_discovered_once_then_remembered(w: CodeDeployWorld) -> None:
    w.cd.add_group()
    _, (first,) = w.deploy()
    assert first.outcome is Outcome.SUCCEEDED
    assert w.cd.calls["find_deployment_group"] == 1
    assert w.memo.get("main", "web") == ("web-app", "web-dg")
    w.base.templates["web"]["containerDefinitions"][0]["image"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1"
    _, (second,) = w.deploy()
    assert second.outcome is Outcome.SUCCEEDED
    assert w.cd.calls["find_deployment_group"] == 1, "the second deploy scans nothing"


def test_stale_remembered_group_is_looked_up_again_once(w: CodeDeployWorld) -> None:
    w.cd.add_group(name="web-dg-2")
    w.memo.put("main", "web", "web-app", "deleted-dg")
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    assert w.cd.calls["find_deployment_group"] == 1
    assert w.memo.get("main", "web") == ("web-app", "web-dg-2")
    assert any("is gone" in m.text for m in w.sink.of(Message))


def test_configured_group_is_used_without_scanning(w: CodeDeployWorld) -> None:
    w.cd.add_group(name="custom-dg")
    w.configure(application="web-app", deployment_group="custom-dg")
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    assert w.cd.calls["find_deployment_group"] == 0
    assert w.cd.created[0]["group"] == ("web-app", "custom-dg")


def test_missing_configured_group_is_a_config_error(w: CodeDeployWorld) -> None:
    w.configure(application="web-app", deployment_group="nope")
    with pytest.raises(ConfigError, match="web-app/nope does not exist") as caught:
        w.deploy()
    assert caught.value.exit_code is ExitCode.INVALID
    nothing_changed(w)


def test_no_group_for_the_service_refuses_before_any_change(w: CodeDeployWorld) -> None:
    with pytest.raises(OperationFailed, match="no CodeDeploy deployment group names main/web") as caught:
        w.deploy()
    assert "Nothing was changed" in str(caught.value.hint)
    nothing_changed(w)


def test_appspec_naming_another_container_is_refused(w: CodeDeployWorld) -> None:
    w.cd.add_group()
    w.appspecs["appspec.yaml"] = APPSPEC_OK.replace("ContainerName: web", "ContainerName: api")
    w.configure(appspec="appspec.yaml")
    with pytest.raises(ArtifactError) as caught:
        w.deploy()
    assert "'api' is not a container of the task definition (web)" in caught.value.details()[0]
    nothing_changed(w)


def test_invalid_appspec_file_lists_its_problems(w: CodeDeployWorld) -> None:
    w.cd.add_group()
    w.appspecs["appspec.yaml"] = APPSPEC_OK.replace("ContainerPort: 80", 'ContainerPort: "80"')
    w.configure(appspec="appspec.yaml")
    with pytest.raises(ArtifactError) as caught:
        w.deploy()
    assert any("ContainerPort" in d for d in caught.value.details())
    nothing_changed(w)


def test_appspec_file_is_filled_with_the_new_revision(w: CodeDeployWorld) -> None:
    w.cd.add_group()
    w.appspecs["deploy/appspec.yaml"] = APPSPEC_OK
    w.configure(appspec="deploy/appspec.yaml")
    plan, (result,) = w.deploy()
    assert result.outcome is Outcome.SUCCEEDED
    content = w.cd.created[0]["appspec"]
    assert f"TaskDefinition: {result.task_definition_arn}" in content
    assert "AppSpec: file deploy/appspec.yaml" in "\n".join(plan.lines())
    assert w.cd.calls["describe_service"] == 0


def test_unknown_deployment_configuration_is_refused(w: CodeDeployWorld) -> None:
    w.cd.add_group()
    with pytest.raises(ConfigError, match="'nope' does not exist"):
        w.deploy(options=RunOptions(deployment_config="nope"))
    nothing_changed(w)


def test_dry_run_shows_the_codedeploy_plan_and_changes_nothing(w: CodeDeployWorld) -> None:
    w.cd.add_group(ready_action="STOP_DEPLOYMENT", ready_wait_minutes=20)
    plan, (result,) = w.engine.deploy(w.base.request(["web"]), dry_run=True)
    assert result.outcome is Outcome.NOT_STARTED
    lines = "\n".join(plan.lines())
    assert "ready wait: waits for `ecsflow continue` (up to 20 min)" in lines
    nothing_changed(w)


def test_json_memo_round_trip_and_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / ".ecsflow" / "codedeploy.json"
    memo = JsonGroupMemo(path)
    assert memo.get("main", "web") is None
    memo.put("arn:aws:ecs:us-east-1:123456789012:cluster/main", "web", "web-app", "web-dg")
    assert JsonGroupMemo(path).get("main", "web") == ("web-app", "web-dg")
    memo.forget("main", "web")
    assert memo.get("main", "web") is None
    path.write_text("{not json")
    assert memo.get("main", "web") is None
    memo.put("main", "web", "a", "g")
    assert memo.get("main", "web") == ("a", "g")


def test_a_deployment_still_running_in_the_group_is_refused_before_any_change(w: CodeDeployWorld) -> None:
    w.cd.add_group(last_attempted="d-RUNNING01", last_attempted_status="Ready")
    with pytest.raises(OperationFailed, match="d-RUNNING01 of web-app/web-dg is still Ready") as caught:
        w.deploy()
    assert "ecsflow continue web" in str(caught.value.hint) and "Nothing was changed" in str(caught.value.hint)
    nothing_changed(w)
