"""Task definitions: the ``RegisterTaskDefinition`` request, from JSON or YAML.

Accepted input (AWS-SEMANTICS §8.1): the request shape itself, or
``DescribeTaskDefinition`` output with or without its ``taskDefinition`` wrapper
and with ``tags`` beside it. The read-only fields of the description are computed
from botocore's model (members of the ``TaskDefinition`` output shape that the
``RegisterTaskDefinitionRequest`` input shape lacks), stripped, and named in
warnings. Everything else is validated against the model and kept as written, in
order: rendering never drops a field (``tests/unit/artifacts/test_lossless.py``).

Placeholders (``<IMAGE1_NAME>``, ``${TAG}``) are allowed here: a task definition
template is valid before rendering. ``ecsflow.render`` refuses any left afterwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecsflow.artifacts.imageref import image_problem
from ecsflow.artifacts.loader import Format, load_document
from ecsflow.artifacts.problems import Problems, fail, join, type_name
from ecsflow.artifacts.service_model import member_names
from ecsflow.artifacts.shapes import ShapeValidator
from ecsflow.errors import Problem

SERVICE = "ecs"
REQUEST_SHAPE = "RegisterTaskDefinitionRequest"
DESCRIPTION_SHAPE = "TaskDefinition"
# Extra keys of DescribeTaskDefinition output as boto3 returns it (not part of the model shapes).
RESPONSE_ONLY = ("ResponseMetadata",)

MAX_CONTAINERS = 10  # ECS quota "containers per task definition", not adjustable (§8.2)
MAX_SIZE_BYTES = 65536  # ECS quota "task definition size", 64 KiB (§8.2, [observed])
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,255}$")  # family and container names (§8.2)
# A template placeholder: CodePipeline's <IMAGE1_NAME> or an ${VAR} interpolation.
PLACEHOLDER = re.compile(r"<[A-Za-z0-9_.-]+>|\$\{[^}]*\}")


@dataclass(frozen=True)
class TaskDefinitionInput:
    """A validated ``RegisterTaskDefinition`` request (treat ``request`` as read-only) and warnings."""

    request: dict[str, Any]
    warnings: tuple[Problem, ...] = ()
    file: str = "taskdef.json"
    format: Format = Format.JSON
    stripped: tuple[str, ...] = field(default=())

    @property
    def family(self) -> str:
        return str(self.request.get("family", ""))

    @property
    def containers(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request.get("containerDefinitions", [])
        return result

    @property
    def container_names(self) -> list[str]:
        return [str(c.get("name")) for c in self.containers]

    def to_json(self, *, indent: int | None = 2) -> str:
        return task_definition_json(self.request, indent=indent)


def read_only_fields() -> tuple[str, ...]:
    """Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses (from the model)."""
    accepted = set(member_names(SERVICE, REQUEST_SHAPE))
    return tuple(m for m in member_names(SERVICE, DESCRIPTION_SHAPE) if m not in accepted)


def parse_task_definition(content: bytes | str, file: str, *, fmt: Format | None = None) -> TaskDefinitionInput:
    """Load and validate a task definition file; raises ``ArtifactError`` listing every problem."""
    doc = load_document(content, file, fmt=fmt)
    result = normalize_task_definition(doc.data, file, yaml_scalars=doc.format is Format.YAML)
    return TaskDefinitionInput(result.request, doc.warnings + result.warnings, file, doc.format, result.stripped)


def normalize_task_definition(
    data: Any, file: str, *, yaml_scalars: bool = False, templates: bool = True
) -> TaskDefinitionInput:
    """Turn request or description data into a validated request; raises ``ArtifactError``.

    ``templates=False`` (a rendered result) checks names and images even when they
    look like placeholders.
    """
    problems = Problems(file)
    if not isinstance(data, dict):
        raise fail(file, f"a task definition must be an object at the top level, got {type_name(data)}")
    body, stripped = _unwrap(data, problems)
    validator = ShapeValidator(SERVICE, yaml_scalars=yaml_scalars)
    request = validator.check(body, REQUEST_SHAPE, "", problems)
    if not problems:
        problems.extend(check_limits(request, templates=templates))
    problems.raise_if_any(hint=_hint(problems))
    return TaskDefinitionInput(request, tuple(problems.warnings), file, stripped=stripped)


def _unwrap(data: dict[Any, Any], problems: Problems) -> tuple[dict[Any, Any], tuple[str, ...]]:
    """The request body of ``data``: unwrap ``{"taskDefinition": …, "tags": …}`` and strip read-only fields."""
    stripped: list[str] = []
    body = dict(data)
    wrapped = isinstance(body.get("taskDefinition"), dict) and "containerDefinitions" not in body
    if wrapped:
        outer = body
        body = dict(outer["taskDefinition"])
        for key in outer:
            if key in ("taskDefinition", "tags"):
                continue
            if key in RESPONSE_ONLY:
                stripped.append(key)
            else:
                problems.add(join("", str(key)), f"unknown field {key!r} beside taskDefinition")
        if "tags" in outer:
            if "tags" in body and body["tags"] != outer["tags"]:
                problems.add("tags", "tags are given both inside and beside taskDefinition, differently")
            body["tags"] = outer["tags"]
    for key in (*read_only_fields(), *RESPONSE_ONLY):
        if key in body:
            del body[key]
            stripped.append(key)
    if stripped:
        names = ", ".join(dict.fromkeys(stripped))
        problems.warn("", f"removed read-only fields of DescribeTaskDefinition output: {names}")
    return body, tuple(dict.fromkeys(stripped))


def check_limits(request: Mapping[str, Any], *, templates: bool = True) -> list[Problem]:
    """ECS rules the model does not state: names, container count, essential, images, size."""
    out: list[Problem] = []
    skip = has_placeholder if templates else _never
    family = request.get("family")
    if isinstance(family, str) and not skip(family) and not NAME_PATTERN.match(family):
        out.append(Problem("must be 1-255 letters, digits, '_' or '-'", "family"))
    containers = request.get("containerDefinitions") or []
    if not containers:
        out.append(Problem("at least one container definition is required", "containerDefinitions"))
    if len(containers) > MAX_CONTAINERS:
        out.append(
            Problem(f"{len(containers)} containers; ECS allows at most {MAX_CONTAINERS}", "containerDefinitions")
        )
    seen: dict[str, int] = {}
    for i, container in enumerate(containers):
        out.extend(_check_container(container, join("containerDefinitions", i), seen, i, skip))
    if containers and all(c.get("essential") is False for c in containers):
        out.append(Problem("at least one container must be essential", "containerDefinitions"))
    size = len(task_definition_json(request, indent=None).encode("utf-8"))
    if size > MAX_SIZE_BYTES:
        out.append(Problem(f"{size} bytes serialized; ECS allows at most {MAX_SIZE_BYTES} (64 KiB)", ""))
    return out


def _check_container(
    container: Mapping[str, Any], path: str, seen: dict[str, int], index: int, skip: Callable[[str], bool]
) -> list[Problem]:
    out: list[Problem] = []
    name = container.get("name")
    if name is None:
        out.append(Problem("required field is missing", join(path, "name")))
    elif not skip(name) and not NAME_PATTERN.match(name):
        out.append(Problem("must be 1-255 letters, digits, '_' or '-'", join(path, "name")))
    elif name in seen:
        out.append(Problem(f"duplicate container name (also containerDefinitions[{seen[name]}])", join(path, "name")))
    else:
        seen[name] = index
    image = container.get("image")
    if image is None:
        out.append(Problem("required field is missing", join(path, "image")))
    elif not skip(image):
        why = image_problem(image)
        if why:
            out.append(Problem(f"invalid image reference {image!r}: {why}", join(path, "image")))
    return out


def has_placeholder(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None


def _never(text: str) -> bool:
    return False


def task_definition_json(request: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """The request as JSON (``indent=None``: compact, as ECS measures its size)."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(request, indent=indent, separators=separators, ensure_ascii=False, default=str)


def _hint(problems: Problems) -> str:
    if any("unknown field" in p.message for p in problems.errors):
        return "Fix the fields listed; the names and types follow the ECS RegisterTaskDefinition API."
    return "Fix the fields listed (see the ECS RegisterTaskDefinition API reference)."
