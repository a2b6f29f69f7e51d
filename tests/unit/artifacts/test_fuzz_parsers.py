"""Parsers raise nothing but ecsflow's own errors, whatever the input (hypothesis, deterministic)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsflow.artifacts.appspec import parse_appspec
from ecsflow.artifacts.buildspec import parse_buildspec
from ecsflow.artifacts.detect import validate_file
from ecsflow.artifacts.imagedefs import parse_image_definitions
from ecsflow.artifacts.imagedetail import parse_image_detail
from ecsflow.artifacts.imageref import ImageRef
from ecsflow.artifacts.taskdef import normalize_task_definition, parse_task_definition
from ecsflow.errors import EcsflowError

EXAMPLES = Path(__file__).parents[3] / "examples"
# Modest and deterministic: the whole suite must stay fast and repeatable.
FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

PARSERS: dict[str, tuple[Callable[[bytes | str, str], Any], str]] = {
    "taskdef": (parse_task_definition, "taskdef.json"),
    "imagedefinitions": (parse_image_definitions, "imagedefinitions.json"),
    "imagedetail": (parse_image_detail, "imageDetail.json"),
    "appspec": (parse_appspec, "appspec.yaml"),
    "buildspec": (parse_buildspec, "buildspec.yml"),
    "detect": (validate_file, "unknown"),
}


def only_own_errors(parse: Callable[[bytes | str, str], Any], content: bytes | str, file: str) -> None:
    try:
        parse(content, file)
    except EcsflowError as exc:
        assert exc.message  # a message for the user, not an empty error
        assert all(p.file for p in getattr(exc, "problems", ()))  # every problem names its file


@pytest.mark.parametrize("name", list(PARSERS))
@FUZZ
@given(content=st.binary(max_size=300))
def test_arbitrary_bytes(name: str, content: bytes) -> None:
    parse, file = PARSERS[name]
    only_own_errors(parse, content, file)


@pytest.mark.parametrize("name", list(PARSERS))
@FUZZ
@given(data=st.data())
def test_text_mutations_of_the_examples(name: str, data: st.DataObject) -> None:
    parse, file = PARSERS[name]
    example = {
        "taskdef": "taskdef.json",
        "imagedefinitions": "imagedefinitions.json",
        "imagedetail": "imageDetail.json",
        "appspec": "appspec.yaml",
        "buildspec": "buildspec.yml",
        "detect": "taskdef.json",
    }[name]
    text = (EXAMPLES / example).read_text()
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 8)))
        insert = data.draw(
            st.sampled_from(["", "{", "}", "[", "]", ":", ",", '"', "\n", "- ", "0.0", "on", "\x00", "é"])
        )
        text = text[:start] + insert + text[end:]
    only_own_errors(parse, text, file)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


@pytest.mark.parametrize(
    ("name", "example", "as_yaml"),
    [
        ("taskdef", "taskdef.json", False),
        ("taskdef", "taskdef.json", True),
        ("imagedefinitions", "imagedefinitions.json", False),
        ("imagedetail", "imageDetail.json", False),
        ("appspec", "appspec.yaml", True),
        ("appspec", "appspec.yaml", False),
        ("buildspec", "buildspec.yml", True),
    ],
)
@FUZZ
@given(data=st.data())
def test_structural_mutations_of_the_examples(name: str, example: str, as_yaml: bool, data: st.DataObject) -> None:
    parse, file = PARSERS[name]
    original = yaml.safe_load((EXAMPLES / example).read_text())
    path = data.draw(st.sampled_from(_paths(original)))
    mutated = _replace(original, path, data.draw(json_values))
    text = yaml.safe_dump(mutated) if as_yaml else json.dumps(mutated)
    target = file if not as_yaml else file.replace(".json", ".yaml")
    only_own_errors(parse, text, target)


@FUZZ
@given(data=json_values)
def test_normalize_any_value(data: Any) -> None:
    only_own_errors(normalize_task_definition, data, "taskdef.json")


@FUZZ
@given(text=st.text(max_size=80) | st.from_regex(r"[a-z0-9.:/@-]{1,40}(@sha256:[0-9a-f]{0,70})?", fullmatch=True))
def test_image_references(text: str) -> None:
    try:
        ref = ImageRef.parse(text)
    except EcsflowError:
        return
    assert str(ref) == text  # whatever parses, prints back the same
