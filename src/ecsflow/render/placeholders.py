"""Placeholders in templates: CodeDeployToECS's ``<NAME>`` and ``${VAR}`` interpolation.

``<NAME>``: CodeDeployToECS replaces the text ``<`` + ``Image<n>ContainerName`` + ``>``
with the ``ImageURI`` of an imageDetail.json (AWS-SEMANTICS §3.2). Here it is done
on string values (not raw text), so a value can never break the JSON around it.
After rendering, any ``<UPPER_CASE>`` word left is an error: the pipeline's
placeholders are upper case (``<IMAGE1_NAME>``, ``<TASK_DEFINITION>``), while lower
case ``<file>`` is common in shell commands and is left alone.

``${VAR}`` and ``${VAR:-default}``: filled from an environment mapping the caller
passes (the CLI passes ``os.environ``). A missing variable without a default is an
error naming where it is used. ``$${VAR}`` writes a literal ``${VAR}`` (for shell
commands in the task definition).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ecsflow.artifacts.problems import join
from ecsflow.errors import Problem

ANGLE = re.compile(r"<([A-Za-z0-9_.-]+)>")
UNRESOLVED_ANGLE = re.compile(r"<[A-Z][A-Z0-9_]*>")
_INTERPOLATION = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.S)


def map_strings(value: Any, path: str, fn: Callable[[str, str], str]) -> Any:
    """A copy of ``value`` with ``fn(text, path)`` applied to every string value (keys unchanged)."""
    if isinstance(value, str):
        return fn(value, path)
    if isinstance(value, dict):
        return {k: map_strings(v, join(path, k), fn) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, join(path, i), fn) for i, v in enumerate(value)]
    return value


def fill_angle(value: Any, replacements: Mapping[str, str], used: set[str] | None = None) -> Any:
    """Replace ``<NAME>`` for every NAME in ``replacements``; record the names used."""

    def fill(text: str, path: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in replacements:
                if used is not None:
                    used.add(name)
                return replacements[name]
            return match.group(0)

        return ANGLE.sub(one, text)

    return map_strings(value, "", fill)


def interpolate(value: Any, environment: Mapping[str, str], problems: list[Problem]) -> Any:
    """Fill ``${VAR}``/``${VAR:-default}``; append a problem per missing or malformed variable."""

    def fill(text: str, path: str) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            body = match.group(1)
            parsed = _VAR.match(body)
            if parsed is None:
                problems.append(
                    Problem(f"invalid interpolation ${{{body}}}; use ${{NAME}} or ${{NAME:-default}}", path)
                )
                return match.group(0)
            name, default = parsed.group(1), parsed.group(2)
            if name in environment:
                return environment[name]
            if default is not None:
                return default
            problems.append(Problem(f"environment variable {name} is not set (used as ${{{name}}})", path))
            return match.group(0)

        return _INTERPOLATION.sub(one, text)

    return map_strings(value, "", fill)


def unresolved(value: Any) -> list[Problem]:
    """Problems for every ``<UPPER_CASE>`` placeholder left in ``value``.

    ``${…}`` needs no check here: ``interpolate`` reports each one it cannot fill, and
    without interpolation (or after ``$${``) a ``${…}`` is meant literally.
    """
    found: list[Problem] = []

    def check(text: str, path: str) -> str:
        found.extend(
            Problem(f"placeholder {m.group(0)} was not replaced", path) for m in UNRESOLVED_ANGLE.finditer(text)
        )
        return text

    map_strings(value, "", check)
    return found
