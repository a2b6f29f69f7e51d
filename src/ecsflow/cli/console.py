"""Printing results and errors: plain text for people, one JSON object for machines.

Errors go to stderr as ``error: <message>``, one line per problem, then ``hint: …``.
With ``--output json`` the error is also written to stdout as a JSON object so a
CI step can parse it. A bug (not an ``EcsflowError``) gets a "please report" line.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Mapping
from typing import Any, TextIO

from ecsflow import __version__
from ecsflow.errors import EcsflowError, ExitCode, InputError

REPORT_URL = "https://github.com/ecsflow/ecsflow/issues"


def error_payload(exc: EcsflowError) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": exc.message,
        "exit_code": int(exc.exit_code),
    }
    if isinstance(exc, InputError):
        payload["problems"] = [{"file": p.file, "path": p.path, "message": p.message} for p in exc.problems]
    elif exc.details():
        payload["details"] = list(exc.details())
    if exc.hint:
        payload["hint"] = exc.hint
    return payload


def print_error(exc: EcsflowError, *, debug: bool = False, json_mode: bool = False) -> None:
    err = sys.stderr
    err.write(f"error: {exc.message}\n")
    for line in exc.details():
        err.write(f"  - {line}\n")
    if exc.hint:
        err.write(f"hint: {exc.hint}\n")
    if debug:
        _write_chain(exc, err)
    if json_mode:
        write_json({"ok": False, "error": error_payload(exc)})


def print_bug(exc: BaseException, *, debug: bool) -> None:
    err = sys.stderr
    err.write(f"error: unexpected internal error: {type(exc).__name__}: {exc}\n")
    err.write(
        f"This is a bug in ecsflow {__version__}. Please report it at {REPORT_URL} "
        "with the command you ran and the output of the same command with --debug.\n"
    )
    if debug:
        traceback.print_exception(exc, file=err)
    err.write(f"(exit code {int(ExitCode.INTERNAL)})\n")


def _write_chain(exc: BaseException, out: TextIO) -> None:
    out.write("\ncause chain (--debug):\n")
    traceback.print_exception(exc, file=out)


def write_json(obj: Mapping[str, Any], out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    stream.write(json.dumps(obj, sort_keys=False, default=str) + "\n")
    stream.flush()
