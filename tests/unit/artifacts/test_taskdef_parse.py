from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecsflow.artifacts.loader import Format
from ecsflow.artifacts.taskdef import (
    MAX_CONTAINERS,
    normalize_task_definition,
    parse_task_definition,
    read_only_fields,
)
from ecsflow.errors import ArtifactError

EXAMPLES = Path(__file__).parents[3] / "examples"


def container(name: str = "web", **extra: object) -> dict:
    return {"name": name, "image": "nginx:1.27", **extra}


def request(*containers: dict, **extra: object) -> dict:
    return {"family": "web", "containerDefinitions": list(containers or [container()]), **extra}


def errors(data: object, file: str = "taskdef.json") -> list[str]:
    with pytest.raises(ArtifactError) as exc:
        normalize_task_definition(data, file)
    assert exc.value.message.startswith(f"{file} is invalid (")
    return [str(p) for p in exc.value.problems]


def test_example_is_valid_and_kept_in_order() -> None:
    text = (EXAMPLES / "taskdef.json").read_text()
    td = parse_task_definition(text, "taskdef.json")
    assert td.family == "web" and td.container_names == ["web"]
    assert list(td.request) == list(json.loads(text))
    assert td.to_json() + "\n" == text


def test_read_only_fields_come_from_the_model() -> None:
    assert set(read_only_fields()) >= {
        "taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
        "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
    }  # fmt: skip
    assert "tags" not in read_only_fields() and "family" not in read_only_fields()


def test_describe_output_without_wrapper_is_stripped_with_a_warning() -> None:
    data = {**request(), "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
            "revision": 3, "status": "ACTIVE", "compatibilities": ["EC2"], "registeredAt": 1700000000.5}  # fmt: skip
    td = normalize_task_definition(data, "taskdef.json")
    assert td.request == request()
    assert td.stripped == ("taskDefinitionArn", "revision", "status", "compatibilities", "registeredAt")
    assert "removed read-only fields" in str(td.warnings[0]) and "revision" in str(td.warnings[0])


def test_boto3_response_with_wrapper_tags_and_response_metadata() -> None:
    data = {
        "taskDefinition": {**request(), "revision": 1},
        "tags": [{"key": "team", "value": "web"}],
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    td = normalize_task_definition(data, "out.json")
    assert td.request == {**request(), "tags": [{"key": "team", "value": "web"}]}
    assert td.stripped == ("ResponseMetadata", "revision")


def test_tags_inside_and_beside_must_agree() -> None:
    data = {"taskDefinition": request(tags=[{"key": "a", "value": "1"}]), "tags": [{"key": "a", "value": "2"}]}
    assert errors(data) == ["taskdef.json: tags: tags are given both inside and beside taskDefinition, differently"]


def test_all_problems_are_reported_with_paths() -> None:
    data = request(
        container("web", portMappings=[{"containerPort": "80"}]),
        container("side", portMappings=[{"containerPort": 81}, {"containerPort": "x"}], essential="no"),
        networkMode="vpc",
    )
    assert errors(data) == [
        'taskdef.json: containerDefinitions[0].portMappings[0].containerPort: expected integer, got "80"',
        'taskdef.json: containerDefinitions[1].portMappings[1].containerPort: expected integer, got "x"',
        'taskdef.json: containerDefinitions[1].essential: expected boolean (true or false), got "no"',
        'taskdef.json: networkMode: expected one of bridge, host, awsvpc, none, got "vpc"',
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (request(family="web app"), "family: must be 1-255 letters, digits, '_' or '-'"),
        (request(family="f" * 256), "family: must be 1-255 letters, digits, '_' or '-'"),
        (request(container("we.b")), "containerDefinitions[0].name: must be 1-255 letters, digits, '_' or '-'"),
        (request(container("a"), container("a")), "containerDefinitions[1].name: duplicate container name"),
        (request(container("a", essential=False)), "containerDefinitions: at least one container must be essential"),
        ({"family": "web", "containerDefinitions": []}, "containerDefinitions: at least one container definition"),
        (request({"name": "web"}), "containerDefinitions[0].image: required field is missing"),
        (request({"image": "nginx"}), "containerDefinitions[0].name: required field is missing"),
        (request(container(image="nginx@sha1:abc")), "containerDefinitions[0].image: invalid image reference"),
        (request(container(image="a" * 256)), "255"),
        (
            request(*[container(f"c{i}") for i in range(MAX_CONTAINERS + 1)]),
            f"containerDefinitions: 11 containers; ECS allows at most {MAX_CONTAINERS}",
        ),
        (
            request(container(command=["x" * 70000])),
            "bytes serialized; ECS allows at most 65536 (64 KiB)",
        ),
    ],
)
def test_ecs_limits(data: dict, expected: str) -> None:
    found = errors(data)
    assert any(expected in p for p in found), found


def test_ten_containers_and_placeholders_are_fine_in_a_template() -> None:
    containers = [container(f"c{i}", image=f"<IMAGE{i}_NAME>") for i in range(MAX_CONTAINERS)]
    td = normalize_task_definition(request(*containers), "taskdef.json")
    assert len(td.containers) == MAX_CONTAINERS


def test_placeholders_are_checked_when_not_a_template() -> None:
    with pytest.raises(ArtifactError) as exc:
        normalize_task_definition(request(container(image="<IMAGE1_NAME>")), "t.json", templates=False)
    assert "invalid image reference" in str(exc.value.problems[0])


def test_yaml_task_definition_numbers_become_strings_where_ecs_wants_strings() -> None:
    text = "family: web\ncpu: 256\nmemory: 512\ncontainerDefinitions:\n  - name: web\n    image: nginx\n" \
           "    environment:\n      - name: DEBUG\n        value: on\n      - name: RATIO\n        value: 0.50\n"  # fmt: skip  # noqa: E501
    td = parse_task_definition(text, "taskdef.yaml")
    assert td.format is Format.YAML
    assert td.request["cpu"] == "256" and td.request["memory"] == "512"
    assert td.request["containerDefinitions"][0]["environment"] == [
        {"name": "DEBUG", "value": "on"},
        {"name": "RATIO", "value": "0.50"},
    ]


def test_json_numbers_for_strings_are_refused_like_the_aws_cli() -> None:
    assert errors(request(cpu=256)) == ["taskdef.json: cpu: expected string, got 256 (quote it)"]


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ArtifactError) as exc:
        parse_task_definition("[]", "taskdef.json")
    assert "must be an object at the top level, got array" in str(exc.value.problems[0])
