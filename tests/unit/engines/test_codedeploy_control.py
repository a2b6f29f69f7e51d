"""continue / stop / last good revision, the busy-group hint, and the ``codedeploy:`` config key."""

from __future__ import annotations

import pytest
from codedeploy_fakes import CodeDeployWorld, Phase

from ecsflow.config import parse_config
from ecsflow.config.codedeploy import CodeDeployConfig
from ecsflow.engines.codedeploy import (
    continue_deployment,
    last_good_revision,
    running_deployment,
    stop_with_rollback,
    task_definition_of,
)
from ecsflow.errors import AwsError, ConfigError, OperationFailed
from ecsflow.model import Outcome
from ecsflow.ports_codedeploy import CodeDeployDeployment

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"


@pytest.fixture
def w() -> CodeDeployWorld:
    return CodeDeployWorld()


def started(w: CodeDeployWorld, phases: list[Phase]) -> str:
    w.cd.script = phases
    deployment_id = w.cd.create_deployment("web-app", "web-dg", "{}")
    w.cd.add_group(last_attempted=deployment_id, last_attempted_status="InProgress")
    return deployment_id


def test_continue_picks_the_wait_the_deployment_is_in(w: CodeDeployWorld) -> None:
    ready = started(w, [Phase(0, "Ready", done=5)])
    group = w.cd.groups[("web-app", "web-dg")]
    continue_deployment(w.cd, group, "web", w.sink, w.clock)
    assert w.cd.continued == [(ready, "READY_WAIT")]
    baking = started(w, [Phase(0, done=8, weight=100.0, termination_wait=True)])
    group = w.cd.groups[("web-app", "web-dg")]
    continue_deployment(w.cd, group, "web", w.sink, w.clock)
    assert w.cd.continued[-1] == (baking, "TERMINATION_WAIT")


def test_continue_refuses_when_nothing_waits(w: CodeDeployWorld) -> None:
    started(w, [Phase(0, done=3)])
    group = w.cd.groups[("web-app", "web-dg")]
    with pytest.raises(OperationFailed, match="does not wait for a continue"):
        continue_deployment(w.cd, group, "web", w.sink, w.clock)
    assert not w.cd.continued
    idle = w.cd.add_group(last_attempted="d-OLD", last_attempted_status="Succeeded")
    with pytest.raises(OperationFailed, match="no CodeDeploy deployment of web is running"):
        continue_deployment(w.cd, idle, "web", w.sink, w.clock)


def test_stop_with_rollback_only_when_one_runs(w: CodeDeployWorld) -> None:
    idle = w.cd.add_group()
    assert stop_with_rollback(w.cd, idle, "web", w.sink, w.clock) is None
    running = started(w, [Phase(0, done=6, weight=10.0)])
    group = w.cd.groups[("web-app", "web-dg")]
    assert running_deployment(w.cd, group) is not None
    stop_with_rollback(w.cd, group, "web", w.sink, w.clock)
    assert w.cd.stopped == [(running, True)]


def test_last_good_revision_reads_the_appspec_of_succeeded_deployments(w: CodeDeployWorld) -> None:
    group = w.cd.add_group()
    older = CodeDeployDeployment("d-1", "Succeeded", appspec_content=f'{{"TaskDefinition": "{ARN}"}}')
    current = CodeDeployDeployment("d-2", "Succeeded", appspec_content=f"TaskDefinition: {ARN[:-1]}8\n")
    w.cd.succeeded_deployments = lambda application, group, *, limit=10: [current, older]  # type: ignore[method-assign]
    assert last_good_revision(w.cd, group, ARN[:-1] + "8") == ARN
    assert task_definition_of("no ARN here") is None and task_definition_of(None) is None


def test_busy_group_says_how_to_go_on(w: CodeDeployWorld) -> None:
    w.cd.add_group()
    busy = AwsError(
        "codedeploy:CreateDeployment failed: DeploymentLimitExceededException: one at a time",
        operation="codedeploy:CreateDeployment",
        code="DeploymentLimitExceededException",
    )
    w.cd.errors["create_deployment"] = [busy]
    _, (result,) = w.deploy()
    assert result.outcome is Outcome.FAILED
    assert "DeploymentLimitExceededException" in result.reason
    assert any("ecsflow continue web" in n and "stays registered" in n for n in result.notes)


def test_config_key_is_parsed_and_checked() -> None:
    text = """
services:
  web:
    codedeploy:
      application: web-app
      deployment_group: web-dg
      deployment_config: CodeDeployDefault.ECSLinear10PercentEvery1Minutes
      appspec: deploy/appspec.yaml
"""
    svc = parse_config(text).services["web"]
    assert svc.codedeploy == CodeDeployConfig(
        "web-app", "web-dg", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "deploy/appspec.yaml"
    )
    assert parse_config("services:\n  web: {}\n").services["web"].codedeploy is None
    bad = "services:\n  web:\n    codedeploy: {application: web-app, appspec: '', extra: 1}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(bad)
    details = "\n".join(caught.value.details())
    assert "services.web.codedeploy.extra: unknown key" in details
    assert "services.web.codedeploy.appspec: expected a non-empty string" in details
    assert "services.web.codedeploy: give application and deployment_group together" in details
    with pytest.raises(ConfigError) as caught:
        parse_config("services:\n  web:\n    codedeploy: [a]\n")
    assert caught.value.details()[0].startswith("ecsflow.yml: services.web.codedeploy: expected a mapping")


def test_an_environment_replaces_the_codedeploy_settings() -> None:
    text = """
services:
  web:
    codedeploy: {application: web-app, deployment_group: web-staging}
environments:
  prod:
    services:
      web:
        codedeploy:
          application: web-app
          deployment_group: web-prod
          deployment_config: CodeDeployDefault.ECSCanary10Percent15Minutes
  staging: {}
"""
    config = parse_config(text)
    prod = config.for_environment("prod").services["web"].codedeploy
    assert prod == CodeDeployConfig("web-app", "web-prod", "CodeDeployDefault.ECSCanary10Percent15Minutes")
    assert config.for_environment("staging").services["web"].codedeploy == CodeDeployConfig("web-app", "web-staging")
    bad = "services:\n  web: {}\nenvironments:\n  prod:\n    services:\n      web:\n"
    bad += "        codedeploy: {application: a}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(bad)
    assert "environments.prod.services.web.codedeploy: give application and deployment_group together" in (
        "\n".join(caught.value.details())
    )
