from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from render_golden import assert_golden

from ecsflow.artifacts.appspec import parse_appspec
from ecsflow.artifacts.serialize import dump_json, dump_yaml
from ecsflow.errors import RenderError
from ecsflow.render.appspec import appspec_from_service, render_appspec

EXAMPLES = Path(__file__).parents[3] / "examples"
ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"


def service() -> dict:
    return json.loads((EXAMPLES / "service.json").read_text())


def test_render_example_golden() -> None:
    source = parse_appspec((EXAMPLES / "appspec.yaml").read_text())
    rendered = render_appspec(source, ARN)
    assert rendered.task_definition == ARN and rendered.warnings == ()
    assert source.task_definition == "<TASK_DEFINITION>"  # the template is not changed
    assert_golden("appspec-rendered.yaml", dump_yaml(rendered.data))


def test_literal_arn_is_kept_with_a_warning() -> None:
    other = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
    source = parse_appspec((EXAMPLES / "appspec.yaml").read_text().replace("<TASK_DEFINITION>", other))
    rendered = render_appspec(source, ARN)
    assert rendered.task_definition == other
    assert "kept the literal ARN" in rendered.warnings[0].message


def test_lower_case_keys_are_rendered_in_place() -> None:
    text = json.dumps(
        {
            "version": 0.0,
            "resources": [{"TargetService": {"type": "AWS::ECS::Service", "properties": {
                "taskdefinition": "<TASK_DEFINITION>",
                "loadbalancerinfo": {"containername": "web", "containerport": 8080}}}}],
        }
    )  # fmt: skip
    rendered = render_appspec(parse_appspec(text, "appspec.json"), ARN)
    assert rendered.data["resources"][0]["TargetService"]["properties"]["taskdefinition"] == ARN
    assert dump_json(rendered.data).startswith('{\n  "version": 0.0,')


@pytest.mark.parametrize(
    "arn", ["web:7", "arn:aws:ecs:us-east-1:123456789012:task-definition/web", "<TASK_DEFINITION>"]
)
def test_arn_must_be_full(arn: str) -> None:
    source = parse_appspec((EXAMPLES / "appspec.yaml").read_text())
    with pytest.raises(RenderError) as exc:
        render_appspec(source, arn)
    assert "not a full task definition ARN" in exc.value.message


def test_other_placeholders_left_are_errors() -> None:
    text = (EXAMPLES / "appspec.yaml").read_text().replace("ContainerName: web", "ContainerName: <CONTAINER>")
    with pytest.raises(RenderError) as exc:
        render_appspec(parse_appspec(text), ARN)
    assert "placeholder <CONTAINER> was not replaced" in str(exc.value.problems[0])


def test_from_service_golden() -> None:
    spec = appspec_from_service(service(), hooks={"AfterAllowTestTraffic": "CodeDeployHook_smoke"})
    assert (spec.container_name, spec.container_port, spec.task_definition) == ("web", 8080, "<TASK_DEFINITION>")
    assert_golden("appspec-from-service.yaml", dump_yaml(spec.data))


def test_from_service_with_capacity_providers_and_arn() -> None:
    svc = service()["services"][0]
    svc["capacityProviderStrategy"] = [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    del svc["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"]
    spec = appspec_from_service(svc, task_definition_arn=ARN)
    props = spec.properties
    assert props["TaskDefinition"] == ARN
    assert props["CapacityProviderStrategy"] == [
        {"Base": 1, "CapacityProvider": "FARGATE", "Weight": 1},
        {"Base": 0, "CapacityProvider": "FARGATE_SPOT", "Weight": 3},
    ]
    assert props["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert "Hooks" not in spec.data
    # what it wrote is a valid AppSpec
    assert parse_appspec(dump_yaml(spec.data)).data == json.loads(dump_json(spec.data))


def test_from_service_choosing_the_container() -> None:
    svc = copy.deepcopy(service())
    svc["services"][0]["loadBalancers"].append({"containerName": "admin", "containerPort": 9090})
    spec = appspec_from_service(svc, container_name="admin")
    assert (spec.container_name, spec.container_port) == ("admin", 9090)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["services"][0].update(loadBalancers=[]), "the service has no load balancer"),
        (lambda s: s["services"].append(s["services"][0]), "expected exactly one service, found 2"),
        (lambda s: s.update(services=[]), "expected exactly one service, found 0"),
    ],
)
def test_from_service_errors(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    mutate(svc)
    with pytest.raises(RenderError) as exc:
        appspec_from_service(svc)
    assert message in exc.value.message


def test_from_service_bad_hook() -> None:
    with pytest.raises(RenderError) as exc:
        appspec_from_service(service(), hooks={"Install": "fn"})
    assert "not hookable ECS lifecycle events: Install" in str(exc.value.problems[0])


def test_not_a_service() -> None:
    with pytest.raises(RenderError) as exc:
        appspec_from_service({"family": "web"})
    assert "not a DescribeServices result" in exc.value.message
