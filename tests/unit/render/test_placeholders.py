from __future__ import annotations

import pytest

from ecsflow.errors import Problem
from ecsflow.render.placeholders import fill_angle, interpolate, unresolved


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A}", {"A": "1"}, "1"),
        ("x-${A}-${B}", {"A": "1", "B": "2"}, "x-1-2"),
        ("${A:-dflt}", {}, "dflt"),
        ("${A:-}", {}, ""),
        ("${A:-a=b:c}", {}, "a=b:c"),
        ("${A:-dflt}", {"A": ""}, ""),
        ("$${HOME}/bin", {"HOME": "/root"}, "${HOME}/bin"),
        ("$HOME and $ alone", {"HOME": "/root"}, "$HOME and $ alone"),
        ("value=with=equals", {}, "value=with=equals"),
    ],
)
def test_interpolation(text: str, env: dict[str, str], expected: str) -> None:
    problems: list[Problem] = []
    assert interpolate({"k": [text]}, env, problems) == {"k": [expected]}
    assert problems == []


def test_missing_and_malformed_variables_name_their_path() -> None:
    problems: list[Problem] = []
    value = {"containerDefinitions": [{"image": "web:${TAG}", "command": ["${1BAD}", "${}"]}]}
    assert interpolate(value, {}, problems) == value
    assert [str(p) for p in problems] == [
        "containerDefinitions[0].image: environment variable TAG is not set (used as ${TAG})",
        "containerDefinitions[0].command[0]: invalid interpolation ${1BAD}; use ${NAME} or ${NAME:-default}",
        "containerDefinitions[0].command[1]: invalid interpolation ${}; use ${NAME} or ${NAME:-default}",
    ]


def test_angle_placeholders_are_replaced_inside_strings_and_tracked() -> None:
    used: set[str] = set()
    value = {"a": "<IMAGE1_NAME>", "b": ["x <IMAGE2_NAME> y", 3], "<IMAGE1_NAME>": "keys stay"}
    result = fill_angle(value, {"IMAGE1_NAME": "nginx:1", "UNUSED": "z"}, used)
    assert result == {"a": "nginx:1", "b": ["x <IMAGE2_NAME> y", 3], "<IMAGE1_NAME>": "keys stay"}
    assert used == {"IMAGE1_NAME"}


def test_unresolved_upper_case_placeholders_only() -> None:
    value = {"image": "<IMAGE1_NAME>", "command": ["sh", "-c", "cat <file> | grep <pattern>"], "x": "${LITERAL}"}
    assert [str(p) for p in unresolved(value)] == ["image: placeholder <IMAGE1_NAME> was not replaced"]
