"""Scenario files (YAML or JSON): how services behave and which API faults happen.

Example::

    seed: 7
    failing_images: ["*:broken*"]
    services:
      demo/web:                 # cluster/service, service, or "*"
        task_start_seconds: 30
        fail_first_tasks: 2
        hook_results: {AfterAllowTestTraffic: FAILED}
    faults:
      "ecs:DescribeServices": {throttle_every: 3}
      "ecs:*": {rate: 20, burst: 50}
      "codedeploy:GetDeployment": {drop_attempts: [1]}

Every key is checked; an unknown or mistyped one is reported with its path, so a typo
never silently means "healthy".
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ecsflow.errors import InputError, Problem, problems_error
from ecsflow.sim.context import OperationFaults, Scenario, ServiceScenario

_TOP_KEYS = {"seed", "failing_images", "services", "faults"}


def load_scenario_file(path: str | Path) -> Scenario:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read the scenario file {file}: {exc.strerror}",
            hint="give the path of a YAML or JSON scenario file (see docs/local.md)",
        ) from exc
    import yaml

    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise InputError(
            f"{file} is not valid YAML or JSON: {exc}", hint="fix the syntax of the scenario file"
        ) from exc
    return scenario_from_dict(data, file=file)


def scenario_from_dict(data: Any, *, file: str | None = None) -> Scenario:
    """Build a ``Scenario``; raises ``InputError`` listing every problem."""
    problems: list[Problem] = []
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping", [Problem("expected a mapping", "", file)])
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(Problem(f"unknown key (expected one of {', '.join(sorted(_TOP_KEYS))})", key, file))
    scenario = Scenario()
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.append(Problem("expected an integer", "seed", file))
    else:
        scenario.seed = seed
    if "failing_images" in data:
        images = data["failing_images"]
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            problems.append(Problem("expected a list of strings", "failing_images", file))
        else:
            scenario.failing_images = list(images)
    for key, value in _mapping(data, "services", problems, file).items():
        service = _build(ServiceScenario, value, f"services.{key}", problems, file)
        if service is not None:
            scenario.services[str(key)] = service
    for key, value in _mapping(data, "faults", problems, file).items():
        faults = _build(OperationFaults, value, f"faults.{key}", problems, file)
        if faults is not None:
            scenario.faults[str(key)] = faults
    if problems:
        raise problems_error(
            InputError, file or "the scenario", problems, hint="see the scenario format in docs/local.md"
        )
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    return {
        "seed": scenario.seed,
        "failing_images": list(scenario.failing_images),
        "services": {k: _plain(dataclasses.asdict(v)) for k, v in scenario.services.items()},
        "faults": {k: _plain(dataclasses.asdict(v)) for k, v in scenario.faults.items()},
    }


def scenario_to_json(scenario: Scenario) -> str:
    return json.dumps(scenario_to_dict(scenario), sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _mapping(data: dict[str, Any], key: str, problems: list[Problem], file: str | None) -> dict[Any, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        problems.append(Problem("expected a mapping", key, file))
        return {}
    return value


def _build(cls: type[Any], value: Any, path: str, problems: list[Problem], file: str | None) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append(Problem("expected a mapping", path, file))
        return None
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            problems.append(
                Problem(f"unknown key (expected one of {', '.join(sorted(fields))})", f"{path}.{key}", file)
            )
            continue
        converted = _convert(field, item)
        if converted is _INVALID:
            problems.append(Problem(f"expected {_describe(field)}", f"{path}.{key}", file))
            continue
        kwargs[key] = converted
    return cls(**kwargs)


_INVALID = object()


def _kind(field: dataclasses.Field[Any]) -> str:
    """The field's annotation as written (``"float | None"``), whether or not annotations are strings."""
    if isinstance(field.type, str):
        return field.type
    return field.type.__name__ if isinstance(field.type, type) else str(field.type)


def _describe(field: dataclasses.Field[Any]) -> str:
    return {
        "int": "an integer",
        "float": "a number",
        "float | None": "a number",
        "bool": "true or false",
        "str": "a string",
        "tuple[str, ...]": "a list of strings",
        "tuple[int, ...]": "a list of integers",
        "dict[str, str]": "a mapping of strings",
    }.get(_kind(field), _kind(field))


def _convert(field: dataclasses.Field[Any], item: Any) -> Any:
    kind = _kind(field)
    if kind == "bool":
        return item if isinstance(item, bool) else _INVALID
    if isinstance(item, bool):
        return _INVALID
    if kind == "int":
        return item if isinstance(item, int) else _INVALID
    if kind in ("float", "float | None"):
        if item is None and kind == "float | None":
            return None
        return float(item) if isinstance(item, int | float) else _INVALID
    if kind == "str":
        return item if isinstance(item, str) else _INVALID
    if kind.startswith("tuple["):
        member = str if "str" in kind else int
        if isinstance(item, list) and all(isinstance(i, member) and not isinstance(i, bool) for i in item):
            return tuple(item)
        return _INVALID
    if kind == "dict[str, str]":
        if isinstance(item, dict) and all(isinstance(v, str) for v in item.values()):
            return {str(k): v for k, v in item.items()}
        return _INVALID
    return _INVALID
