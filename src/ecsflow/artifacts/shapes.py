"""A generic validator of plain data against a botocore service-model shape.

It checks what botocore's parameter validation checks (types, required members,
unknown members, enums, unions) and also the ``min``/``max`` the model states
(botocore itself only checks minimums), reporting every problem with its path.

It returns a *copy* of the value. With ``yaml_scalars=True`` a YAML number or
boolean written where the shape expects a string becomes the text it was written
as (``cpu: 256`` → ``"256"``); JSON input is not coerced, like the AWS CLI.
``pattern`` traits are not checked: the model writes them with Java regex classes
(``\\p{L}``) that Python's ``re`` does not have, and AWS re-checks them anyway.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.loader import scalar_text
from ecsflow.artifacts.problems import Problems, as_str_key, got, join
from ecsflow.artifacts.service_model import Shape, shapes


@dataclass(frozen=True)
class ShapeValidator:
    """Validates values against the shapes of one service model."""

    service: str
    yaml_scalars: bool = False

    def check(self, value: Any, shape_name: str, path: str, problems: Problems) -> Any:
        """Validate ``value`` as ``shape_name`` at ``path``; return a normalized copy."""
        return self._check(value, shapes(self.service)[shape_name], path, problems, False)

    def _check(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        sensitive = sensitive or bool(shape.get("sensitive"))
        kind = shape["type"]
        handler = _HANDLERS.get(kind)
        if handler is None:  # "document" and any future type: accept as is
            return value
        return handler(self, value, shape, path, problems, sensitive)

    # --- containers ------------------------------------------------------------------

    def _structure(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if not isinstance(value, dict):
            problems.add(path, f"expected an object, {got(value, sensitive=sensitive)}")
            return value
        members: Mapping[str, Any] = shape.get("members", {})
        model = shapes(self.service)
        result: dict[Any, Any] = {}
        for key, item in value.items():
            member = members.get(key) if isinstance(key, str) else None
            if member is None:
                problems.add(join(path, as_str_key(key)), _unknown(key, members))
                result[key] = item
                continue
            result[key] = self._check(item, model[member["shape"]], join(path, key), problems, sensitive)
        for name in shape.get("required", ()):
            if name not in value:
                problems.add(join(path, name), "required field is missing")
        if shape.get("union") and len(value) != 1:
            names = ", ".join(members)
            problems.add(path, f"set exactly one of: {names} (got {len(value)})")
        return result

    def _list(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if not isinstance(value, list):
            problems.add(path, f"expected an array, {got(value, sensitive=sensitive)}")
            return value
        _check_size(len(value), shape, path, problems, "items")
        member = shapes(self.service)[shape["member"]["shape"]]
        return [self._check(item, member, join(path, i), problems, sensitive) for i, item in enumerate(value)]

    def _map(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if not isinstance(value, dict):
            problems.add(path, f"expected an object, {got(value, sensitive=sensitive)}")
            return value
        _check_size(len(value), shape, path, problems, "entries")
        model = shapes(self.service)
        key_shape, value_shape = model[shape["key"]["shape"]], model[shape["value"]["shape"]]
        result: dict[Any, Any] = {}
        for key, item in value.items():
            item_path = join(path, as_str_key(key))
            new_key = self._check(key, key_shape, item_path, problems, False)
            result[new_key] = self._check(item, value_shape, item_path, problems, sensitive)
        return result

    # --- scalars ---------------------------------------------------------------------

    def _string(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if not isinstance(value, str):
            text = scalar_text(value) if self.yaml_scalars else None
            if text is None:
                hint = " (quote it)" if isinstance(value, int | float) else ""
                problems.add(path, f"expected string, {got(value, sensitive=sensitive)}{hint}")
                return value
            value = text
        enum = shape.get("enum")
        if enum is not None and value not in enum:
            problems.add(path, f"expected one of {', '.join(enum)}, {got(value, sensitive=sensitive)}")
        _check_size(len(value), shape, path, problems, "characters")
        return value

    def _integer(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(path, f"expected integer, {got(value, sensitive=sensitive)}")
            return value
        value = int(value)
        _check_range(value, shape, path, problems)
        return value

    def _number(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(path, f"expected number, {got(value, sensitive=sensitive)}")
            return value
        value = float(value) if isinstance(value, float) else int(value)  # plain types, not YAML's Source*
        _check_range(value, shape, path, problems)
        return value

    def _boolean(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if not isinstance(value, bool):
            problems.add(path, f"expected boolean (true or false), {got(value, sensitive=sensitive)}")
        return value

    def _timestamp(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        # DescribeTaskDefinition gives epoch seconds (JSON) or ISO text (AWS CLI output).
        if isinstance(value, bool) or not isinstance(value, int | float | str | datetime.datetime):
            problems.add(path, f"expected a timestamp, {got(value, sensitive=sensitive)}")
        return value

    def _blob(self, value: Any, shape: Shape, path: str, problems: Problems, sensitive: bool) -> Any:
        if not isinstance(value, str | bytes):
            problems.add(path, f"expected base64 text, {got(value, sensitive=sensitive)}")
        return value


def _unknown(key: object, members: Mapping[str, Any]) -> str:
    message = f"unknown field {as_str_key(key)!r}"
    if isinstance(key, str):
        close = difflib.get_close_matches(key, list(members), n=1)
        if not close:
            lowered = {m.lower(): m for m in members}
            close = [lowered[key.lower()]] if key.lower() in lowered else []
        if close:
            return f"{message}; did you mean {close[0]!r}?"
    return message


def _check_size(size: int, shape: Shape, path: str, problems: Problems, unit: str) -> None:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and size < low:
        problems.add(path, f"at least {low} {unit} required, got {size}")
    if high is not None and size > high:
        problems.add(path, f"at most {high} {unit} allowed, got {size}")


def _check_range(value: float, shape: Shape, path: str, problems: Problems) -> None:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and value < low:
        problems.add(path, f"must be at least {low}, got {value}")
    if high is not None and value > high:
        problems.add(path, f"must be at most {high}, got {value}")


_HANDLERS: dict[str, Any] = {
    "structure": ShapeValidator._structure,
    "list": ShapeValidator._list,
    "map": ShapeValidator._map,
    "string": ShapeValidator._string,
    "integer": ShapeValidator._integer,
    "long": ShapeValidator._integer,
    "double": ShapeValidator._number,
    "float": ShapeValidator._number,
    "boolean": ShapeValidator._boolean,
    "timestamp": ShapeValidator._timestamp,
    "blob": ShapeValidator._blob,
}
