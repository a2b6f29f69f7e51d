"""How ecsflow shows deployments: a live view, plain lines, JSON lines, a Markdown summary.

``make_reporter`` picks the mode from the CLI context:

* ``--output json``            → ``JsonReporter`` (JSON lines, then ``{"result": …}``)
* a terminal (not CI)          → ``LiveReporter`` (rich live view, then a summary table)
* anything else (CI, pipes)    → ``PlainReporter`` (timestamped lines, then a summary table)

Use it as a context manager and give ``reporter.sink`` to the engines::

    with make_reporter(ctx, summary_path=summary) as reporter:
        results = engine.deploy(..., sink=reporter.sink)
        reporter.finish(results)

Masking: environment values whose names match ``ECSFLOW_MASK_PATTERN`` (a regular
expression; default in ``ecsflow.diff.DEFAULT_MASK_PATTERN``) are shown as ``****``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from ecsflow.cli.context import CliContext
from ecsflow.cli.output.reporter import (
    JsonReporter,
    PlainReporter,
    Reporter,
    check_summary_path,
    result_payload,
)
from ecsflow.diff import Masker

__all__ = ["JsonReporter", "PlainReporter", "Reporter", "check_summary_path", "make_reporter", "result_payload"]


def make_reporter(
    cli_ctx: CliContext,
    *,
    summary_path: str | None = None,
    out: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    masker: Masker | None = None,
    mask_pattern: str | None = None,
    title: str = "ecsflow deploy",
) -> Reporter:
    """The reporter for this invocation (``out``/``environ`` default to stdout/os.environ)."""
    check_summary_path(summary_path)
    stream = out or sys.stdout
    env = os.environ if environ is None else environ
    m = masker or Masker.from_env(env, mask_pattern)
    if cli_ctx.json_output:
        return JsonReporter(stream, masker=m, summary_path=summary_path, environ=env, title=title)
    if cli_ctx.interactive:
        from ecsflow.cli.output.live import LiveReporter

        return LiveReporter(stream, masker=m, summary_path=summary_path, environ=env, title=title)
    return PlainReporter(stream, masker=m, summary_path=summary_path, environ=env, title=title)
