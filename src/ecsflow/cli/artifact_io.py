"""File input and output shared by the artifact verbs (validate, convert, render).

Reading files and writing stdout happen here, in the CLI layer; the artifact and
render layers only see bytes and return values.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from ecsflow.cli.console import write_json
from ecsflow.cli.context import get_context
from ecsflow.errors import InputError, Problem, UsageError


def read_input(path: str) -> bytes:
    """The bytes of ``path`` (``-`` is stdin); a missing or unreadable file is an input error."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", [Problem("no such file", "", path)]) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file", [Problem("is a directory", "", path)]) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror}", [Problem(str(exc.strerror), "", path)]) from exc


def split_pairs(values: Iterable[str], option: str, what: str = "NAME=VALUE") -> list[tuple[str, str]]:
    """``NAME=VALUE`` pairs, split at the first ``=`` only (values may contain ``=``)."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} {value!r}: expected {what}", hint=f"Example: {option} {what}")
        pairs.append((name, rest))
    return pairs


def print_warnings(warnings: Sequence[Problem]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def emit(
    text: str,
    *,
    output_path: str | None,
    result: dict[str, Any],
    document: Any,
    warnings: Sequence[Problem] = (),
) -> None:
    """Write ``text`` to ``output_path`` or stdout; with ``--output json`` print a result object instead.

    The result object is ``{"ok": true, ..., "written_to": path|null, "document": …, "warnings": […]}``;
    the document is embedded only when it is not written to a file.
    """
    if output_path:
        try:
            Path(output_path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{output_path}: cannot be written: {exc.strerror}") from exc
    ctx = get_context()
    if ctx.json_output:
        payload = {"ok": True, **result, "written_to": output_path}
        if not output_path:
            payload["document"] = document
        payload["warnings"] = [_problem_dict(w) for w in warnings]
        write_json(payload)
        return
    print_warnings(warnings)
    if output_path:
        click.echo(f"wrote {output_path}", err=True)
    else:
        click.echo(text, nl=False)


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {"file": problem.file, "path": problem.path, "message": problem.message}
