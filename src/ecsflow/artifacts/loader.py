"""Load JSON or YAML text into plain Python values, with errors users can act on.

Syntax errors carry line and column; non-UTF-8 bytes, empty files and a wrong
top-level type are reported as such. YAML is read with the YAML 1.2 idea of
scalars where YAML 1.1 surprises people:

- ``on``/``off``/``yes``/``no`` stay strings (only ``true``/``false`` are booleans);
- dates and times stay strings (no ``datetime``);
- numbers remember the text they were written as (``SourceInt``/``SourceFloat``), so
  where the AWS shape expects a string, ``version: 0.0`` becomes ``"0.0"`` (not
  ``"0"`` nor ``0``) and ``22:22`` (a YAML 1.1 base-60 integer) becomes ``"22:22"``.

JSON is read like the AWS CLI reads ``--cli-input-json``, except that ``NaN`` and
``Infinity`` (not JSON) are refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any

import yaml

from ecsflow.artifacts.problems import fail, type_name
from ecsflow.errors import ArtifactError, Problem


class Format(StrEnum):
    JSON = "json"
    YAML = "yaml"


class SourceInt(int):
    """An integer read from YAML, with the text it was written as."""

    source: str

    def __new__(cls, value: int, source: str = "") -> SourceInt:
        obj = super().__new__(cls, value)
        obj.source = source or str(int(value))
        return obj


class SourceFloat(float):
    """A float read from YAML, with the text it was written as (``0.0``, ``0.10``, ``1e3``)."""

    source: str

    def __new__(cls, value: float, source: str = "") -> SourceFloat:
        obj = super().__new__(cls, value)
        obj.source = source or repr(float(value))
        return obj


def scalar_text(value: object) -> str | None:
    """The text of a YAML number or boolean written where a string belongs, else None."""
    if isinstance(value, SourceInt | SourceFloat):
        return value.source
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader (C-accelerated when available) with the scalar rules described above."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_int(loader: Any, node: yaml.ScalarNode) -> SourceInt:
    return SourceInt(yaml.SafeLoader.construct_yaml_int(loader, node), str(node.value))


def _construct_float(loader: Any, node: yaml.ScalarNode) -> SourceFloat:
    return SourceFloat(yaml.SafeLoader.construct_yaml_float(loader, node), str(node.value))


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    # PyYAML keeps the last of duplicate keys silently; AWS parsers differ, so refuse them.
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a scalar", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


@dataclass(frozen=True)
class Document:
    """A loaded file: its data, the syntax it was written in, and load warnings."""

    data: Any
    format: Format
    file: str
    warnings: tuple[Problem, ...] = ()


def format_from_name(file: str) -> Format | None:
    suffix = PurePath(file).suffix.lower()
    if suffix == ".json":
        return Format.JSON
    if suffix in (".yml", ".yaml"):
        return Format.YAML
    return None


def decode(content: bytes | str, file: str) -> tuple[str, tuple[Problem, ...]]:
    """UTF-8 text of a file (the pipeline's files are UTF-8); a BOM is dropped with a warning."""
    warnings: tuple[Problem, ...] = ()
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise fail(
                file,
                f"not UTF-8 text (byte 0x{content[exc.start]:02x} at offset {exc.start})",
                hint="Save the file as UTF-8.",
            ) from exc
    else:
        text = content
    if text.startswith("\ufeff"):
        text = text[1:]
        warnings = (Problem("starts with a UTF-8 byte order mark; some AWS readers refuse it", "", file),)
    if not text.strip():
        raise fail(file, "the file is empty", hint="Write the document into the file.")
    return text, warnings


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python's json keeps the last of duplicate keys silently; other readers keep the first.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in an object")
        result[key] = value
    return result


def parse_json(text: str, file: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise fail(
            file,
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            hint="Fix the JSON syntax (a validator such as `python -m json.tool FILE` shows the spot).",
        ) from exc
    except ValueError as exc:
        raise fail(file, f"invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise fail(file, "invalid JSON: nested too deeply") from exc


MAX_YAML_VALUES = 1_000_000  # values after expanding aliases; far above any real pipeline file


def _expanded_size(value: Any, file: str) -> int:
    """Values in ``value`` counting each alias use; refuses self-references and alias bombs.

    YAML aliases share one object, so a small file can stand for an exponential number
    of values (or a list that contains itself); the validators walk what the file
    *means*, so it is measured first, in time linear in the distinct objects.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(item: Any) -> int:
        if not isinstance(item, dict | list):
            return 1
        key = id(item)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise fail(file, "a YAML alias refers to a collection that contains it")
        active.add(key)
        children = list(item.values()) if isinstance(item, dict) else item
        total = 1 + sum(size(child) for child in children)
        active.discard(key)
        if total > MAX_YAML_VALUES:
            raise fail(file, f"the document expands to more than {MAX_YAML_VALUES} values (YAML aliases)")
        sizes[key] = total
        return total

    return size(value)


def parse_yaml(text: str, file: str) -> Any:
    try:
        # _Loader is a safe loader: only plain data, never Python objects.
        data = yaml.load(text, Loader=_Loader)
        _expanded_size(data, file)
        return data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "syntax error"
        raise fail(file, f"invalid YAML{where}: {what}", hint="Fix the YAML syntax.") from exc
    except yaml.YAMLError as exc:
        raise fail(file, f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise fail(file, "invalid YAML: nested too deeply") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        # Odd scalars (e.g. a huge base-60 number) fail inside PyYAML's constructors.
        raise fail(file, f"invalid YAML: {exc}") from exc


def load_document(content: bytes | str, file: str, *, fmt: Format | None = None) -> Document:
    """Load a JSON or YAML document.

    The format comes from ``fmt``, else the file name (``.json``, ``.yml``/``.yaml``),
    else the content: JSON first, then YAML, like the AWS CLI's AppSpec reader.
    """
    text, warnings = decode(content, file)
    fmt = fmt or format_from_name(file)
    if fmt is Format.JSON:
        return Document(parse_json(text, file), Format.JSON, file, warnings)
    if fmt is Format.YAML:
        return Document(parse_yaml(text, file), Format.YAML, file, warnings)
    try:
        return Document(parse_json(text, file), Format.JSON, file, warnings)
    except ArtifactError as json_error:
        if text.lstrip()[:1] in ("{", "["):
            raise json_error from None
    return Document(parse_yaml(text, file), Format.YAML, file, warnings)


def expect_top(doc: Document, kind: type[dict[Any, Any]] | type[list[Any]], what: str) -> None:
    """Refuse a document whose top level is not an object (or array) as the format requires."""
    if not isinstance(doc.data, kind):
        expected = "an object" if kind is dict else "an array"
        raise fail(doc.file, f"{what} must be {expected} at the top level, got {type_name(doc.data)}")
