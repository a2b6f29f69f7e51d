"""Deployment configs and the AppSpec reader, without moto's backends."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from moto.core.exceptions import ServiceException

from ecsflow.sim.codedeploy.appspec import AppSpecProblem, parse, revision_content
from ecsflow.sim.codedeploy.configs import PREDEFINED, ConfigStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"


def test_the_five_predefined_ecs_configs_exist_with_their_routing() -> None:
    ecs = {n: c.traffic_routing for n, c in PREDEFINED.items() if c.compute_platform == "ECS"}
    assert ecs == {
        "CodeDeployDefault.ECSAllAtOnce": {"type": "AllAtOnce"},
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": {
            "type": "TimeBasedLinear",
            "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 1},
        },
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": {
            "type": "TimeBasedLinear",
            "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 3},
        },
        "CodeDeployDefault.ECSCanary10Percent5Minutes": {
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5},
        },
        "CodeDeployDefault.ECSCanary10Percent15Minutes": {
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15},
        },
    }


def test_custom_linear_config_with_uneven_steps_ends_at_100() -> None:
    store = ConfigStore()
    routing = {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 30, "linearInterval": 2}}
    config = store.create("Linear30", "ECS", routing, None, NOW)
    assert config.traffic_steps() == [(0.0, 30.0), (120.0, 60.0), (240.0, 90.0), (360.0, 100.0)]
    assert store.get("Linear30") is config and "Linear30" in store.names()


@pytest.mark.parametrize(
    ("name", "platform", "routing", "minimum", "expected"),
    [
        ("", "ECS", {"type": "AllAtOnce"}, None, "DeploymentConfigNameRequiredException"),
        ("CodeDeployDefault.Mine", "ECS", {"type": "AllAtOnce"}, None, "InvalidDeploymentConfigNameException"),
        ("bad name", "ECS", {"type": "AllAtOnce"}, None, "InvalidDeploymentConfigNameException"),
        ("x" * 101, "ECS", {"type": "AllAtOnce"}, None, "InvalidDeploymentConfigNameException"),
        ("ok", "Mainframe", None, None, "InvalidComputePlatformException"),
        ("ok", "ECS", None, None, "InvalidTrafficRoutingConfigurationException"),
        ("ok", "ECS", {"type": "Sideways"}, None, "InvalidTrafficRoutingConfigurationException"),
        ("ok", "ECS", {"type": "TimeBasedCanary"}, None, "InvalidTrafficRoutingConfigurationException"),
        (
            "ok",
            "ECS",
            {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 100, "canaryInterval": 5}},
            None,
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            "ok",
            "ECS",
            {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 0}},
            None,
            "InvalidTrafficRoutingConfigurationException",
        ),
        (
            "ok",
            "ECS",
            {"type": "AllAtOnce"},
            {"type": "HOST_COUNT", "value": 1},
            "InvalidMinimumHealthyHostValueException",
        ),
    ],
)
def test_create_deployment_config_errors(
    name: str, platform: str, routing: dict | None, minimum: dict | None, expected: str
) -> None:
    with pytest.raises(ServiceException) as exc:
        ConfigStore().create(name, platform, routing, minimum, NOW)
    assert exc.value.code == expected


def test_duplicate_and_unknown_configs() -> None:
    store = ConfigStore()
    store.create("Mine", "ECS", {"type": "AllAtOnce"}, None, NOW)
    with pytest.raises(ServiceException) as dup:
        store.create("Mine", "ECS", {"type": "AllAtOnce"}, None, NOW)
    assert dup.value.code == "DeploymentConfigAlreadyExistsException"
    with pytest.raises(ServiceException) as missing:
        store.get("Nope")
    assert missing.value.code == "DeploymentConfigDoesNotExistException"


def test_the_custom_config_quota_is_enforced() -> None:
    store = ConfigStore()
    for i in range(200):
        store.create(f"c{i}", "ECS", {"type": "AllAtOnce"}, None, NOW)
    with pytest.raises(ServiceException) as exc:
        store.create("one-more", "ECS", {"type": "AllAtOnce"}, None, NOW)
    assert exc.value.code == "DeploymentConfigLimitExceededException"


YAML_SPEC = f"""
version: 0.0
resources:
  - targetService:
      type: AWS::ECS::Service
      properties:
        taskDefinition: "{TD}"
        loadBalancerInfo:
          containerName: web
          containerPort: 8080
        networkConfiguration:
          awsvpcConfiguration:
            subnets: [subnet-1]
            securityGroups: [sg-1]
            assignPublicIp: DISABLED
hooks:
  - afterAllowTestTraffic: CodeDeployHook_smoke
"""


def test_yaml_appspec_with_lower_case_keys() -> None:
    spec = parse(YAML_SPEC)
    assert (spec.task_definition, spec.container_name, spec.container_port) == (TD, "web", 8080)
    assert spec.hooks == {"AfterAllowTestTraffic": "CodeDeployHook_smoke"}
    assert spec.network_configuration == {
        "awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}
    }


def _json_spec(**props: object) -> str:
    base: dict[str, object] = {
        "TaskDefinition": TD,
        "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80},
    }
    base.update(props)
    return json.dumps({"version": 0.0, "Resources": [{"TargetService": {"Properties": base}}]})


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("version: [unclosed", "not well-formed"),
        ("- just a list", "must be a map"),
        ("version: 0.0", "Resources"),
        (_json_spec(TaskDefinition="web:2"), "full task definition ARN"),
        (_json_spec(TaskDefinition="<TASK_DEFINITION>"), "full task definition ARN"),
        (_json_spec(LoadBalancerInfo={"ContainerPort": 80}), "ContainerName"),
        (_json_spec(LoadBalancerInfo={"ContainerName": "web", "ContainerPort": "80"}), "must be a number"),
        (_json_spec(NetworkConfiguration={"AwsvpcConfiguration": {"Subnets": ["s"]}}), "SecurityGroups"),
    ],
)
def test_appspec_problems_are_reported(content: str, fragment: str) -> None:
    with pytest.raises(AppSpecProblem, match=fragment):
        parse(content)


def test_unknown_hook_event_is_a_problem() -> None:
    doc = json.loads(_json_spec())
    doc["Hooks"] = [{"Install": "fn"}]
    with pytest.raises(AppSpecProblem, match="Install"):
        parse(json.dumps(doc))


def test_revision_content_checks_sha256_and_kinds() -> None:
    content = _json_spec()
    digest = hashlib.sha256(content.encode()).hexdigest()
    assert (
        revision_content({"revisionType": "AppSpecContent", "appSpecContent": {"content": content, "sha256": digest}})
        == content
    )
    assert revision_content({"revisionType": "String", "string": {"content": content}}) == content
    assert revision_content({"revisionType": "S3", "s3Location": {"bucket": "b", "key": "k"}}) is None
    with pytest.raises(ServiceException) as bad:
        revision_content({"revisionType": "AppSpecContent", "appSpecContent": {"content": content, "sha256": "00"}})
    assert bad.value.code == "InvalidRevisionException"
    with pytest.raises(ServiceException) as missing:
        revision_content(None)
    assert missing.value.code == "RevisionRequiredException"
