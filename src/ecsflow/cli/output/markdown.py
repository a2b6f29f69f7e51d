"""The Markdown summary: outcome per service, what changed, why it failed, a timeline.

Written to ``$GITHUB_STEP_SUMMARY`` (appended, as GitHub expects: several steps may
write to the same job summary) and/or to the file of ``--summary`` (overwritten). The
timeline is a mermaid ``gantt`` chart, which GitHub renders in job summaries.
"""

from __future__ import annotations

import re
import time

from ecsflow.cli.output.text import (
    MAX_LOG_LINES,
    OUTCOME_WORDS,
    duration,
    iso_time,
    result_duration,
    short_revision,
)
from ecsflow.cli.output.tracker import Phase, RolloutTracker
from ecsflow.model import DeploymentResult, Outcome, worst_exit_code

_ICONS: dict[Outcome, str] = {
    Outcome.SUCCEEDED: "✅",
    Outcome.REACHED: "✅",
    Outcome.NOT_STARTED: "⚪",
    Outcome.FAILED: "❌",
    Outcome.ROLLED_BACK: "↩️",
    Outcome.TIMED_OUT: "⏱️",
    Outcome.SUPERSEDED: "⏭️",
    Outcome.PAUSED: "⏸️",
    Outcome.INTERRUPTED: "⚠️",
}


def render_summary(results: list[DeploymentResult], tracker: RolloutTracker, *, title: str = "ecsflow deploy") -> str:
    code = worst_exit_code([r.outcome for r in results])
    ok = all(r.outcome.ok for r in results)
    head = "✅ all services succeeded" if ok else f"❌ exit code {int(code)}"
    lines = [f"## {title}: {head}", ""]
    lines += ["| Service | Outcome | Revision | Duration | Reason |", "|---|---|---|---|---|"]
    for r in results:
        outcome = f"{_ICONS[r.outcome]} {OUTCOME_WORDS[r.outcome]}"
        lines.append(
            f"| {_cell(r.service)} | {outcome} | `{short_revision(r.task_definition_arn)}` "
            f"| {duration(result_duration(r))} | {_cell(r.reason)} |"
        )
    lines.append("")
    lines += _changes(results, tracker)
    lines += _plan(tracker)
    lines += _failures(results)
    lines += _timeline(results, tracker)
    return "\n".join(lines).rstrip() + "\n"


def _changes(results: list[DeploymentResult], tracker: RolloutTracker) -> list[str]:
    out = ["### What changed", ""]
    for r in results:
        before = short_revision(r.previous_task_definition_arn)
        after = short_revision(r.task_definition_arn)
        out.append(f"- **{_cell(r.service)}**: revision `{before}` → `{after}`")
        requested = (
            {c: req for c, req, _ in tracker.services[r.service].images} if r.service in tracker.services else {}
        )
        for container, image in r.images:
            asked = requested.get(container)
            via = f" (from `{asked}`)" if asked and asked != image else ""
            out.append(f"  - `{container}`: `{image}`{via}")
        for note in r.notes:
            out.append(f"  - {note}")
    out.append("")
    return out


def _plan(tracker: RolloutTracker) -> list[str]:
    """The plan as the engine announced it: the semantic diff per service (images before → after)."""
    if not tracker.plan:
        return []
    return ["<details><summary>Plan</summary>", "", "```text", *tracker.plan, "```", "", "</details>", ""]


def _failures(results: list[DeploymentResult]) -> list[str]:
    failed = [r for r in results if not r.outcome.ok]
    if not failed:
        return []
    out = ["### Why it failed", ""]
    for r in failed:
        out.append(f"**{_cell(r.service)}** — {OUTCOME_WORDS[r.outcome]}: {r.reason}")
        out.append("")
        for f in r.failures:
            out.append(f"- task `{f.task_id}`: {f.reason}")
            for name, exit_code, reason in f.containers:
                code = f" exit code {exit_code}" if exit_code is not None else ""
                why = f": {reason}" if reason else ""
                out.append(f"  - container `{name}`{code}{why}")
            if f.log_lines:
                out.append("")
                out.append("  ```text")
                out.extend(f"  {line}" for line in f.log_lines[-MAX_LOG_LINES:])
                out.append("  ```")
        out.append("")
    return out


def _timeline(results: list[DeploymentResult], tracker: RolloutTracker) -> list[str]:
    sections = [(r.service, tracker.services[r.service].phases) for r in results if r.service in tracker.services]
    sections = [(name, phases) for name, phases in sections if phases]
    if not sections:
        return []
    out = [
        "### Timeline",
        "",
        "```mermaid",
        "gantt",
        "    dateFormat YYYY-MM-DD HH:mm:ss",
        "    axisFormat %H:%M:%S",
    ]
    n = 0
    for service, phases in sections:
        out.append(f"    section {_label(service)}")
        for phase in phases:
            n += 1
            out.append(f"    {_task(phase, n)}")
    out += ["```", ""]
    first = min(p.start for _, phases in sections for p in phases)
    out.append(f"<sub>times in UTC, from {iso_time(first)}</sub>")
    out.append("")
    return out


def _task(phase: Phase, n: int) -> str:
    tags = []
    if phase.milestone:
        tags.append("milestone")
    if phase.critical:
        tags.append("crit")
    if not phase.milestone:
        tags.append("done")
    start = _stamp(phase.start)
    # Mermaid draws nothing for a zero-length bar; give every bar at least one second.
    end = phase.end if phase.end is not None else phase.start
    end_text = "0s" if phase.milestone else _stamp(max(end, phase.start + 1))
    return f"{_label(phase.name)} :{', '.join(tags)}, p{n}, {start}, {end_text}"


def _stamp(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))


_UNSAFE = re.compile(r"[:;#\n]")


def _label(text: str) -> str:
    """Mermaid treats ``:`` as the name/data separator and ``#``/``;`` specially."""
    return _UNSAFE.sub(" ", text).strip() or "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
