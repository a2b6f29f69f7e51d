"""The generic shape validator, on shapes of the ECS model."""

from __future__ import annotations

from typing import Any

import pytest

from ecsflow.artifacts.loader import load_document
from ecsflow.artifacts.problems import Problems
from ecsflow.artifacts.service_model import shape
from ecsflow.artifacts.shapes import ShapeValidator


def check(value: Any, shape: str, *, yaml_scalars: bool = False) -> tuple[Any, list[str]]:
    problems = Problems("f.json")
    result = ShapeValidator("ecs", yaml_scalars=yaml_scalars).check(value, shape, "", problems)
    return result, [f"{p.path}: {p.message}" for p in problems.errors]


@pytest.mark.parametrize(
    ("value", "shape", "expected"),
    [
        ({"containerPort": "80"}, "PortMapping", ['containerPort: expected integer, got "80"']),
        ({"containerPort": True}, "PortMapping", ["containerPort: expected integer, got true"]),
        ({"containerPort": 80.0}, "PortMapping", ["containerPort: expected integer, got 80.0"]),
        ({"protocol": "TCP"}, "PortMapping", ['protocol: expected one of tcp, udp, got "TCP"']),
        (
            {"containerPortt": 80},
            "PortMapping",
            ["containerPortt: unknown field 'containerPortt'; did you mean 'containerPort'?"],
        ),
        ({"name": "a"}, "Secret", ["valueFrom: required field is missing"]),
        ([], "Secret", [": expected an object, got array"]),
        ({"essential": "true"}, "ContainerDefinition", ['essential: expected boolean (true or false), got "true"']),
        (
            {"cpu": 256},
            "RegisterTaskDefinitionRequest",
            [
                "cpu: expected string, got 256 (quote it)",
                "family: required field is missing",
                "containerDefinitions: required field is missing",
            ],
        ),
        ({"dockerLabels": {"a": 1}}, "ContainerDefinition", ["dockerLabels.a: expected string, got 1 (quote it)"]),
        ({"dockerLabels": {"a.b": None}}, "ContainerDefinition", ['dockerLabels["a.b"]: expected string, got null']),
        ({"links": "x"}, "ContainerDefinition", ['links: expected an array, got "x"']),
        ({"key": ""}, "Tag", ["key: at least 1 characters required, got 0"]),
        ({"key": "k" * 129}, "Tag", ["key: at most 128 characters allowed, got 129"]),
        ({"memory": 0}, "NvidiaMpsAllocation", ["memory: must be at least 1, got 0"]),
        (
            {"memory": 1, "maxComputePercent": 101},
            "NvidiaMpsAllocation",
            ["maxComputePercent: must be at most 100, got 101"],
        ),
    ],
)
def test_problems_with_paths(value: Any, shape: str, expected: list[str]) -> None:
    assert check(value, shape)[1] == expected


def test_list_max_from_the_model() -> None:
    tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]
    _, problems = check({"family": "f", "containerDefinitions": [], "tags": tags}, "RegisterTaskDefinitionRequest")
    assert problems == ["tags: at most 50 items allowed, got 51"]


def test_union_needs_exactly_one_member() -> None:
    members = list(shape("ecs", "SharingStrategy")["members"])
    _, problems = check({}, "SharingStrategy")
    assert problems == [f": set exactly one of: {', '.join(members)} (got 0)"]


def test_sensitive_values_are_not_echoed() -> None:
    _, problems = check({"environment": [{"name": "PASSWORD", "value": 12345}]}, "ContainerDefinition")
    assert problems == ["environment[0].value: expected string, got integer (quote it)"]
    assert "12345" not in problems[0]


def test_yaml_numbers_become_their_text_where_strings_are_expected() -> None:
    data = load_document("cpu: 256\nmemory: 0.5\nfamily: 007\n", "t.yaml").data
    value, problems = check({**data, "containerDefinitions": []}, "RegisterTaskDefinitionRequest", yaml_scalars=True)
    assert problems == []
    assert value["cpu"] == "256" and value["memory"] == "0.5" and value["family"] == "007"


def test_yaml_strings_are_not_turned_into_numbers() -> None:
    _, problems = check({"containerPort": "80"}, "PortMapping", yaml_scalars=True)
    assert problems == ['containerPort: expected integer, got "80"']


def test_result_is_a_copy_in_the_same_order() -> None:
    value = {"protocol": "tcp", "containerPort": 80, "hostPort": 80}
    result, problems = check(value, "PortMapping")
    assert problems == [] and result == value and result is not value
    assert list(result) == ["protocol", "containerPort", "hostPort"]


def test_non_string_keys_are_unknown_fields() -> None:
    _, problems = check({1: "x"}, "PortMapping")
    assert problems == ["[\"1\"]: unknown field '1'"]
