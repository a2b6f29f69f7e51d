"""What the root command knows (global options) and how verbs read it.

The CLI layer is the only place that reads argv, environment variables and the
terminal; it hands plain values down to the factory and the engines.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

import click


class OutputMode(StrEnum):
    TEXT = "text"
    JSON = "json"


_CURRENT: ContextVar[CliContext | None] = ContextVar("ecsflow_cli_context", default=None)


@dataclass
class CliContext:
    debug: bool = False
    output: OutputMode | None = None
    config_path: str | None = None
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None

    @classmethod
    def create(cls, **kwargs: object) -> CliContext:
        ctx = cls(**kwargs)  # type: ignore[arg-type]
        _CURRENT.set(ctx)
        return ctx

    @property
    def json_output(self) -> bool:
        return self.output is OutputMode.JSON

    @property
    def interactive(self) -> bool:
        """A live view is shown only on a terminal, never in CI nor with --output json."""
        if self.json_output or os.environ.get("CI"):
            return False
        return sys.stdout.isatty()


def current_context() -> CliContext | None:
    """The context of the running (or last) invocation, also after click popped its own."""
    return _CURRENT.get()


def get_context() -> CliContext:
    """The CliContext of the running command (inside a click command)."""
    obj = click.get_current_context().find_root().obj
    if isinstance(obj, CliContext):
        return obj
    ctx = CliContext.create()
    click.get_current_context().find_root().obj = ctx
    return ctx
