"""``ecsflow runs``: the recorded pipeline runs, newest first; ``ecsflow runs show RUN_ID``."""

from __future__ import annotations

import sys

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.run_output import print_runs, runs_payload
from ecsflow.errors import UsageError

EXAMPLES = """
\b
Examples:
  ecsflow runs                     # every pipeline's latest runs
  ecsflow runs app --limit 5
  ecsflow runs show 3f2c…          # stages, actions, durations, artifacts, deployed digests
  ecsflow --output json runs app
"""


def _write(text: str) -> None:
    sys.stdout.write(text)


@click.command("runs", epilog=EXAMPLES)
@click.argument("args", nargs=-1, metavar="[PIPELINE] | show RUN_ID")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Runs listed.")
def runs(args: tuple[str, ...], limit: int) -> int:
    """List pipeline runs with their stages, outcome, duration and deployed images.

    The runs come from the run store of ecsflow.yml (defaults.run_store: a SQLite file, by
    default .ecsflow/runs.sqlite, or s3://bucket/prefix).
    """
    from ecsflow.cli.run_wiring import open_store
    from ecsflow.cli.service_targets import config_file
    from ecsflow.config import load_config

    ctx = get_context()
    config = load_config(config_file(ctx))
    store = open_store(ctx, config)
    if args[:1] == ("show",):
        if len(args) != 2:
            raise UsageError("usage: ecsflow runs show RUN_ID")
        record = store.get(args[1])
        if record is None:
            raise UsageError(f"no run {args[1]!r} in {store.location}", hint="`ecsflow runs` lists the runs")
        found = [record]
        detail = True
    else:
        if len(args) > 1:
            raise UsageError("give at most one PIPELINE (or `show RUN_ID`)")
        pipeline = args[0] if args else None
        if pipeline is not None and pipeline not in config.pipelines:
            known = ", ".join(config.pipelines) or "none"
            raise UsageError(f"no pipeline {pipeline!r} in {config.path} (pipelines: {known})")
        found = store.list(pipeline, limit)
        detail = False
    if ctx.json_output:
        from ecsflow.cli.console import write_json

        write_json({"ok": True, "store": store.location, "runs": runs_payload(found)})
    elif not found:
        _write(f"no runs recorded in {store.location}\n")
    else:
        print_runs(_write, found, detail=detail)
    return 0
