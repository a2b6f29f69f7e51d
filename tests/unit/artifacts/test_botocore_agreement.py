"""What ecsflow's validator accepts, botocore's own parameter validation accepts too.

Tests may import botocore (only the product layers may not): this is a differential
check of ``ecsflow.artifacts.shapes`` against ``botocore.validate.ParamValidator``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
from artifact_modelgen import ShapeGenerator
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsflow.artifacts.taskdef import normalize_task_definition, parse_task_definition
from ecsflow.errors import ArtifactError

EXAMPLES = Path(__file__).parents[3] / "examples"
INPUT_SHAPE = (
    botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition").input_shape
)
SETTINGS = settings(
    max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def botocore_errors(request: dict[str, Any]) -> str:
    report = ParamValidator().validate(request, INPUT_SHAPE)
    return report.generate_report() if report.has_errors() else ""


def test_full_generated_request_passes_botocore() -> None:
    request = ShapeGenerator().value("RegisterTaskDefinitionRequest")
    request["family"] = "web"
    for i, container in enumerate(request["containerDefinitions"]):
        container["name"] = f"c{i}"
    accepted = normalize_task_definition(request, "taskdef.json").request
    assert botocore_errors(accepted) == ""


def test_rendered_example_passes_botocore() -> None:
    text = (EXAMPLES / "taskdef.json").read_text().replace("<IMAGE1_NAME>", "nginx:1.27")
    assert botocore_errors(parse_task_definition(text, "taskdef.json").request) == ""


scalars = st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(-1, 10, allow_nan=False) | st.text(max_size=6)
values = st.recursive(
    scalars,
    lambda c: (
        st.lists(c, max_size=2)
        | st.dictionaries(st.sampled_from(["name", "value", "x", "containerPort"]), c, max_size=2)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found += _paths(item, (*prefix, key))
    return found


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _set(copy[path[0]], path[1:], new)
    return copy


@SETTINGS
@given(data=st.data())
def test_mutated_example_accepted_only_if_botocore_accepts(data: st.DataObject) -> None:
    original = json.loads((EXAMPLES / "taskdef.json").read_text().replace("<IMAGE1_NAME>", "nginx"))
    path = data.draw(st.sampled_from(_paths(original)))
    mutated = _set(original, path, data.draw(values))
    try:
        accepted = normalize_task_definition(mutated, "taskdef.json").request
    except ArtifactError:
        return
    assert botocore_errors(accepted) == ""
