"""Reporters: the event sink given to engines, and the final summary.

A reporter is a context manager. ``sink`` may be called from several threads (services
deploy concurrently); every call is serialized by one lock. ``finish(results)`` prints the
summary table (or the JSON result object) and writes the Markdown summary.

Every string that leaves a reporter goes through the ``Masker``: secret-looking
environment values never reach a log, a terminal, a JSON line or a summary file.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from ecsflow.cli.output.markdown import render_summary
from ecsflow.cli.output.text import (
    clock_time,
    duration,
    event_lines,
    failure_lines,
    result_duration,
    short_revision,
)
from ecsflow.cli.output.tracker import RolloutTracker, ServiceState
from ecsflow.diff import Masker
from ecsflow.errors import InputError, Problem
from ecsflow.events import DeploymentProgress, Event, EventSink, to_dict
from ecsflow.model import DeploymentResult, worst_exit_code

GITHUB_STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


class Reporter:
    """Base reporter: records events, writes the Markdown summary; subclasses print."""

    def __init__(
        self,
        out: TextIO,
        *,
        masker: Masker | None = None,
        summary_path: str | None = None,
        environ: Mapping[str, str] | None = None,
        title: str = "ecsflow deploy",
    ) -> None:
        self.out = out
        self.masker = masker or Masker()
        self.summary_path = summary_path
        self.environ: Mapping[str, str] = environ or {}
        self.title = title
        self.tracker = RolloutTracker()
        self.lock = threading.RLock()
        self.finished = False
        self.summary_markdown: str | None = None

    @property
    def sink(self) -> EventSink:
        return self._on_event

    def _on_event(self, event: Event) -> None:
        with self.lock:
            state = self.tracker.record(event)
            self.render_event(event, state)

    def render_event(self, event: Event, state: ServiceState | None) -> None:
        raise NotImplementedError

    def render_results(self, results: list[DeploymentResult]) -> None:
        raise NotImplementedError

    def finish(self, results: list[DeploymentResult]) -> None:
        # A live display stops outside the lock: its refresh thread must be able to finish a frame.
        self.close()
        with self.lock:
            self.finished = True
            self.render_results(results)
            self.write_markdown(results)

    def write_markdown(self, results: list[DeploymentResult]) -> None:
        targets: list[tuple[str, str]] = []
        if step_summary := self.environ.get(GITHUB_STEP_SUMMARY):
            targets.append((step_summary, "a"))
        if self.summary_path:
            targets.append((self.summary_path, "w"))
        if not targets or not results:
            return
        text = self.masker.scrub(render_summary(results, self.tracker, title=self.title))
        self.summary_markdown = text
        for path, mode in targets:
            try:
                with Path(path).open(mode, encoding="utf-8") as fh:
                    fh.write(text + ("\n" if mode == "a" else ""))
            except OSError as exc:
                # The deployment's outcome (and exit code) matters more than its summary: warn only.
                # check_summary_path() refused unwritable targets before anything started.
                sys.stderr.write(f"warning: cannot write the Markdown summary to {path}: {exc.strerror}\n")

    def close(self) -> None:
        """Stop any live display (idempotent)."""

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def write(self, text: str) -> None:
        self.out.write(self.masker.scrub(text))
        self.out.flush()


class PlainReporter(Reporter):
    """Timestamped lines for CI logs: ``12:00:05 web  registered web:4``."""

    def __init__(self, out: TextIO, **kwargs: Any) -> None:
        super().__init__(out, **kwargs)
        self._last_progress: dict[str, str] = {}
        self._width = 8  # service column: grows to the longest name seen, so lines align

    def render_event(self, event: Event, state: ServiceState | None) -> None:
        lines = event_lines(event)
        if isinstance(event, DeploymentProgress) and event.service is not None:
            # Polls repeat themselves: print a progress line only when it says something new.
            if self._last_progress.get(event.service) == lines[0]:
                return
            self._last_progress[event.service] = lines[0]
        name = event.service or "-"
        self._width = max(self._width, len(name))
        prefix = f"{clock_time(event.at)} {name.ljust(self._width)}"
        self.write("".join(f"{prefix}  {line}\n" for line in lines))

    def render_results(self, results: list[DeploymentResult]) -> None:
        if not results:
            return
        rows = [("SERVICE", "OUTCOME", "REVISION", "DURATION", "REASON")]
        for r in results:
            rows.append(
                (
                    r.service,
                    str(r.outcome),
                    short_revision(r.task_definition_arn),
                    duration(result_duration(r)),
                    r.reason,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        text = "\n"
        for row in rows:
            text += "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] + "\n"
        for r in results:
            if r.failures:
                text += f"\n{r.service}: why it failed\n"
                for failure in r.failures:
                    text += "".join(f"  {line}\n" for line in failure_lines(failure))
        code = worst_exit_code([r.outcome for r in results])
        text += f"\nexit code {int(code)} ({code.name.lower()})\n"
        self.write(text)


class JsonReporter(Reporter):
    """JSON lines: one object per event (``ecsflow.events.to_dict``), then ``{"result": …}``."""

    def render_event(self, event: Event, state: ServiceState | None) -> None:
        self._line(to_dict(event))

    def render_results(self, results: list[DeploymentResult]) -> None:
        self._line({"result": result_payload(results)})

    def _line(self, obj: Mapping[str, Any]) -> None:
        self.out.write(json.dumps(self.masker.scrub_obj(obj), default=str) + "\n")
        self.out.flush()


def result_payload(results: list[DeploymentResult]) -> dict[str, Any]:
    """The final result object of ``--output json`` (schema in docs/output.md)."""
    code = worst_exit_code([r.outcome for r in results])
    return {
        "ok": all(r.outcome.ok for r in results),
        "exit_code": int(code),
        "services": [
            {**asdict(r), "exit_code": int(r.exit_code), "duration_seconds": result_duration(r)} for r in results
        ],
    }


def check_summary_path(path: str | None) -> None:
    """Refuse a ``--summary`` target that cannot be written, before any AWS call."""
    if not path:
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path()
    problem = None
    if target.is_dir():
        problem = "is a folder"
    elif not folder.is_dir():
        problem = f"folder {folder} does not exist"
    elif not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        problem = "is not writable"
    if problem:
        raise InputError(
            f"--summary {path}: {problem}",
            [Problem(problem, "--summary", path)],
            hint="give a writable file path (its folder must exist)",
        )
