"""No field is ever lost: a request with every model member survives describe → normalize → render."""

from __future__ import annotations

import copy
import json

import yaml
from artifact_modelgen import ShapeGenerator

from ecsflow.artifacts.loader import Format
from ecsflow.artifacts.service_model import member_names
from ecsflow.artifacts.taskdef import parse_task_definition, read_only_fields
from ecsflow.render.taskdef import RenderOptions, render_task_definition

NEW_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2"


def full_request() -> dict:
    gen = ShapeGenerator()
    request = gen.value("RegisterTaskDefinitionRequest")
    request["family"] = "web"
    for i, container in enumerate(request["containerDefinitions"]):
        container["name"] = f"c{i}"
        container["essential"] = True
    return request


def described(request: dict) -> dict:
    """``DescribeTaskDefinition`` output for ``request``: read-only fields inside, tags beside."""
    gen = ShapeGenerator()
    members = gen.model["TaskDefinition"]["members"]
    body = {k: v for k, v in request.items() if k != "tags"}
    for name in read_only_fields():
        body[name] = gen.value(members[name]["shape"])
    return {"taskDefinition": body, "tags": request["tags"]}


def test_generated_request_sets_every_member() -> None:
    request = full_request()
    assert list(request) == list(member_names("ecs", "RegisterTaskDefinitionRequest"))
    container_members = member_names("ecs", "ContainerDefinition")
    assert set(request["containerDefinitions"][0]) == set(container_members)


def test_describe_output_round_trips_with_only_the_new_image_changed() -> None:
    request = full_request()
    text = json.dumps(described(request))
    parsed = parse_task_definition(text, "taskdef.json")
    assert set(parsed.stripped) == set(read_only_fields())
    assert parsed.warnings and "taskDefinitionArn" in parsed.warnings[0].message

    rendered = render_task_definition(parsed, RenderOptions(images=[("c0", NEW_IMAGE)]))

    expected = copy.deepcopy(request)
    expected["containerDefinitions"][0]["image"] = NEW_IMAGE
    result = rendered.task_definition.request
    assert result == expected
    # Order is kept too, container by container (tags come last: they sat beside taskDefinition).
    assert list(result["containerDefinitions"][0]) == list(expected["containerDefinitions"][0])
    assert [k for k in result if k != "tags"] == [k for k in expected if k != "tags"]


def test_yaml_request_round_trips_unchanged() -> None:
    request = full_request()
    parsed = parse_task_definition(yaml.safe_dump(request, sort_keys=False), "taskdef.yaml")
    assert parsed.format is Format.YAML
    assert parsed.request == request
    assert parsed.warnings == ()


def test_input_is_not_mutated_by_rendering() -> None:
    request = full_request()
    parsed = parse_task_definition(json.dumps(request), "taskdef.json")
    before = copy.deepcopy(parsed.request)
    render_task_definition(parsed, RenderOptions(images=[("c0", NEW_IMAGE)], set_env=[("A", "1")], container="c0"))
    assert parsed.request == before
