"""The live view on a terminal: one row per service, the latest events, elapsed time.

rich's ``Live`` redraws from ``_render`` four times a second on its own thread; the
reporter's lock keeps that thread from reading the tracker while an event updates it.
When the deployment ends the live view is replaced by the summary table.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ecsflow.cli.output.reporter import Reporter
from ecsflow.cli.output.text import (
    OUTCOME_STYLES,
    OUTCOME_WORDS,
    clock_time,
    counts,
    duration,
    event_lines,
    failure_lines,
    result_duration,
    short_revision,
    traffic,
)
from ecsflow.cli.output.tracker import ServiceState
from ecsflow.events import DeploymentProgress, Event, PlanReady
from ecsflow.model import DeploymentResult, worst_exit_code

RECENT_EVENTS = 8


@dataclass(frozen=True)
class _Row:
    """One service's row of the live view, frozen at the last event."""

    name: str
    stage: Text
    tasks: str
    total: int
    completed: int
    rolling_back: bool
    revision: str
    seen_at: float
    done_after: float | None

    def cells(self, now: float) -> list[RenderableType]:
        bar = ProgressBar(
            total=self.total,
            completed=self.completed,
            width=20,
            complete_style="red" if self.rolling_back else "green",
        )
        elapsed = self.done_after if self.done_after is not None else now - self.seen_at
        return [self.name, self.stage, self.tasks, bar, self.revision, duration(elapsed)]


class LiveReporter(Reporter):
    def __init__(
        self,
        out: TextIO,
        *,
        console: Console | None = None,
        wall_clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(out, **kwargs)
        self.console = console or Console(file=out)
        self._wall_clock = wall_clock
        self._started = wall_clock()
        self._seen_at: dict[str, float] = {}  # wall time a service was first seen (for elapsed)
        self._done_after: dict[str, float] = {}
        self._recent: deque[Text] = deque(maxlen=RECENT_EVENTS)
        self._live: Live | None = None
        self._frame: tuple[tuple[_Row, ...], tuple[Text, ...]] = ((), ())

    def __enter__(self) -> LiveReporter:
        with self.lock:
            self._live = Live(
                console=self.console,
                get_renderable=self._render,
                refresh_per_second=4,
                transient=False,  # the last frame stays: rows with outcomes and the last events
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        return self

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def render_event(self, event: Event, state: ServiceState | None) -> None:
        self._print_event(event, state)
        self._snapshot()

    def _print_event(self, event: Event, state: ServiceState | None) -> None:
        now = self._wall_clock()
        if event.service is not None:
            self._seen_at.setdefault(event.service, now)
            if state is not None and state.finished:
                self._done_after.setdefault(event.service, now - self._seen_at[event.service])
        if isinstance(event, DeploymentProgress):
            return  # the service's row shows progress; the event list keeps what is new
        if isinstance(event, PlanReady):
            # The plan stays on screen above the live rows (rich prints above a Live region).
            for line in event_lines(event):
                self.console.print(Text(self.masker.scrub(line), style="bold" if line.startswith("plan") else ""))
            return
        style = {"warning": "yellow", "error": "red"}.get(getattr(event, "level", ""), "")
        for line in event_lines(event):
            text = Text(f"{clock_time(event.at)} ", style="dim", no_wrap=True, overflow="ellipsis")
            text.append(f"{event.service or '-'}  ", style="bold")
            text.append(self.masker.scrub(line), style=style)
            self._recent.append(text)
            if self._live is None:  # not started as a context manager: print as we go
                self.console.print(text)

    def _snapshot(self) -> None:
        """Freeze what the next frames show (called under the reporter's lock, after each event)."""
        rows = tuple(self._row_data(state) for state in self.tracker.services.values())
        self._frame = (rows, tuple(self._recent))

    def _render(self) -> RenderableType:
        # Runs on rich's refresh thread. It must not take the reporter's lock: the event
        # thread may hold it while printing through the console, which waits for Live's
        # own lock, held by this thread during a refresh. Reading one frozen tuple is safe.
        rows, recent = self._frame
        now = self._wall_clock()
        table = Table(box=None, expand=False, show_edge=False, pad_edge=False)
        for column in ("service", "stage", "tasks", "progress", "revision", "elapsed"):
            table.add_column(column, style="bold" if column == "service" else None, no_wrap=True)
        for row in rows:
            table.add_row(*row.cells(now))
        head = Text(f"ecsflow · {len(rows)} service(s) · {duration(now - self._started)}", style="bold cyan")
        return Group(head, table, Text(""), *recent)

    def _row_data(self, state: ServiceState) -> _Row:
        snap = state.snapshot
        if state.result is not None:
            stage = Text(OUTCOME_WORDS[state.result.outcome], style=OUTCOME_STYLES[state.result.outcome])
        else:
            failing = bool(snap and snap.failed_tasks) and not state.rolling_back
            word = f"{state.stage}, tasks failing" if failing else state.stage
            stage = Text(word, style="yellow" if state.rolling_back or failing else "cyan")
        tasks = counts(snap) if snap else "-"
        if snap and (weights := traffic(snap)):
            tasks += f" · {weights}"
        total = max(snap.desired, 1) if snap else 1
        return _Row(
            name=state.name,
            stage=stage,
            tasks=tasks,
            total=total,
            completed=min(snap.running, total) if snap else 0,
            rolling_back=state.rolling_back,
            revision=short_revision(state.task_definition),
            seen_at=self._seen_at.get(state.name, self._wall_clock()),
            done_after=self._done_after.get(state.name),
        )

    def render_results(self, results: list[DeploymentResult]) -> None:
        if not results:
            return
        table = Table(title="ecsflow result", title_justify="left", show_lines=False)
        for column in ("service", "outcome", "revision", "duration", "reason"):
            table.add_column(column, no_wrap=column != "reason")
        for r in results:
            table.add_row(
                r.service,
                Text(OUTCOME_WORDS[r.outcome], style=OUTCOME_STYLES[r.outcome]),
                short_revision(r.task_definition_arn),
                duration(result_duration(r)),
                self.masker.scrub(r.reason),
            )
        self.console.print(table)
        for r in results:
            if r.failures:
                self.console.print(Text(f"{r.service}: why it failed", style="bold red"))
                for failure in r.failures:
                    for line in failure_lines(failure):
                        self.console.print(Text("  " + self.masker.scrub(line)))
        code = worst_exit_code([r.outcome for r in results])
        style = "green" if int(code) == 0 else "bold red"
        self.console.print(Text(f"exit code {int(code)} ({code.name.lower()})", style=style))
