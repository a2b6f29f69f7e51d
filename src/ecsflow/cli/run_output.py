"""How ``ecsflow run`` and ``ecsflow runs`` show pipeline runs: progress lines and run tables.

Pipeline events (``ecsflow.pipeline.stages``) and build events become ``Message`` lines for
the live and plain reporters (one row per ``pipeline/Stage/Action``); with ``--output json``
they pass through as typed JSON lines. Deploy events of deploy actions go to the reporter
unchanged, so a deploy inside a pipeline looks like ``ecsflow deploy``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from ecsflow.events import (
    BuildFinished,
    CommandFinished,
    CommandOutput,
    CommandStarted,
    Event,
    EventSink,
    Message,
    PhaseFinished,
    PhaseStarted,
)
from ecsflow.pipeline.run_record import RunRecord
from ecsflow.pipeline.stages import (
    ActionFinished,
    ActionStarted,
    RunFinished,
    RunStarted,
    StageFinished,
    StageStarted,
)


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    value = max(0.0, value)
    if value < 60:
        return f"{value:.0f}s"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes}m{seconds:02d}s"


def event_text(event: Event) -> tuple[str, str] | None:
    """(level, text) of a pipeline or build event, or None when it is not one (or silent)."""
    if isinstance(event, RunStarted):
        verb = "resuming" if event.resumed else "starting"
        return "info", f"{verb} pipeline {event.pipeline}, run {event.run_id}"
    if isinstance(event, StageStarted):
        return "info", f"stage {event.stage} started"
    if isinstance(event, ActionStarted):
        return "info", f"{event.kind} action started"
    if isinstance(event, ActionFinished):
        level = "info" if event.status in ("Succeeded", "Waiting") else "error"
        detail = f": {event.message}" if event.message else ""
        return level, f"{event.status} in {_seconds(event.seconds)}{detail}"
    if isinstance(event, StageFinished):
        return ("info" if event.status == "Succeeded" else "warning"), f"stage {event.stage}: {event.status}"
    if isinstance(event, RunFinished):
        level = "info" if event.status == "Succeeded" else "error"
        return level, f"run {event.run_id}: {event.status} (exit code {event.exit_code})"
    if isinstance(event, CommandOutput):
        return "info", event.line
    if isinstance(event, PhaseStarted):
        return "info", f"Entering phase {event.phase}"
    if isinstance(event, CommandStarted):
        return "info", f"Running command {event.command}"
    if isinstance(event, CommandFinished):
        if event.exit_code == 0:
            return None
        return "warning", f"Command did not exit successfully {event.command} exit status {event.exit_code}"
    if isinstance(event, PhaseFinished):
        text = f"Phase complete: {event.phase} State: {event.status}"
        return ("info", text) if not event.message else ("warning", f"{text}: {event.message}")
    if isinstance(event, BuildFinished):
        return "info", f"Build {event.build_id} {event.status}"
    return None


_PIPELINE_EVENTS = (RunStarted, StageStarted, ActionStarted, ActionFinished, StageFinished, RunFinished)
_BUILD_EVENTS = (CommandOutput, PhaseStarted, CommandStarted, CommandFinished, PhaseFinished, BuildFinished)


def text_sink(sink: EventSink) -> EventSink:
    """Pipeline and build events as Message lines; everything else unchanged."""

    def forward(event: Event) -> None:
        if isinstance(event, _PIPELINE_EVENTS + _BUILD_EVENTS):
            found = event_text(event)
            if found is not None:
                level, text = found
                sink(Message(event.at, event.service, text, level))
            return
        sink(event)

    return forward


def _stamp(at: float | None) -> str:
    return "-" if at is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))


def _digests(run: RunRecord) -> list[str]:
    out = []
    for d in run.deployed:
        where = f" ({d.environment})" if d.environment else ""
        images = ", ".join(f"{c}={i}" for c, i in d.images) or "-"
        out.append(f"{d.service}{where}: {d.outcome}, {images}")
    return out


def run_lines(run: RunRecord, *, detail: bool) -> list[str]:
    """A run as text: a head line, then (``detail``) every stage and action."""
    head = (
        f"{run.pipeline}  {run.run_id}  {run.status}  {_seconds(run.seconds)}  "
        f"started {_stamp(run.started_at)}  ({run.trigger}{', ' + run.change if run.change else ''})"
    )
    lines = [head]
    if run.message and run.status != "Succeeded":
        lines.append(f"  {run.message}")
    if not detail:
        for stage in run.stages:
            actions = ", ".join(f"{a.name} {a.status} {_seconds(a.seconds)}" for a in stage.actions)
            artifacts = [f.name for a in stage.actions for f in a.artifacts]
            out = f" → artifacts {', '.join(artifacts)}" if artifacts else ""
            lines.append(f"  {stage.name}: {actions}{out}")
        lines += [f"  deployed {line}" for line in _digests(run)]
        return lines
    if run.source_revision:
        lines.append(f"  source revision {run.source_revision}")
    if run.actor:
        lines.append(f"  started by {run.actor}")
    if run.variables:
        lines.append("  variables " + ", ".join(f"{k}={v}" for k, v in run.variables.items()))
    for stage in run.stages:
        lines.append(f"  stage {stage.name}: {stage.status}")
        for a in stage.actions:
            lines.append(f"    [{a.run_order}] {a.name} ({a.kind}): {a.status} {_seconds(a.seconds)}")
            if a.message:
                lines.append(f"        {a.message}")
            for name, value in a.variables.items():
                lines.append(f"        exported {name}={value}")
            for art in a.artifacts:
                lines.append(f"        artifact {art.name}: {', '.join(art.files) or 'no files'} ({art.directory})")
            for d in a.deployed:
                images = ", ".join(f"{c}={i}" for c, i in d.images) or "-"
                lines.append(f"        deployed {d.service}: {d.outcome} {d.task_definition_arn or ''} {images}")
    return lines


def runs_payload(runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    out = []
    for run in runs:
        body = run.to_json()
        body["seconds"] = run.seconds
        for stage, record in zip(body["stages"], run.stages, strict=True):
            for action, a in zip(stage["actions"], record.actions, strict=True):
                action["seconds"] = a.seconds
        body["deployed"] = [
            {
                "service": d.service,
                "environment": d.environment,
                "outcome": d.outcome,
                "images": [list(i) for i in d.images],
            }
            for d in run.deployed
        ]
        out.append(body)
    return out


Writer = Callable[[str], None]


def print_runs(write: Writer, runs: Sequence[RunRecord], *, detail: bool) -> None:
    for i, run in enumerate(runs):
        if i:
            write("\n")
        write("".join(line + "\n" for line in run_lines(run, detail=detail)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def runs_markdown(runs: Sequence[RunRecord]) -> str:
    """A Markdown summary (GitHub's ``$GITHUB_STEP_SUMMARY``, ``--summary FILE``)."""
    lines: list[str] = []
    for run in runs:
        lines += [
            f"### ecsflow run `{run.pipeline}`: {run.status}",
            "",
            f"Run `{run.run_id}`, {_seconds(run.seconds)}"
            + (f", change {run.change}" if run.change else "")
            + (f", commit `{run.source_revision[:12]}`" if run.source_revision else ""),
            "",
            "| stage | action | status | duration | detail |",
            "|---|---|---|---|---|",
        ]
        for stage in run.stages:
            for a in stage.actions:
                lines.append(
                    f"| {_cell(stage.name)} | {_cell(a.name)} ({a.kind}) | {a.status} | {_seconds(a.seconds)} "
                    f"| {_cell(a.message)} |"
                )
        deployed = _digests(run)
        if deployed:
            lines += ["", "Deployed:", ""] + [f"- `{line}`" for line in deployed]
        lines.append("")
    return "\n".join(lines)
