"""Collecting problems with their paths, and raising them all at once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ecsflow.errors import ArtifactError, Problem, problems_error

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def join(path: str, key: object) -> str:
    """Extend an AWS-style path: ``a.b[1].c``; odd map keys are quoted: ``dockerLabels["x.y"]``."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    text = str(key)
    if _IDENTIFIER.match(text):
        return f"{path}.{text}" if path else text
    return f"{path}[{json.dumps(text)}]"


def type_name(value: object) -> str:
    """The JSON word for a value's type (what users see in their file)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def show(value: object, limit: int = 40) -> str:
    """A short JSON rendering of a value for messages: ``"80"``, ``true``, ``{…}``."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def got(value: object, *, sensitive: bool = False) -> str:
    """``got "80"``; for sensitive fields only the type, never the value."""
    if sensitive or isinstance(value, dict | list | tuple) or value is None:
        return f"got {type_name(value)}"
    return f"got {show(value)}"


class Problems:
    """An ordered collection of problems (errors) and warnings for one file."""

    def __init__(self, file: str | None = None) -> None:
        self.file = file
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(Problem(message, path, self.file))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(message, path, self.file))

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.errors.append(p if p.file or not self.file else p.in_file(self.file))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, what: str | None = None, *, hint: str | None = None) -> None:
        if self.errors:
            raise problems_error(ArtifactError, what or self.file or "the input", self.errors, hint=hint)


def fail(file: str, message: str, path: str = "", *, hint: str | None = None) -> ArtifactError:
    """An ArtifactError with a single problem (for whole-file failures such as bad syntax)."""
    return ArtifactError(f"{file} is invalid: {message}", [Problem(message, path, file)], hint=hint)


def as_str_key(key: Any) -> str:
    return key if isinstance(key, str) else show(key)
