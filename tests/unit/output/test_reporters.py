from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from output_timeline import ROLLED_BACK, SUCCEEDED, T0, events
from rich.console import Console

from ecsflow.cli.context import CliContext, OutputMode
from ecsflow.cli.output import JsonReporter, PlainReporter, make_reporter
from ecsflow.cli.output.live import LiveReporter
from ecsflow.events import DeploymentFinished, Message
from ecsflow.model import Outcome


def _feed(reporter, evs=None) -> None:  # type: ignore[no-untyped-def]
    for event in evs or events():
        reporter.sink(event)


def test_make_reporter_picks_the_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    assert isinstance(make_reporter(CliContext(output=OutputMode.JSON), out=out, environ={}), JsonReporter)
    monkeypatch.setenv("CI", "true")
    assert isinstance(make_reporter(CliContext(), out=out, environ={}), PlainReporter)


def test_plain_lines_are_timestamped_and_deduplicated() -> None:
    out = io.StringIO()
    with PlainReporter(out) as reporter:
        _feed(reporter)
        reporter.finish([SUCCEEDED, ROLLED_BACK])
    text = out.getvalue()
    assert "00:00:02 web       registered web:4" in text
    assert "00:00:03 web       deployment ecs-svc/1 started of web:4 (ROLLING)" in text
    # the second, identical poll of web is not printed again
    assert text.count("IN_PROGRESS: 1/2 running") == 1
    assert "00:01:11 worker    warning: circuit breaker tripped" in text
    assert "container app exited with code 1" in text
    # the summary table and the exit code of the worst outcome
    assert "worker   rolled_back  worker:8  2m09s" in text
    assert "exit code 4 (rolled_back)" in text


def test_plain_masks_secret_looking_assignments_in_log_lines() -> None:
    out = io.StringIO()
    with PlainReporter(out) as reporter:
        _feed(reporter)
        reporter.finish([ROLLED_BACK])
    assert "hunter22" not in out.getvalue()
    assert "DB_PASSWORD=****" in out.getvalue()


def test_json_lines_then_result_object() -> None:
    out = io.StringIO()
    with JsonReporter(out) as reporter:
        _feed(reporter)
        reporter.finish([SUCCEEDED, ROLLED_BACK])
    objs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert objs[0] == {
        "event": "plan_ready",
        "at": T0,
        "service": None,
        "steps": ["register web", "update service web"],
        "dry_run": False,
    }
    assert [o["event"] for o in objs[1:4]] == ["image_pinned", "revision_registered", "deployment_started"]
    result = objs[-1]["result"]
    assert result["ok"] is False and result["exit_code"] == 4
    assert [s["outcome"] for s in result["services"]] == ["succeeded", "rolled_back"]
    assert result["services"][0]["duration_seconds"] == 95
    assert result["services"][1]["failures"][0]["containers"] == [["app", 1, None]]
    assert "hunter22" not in out.getvalue()


def test_markdown_summary_goes_to_step_summary_and_file(tmp_path: Path) -> None:
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    summary = tmp_path / "summary.md"
    with PlainReporter(io.StringIO(), summary_path=str(summary), environ={"GITHUB_STEP_SUMMARY": str(step)}) as r:
        _feed(r)
        r.finish([SUCCEEDED, ROLLED_BACK])
    appended = step.read_text()
    assert appended.startswith("earlier step\n## ecsflow deploy: ❌ exit code 4")
    text = summary.read_text()
    assert "| web | ✅ succeeded | `web:4` | 1m35s |" in text
    assert "- **web**: revision `web:3` → `web:4`" in text
    assert "(from `web:v2`)" in text
    assert "<details><summary>Plan</summary>\n\n```text\nregister web\nupdate service web\n```" in text
    assert "**worker** — ROLLED BACK: ECS deployment circuit breaker" in text
    assert "panic: cannot connect" in text and "hunter22" not in text
    assert "```mermaid\ngantt" in text
    assert "section worker" in text
    assert "rollback :crit, done, " in text


def test_no_markdown_without_a_target(tmp_path: Path) -> None:
    reporter = PlainReporter(io.StringIO(), environ={})
    with reporter:
        _feed(reporter)
        reporter.finish([SUCCEEDED])
    assert reporter.summary_markdown is None


def test_unwritable_summary_path_is_refused_before_anything_starts(tmp_path: Path) -> None:
    from ecsflow.errors import InputError

    with pytest.raises(InputError, match="does not exist"):
        make_reporter(CliContext(), summary_path=str(tmp_path / "missing" / "s.md"), out=io.StringIO(), environ={})
    with pytest.raises(InputError, match="is a folder"):
        make_reporter(CliContext(), summary_path=str(tmp_path), out=io.StringIO(), environ={})


def test_a_summary_that_fails_late_only_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    reporter = PlainReporter(out, summary_path=str(tmp_path / "gone" / "s.md"))
    reporter.finish([SUCCEEDED])  # the folder vanished after the check: the outcome still prints
    assert "exit code 0 (ok)" in out.getvalue()
    assert "warning: cannot write the Markdown summary" in capsys.readouterr().err


def test_sink_is_safe_from_many_threads() -> None:
    out = io.StringIO()
    reporter = JsonReporter(out)

    def emit(service: str) -> None:
        for i in range(200):
            reporter.sink(Message(T0 + i, service, f"line {i}"))

    threads = [threading.Thread(target=emit, args=(f"svc{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 800
    assert all(json.loads(line)["event"] == "message" for line in lines)
    assert set(reporter.tracker.services) == {"svc0", "svc1", "svc2", "svc3"}


def test_live_view_renders_rows_and_final_table() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=140, color_system=None)
    ticks = iter(range(0, 1000, 5))
    reporter = LiveReporter(out, console=console, wall_clock=lambda: float(next(ticks)))
    with reporter:
        _feed(reporter, events()[:-2])
        frame = Console(file=io.StringIO(), width=140, color_system=None)
        frame.print(reporter._render())
        view = frame.file.getvalue()  # type: ignore[attr-defined]
        assert "web" in view and "worker" in view
        assert "2/2 running · prod 100%" in view
        assert "rolling back" in view
        assert "circuit breaker tripped" in view
        _feed(reporter, events()[-2:])
        reporter.finish([SUCCEEDED, ROLLED_BACK])
    text = out.getvalue()
    assert "ecsflow result" in text
    assert "ROLLED BACK" in text
    assert "exit code 4 (rolled_back)" in text


def test_tracker_phases_follow_the_events() -> None:
    reporter = PlainReporter(io.StringIO())
    _feed(reporter)
    web = reporter.tracker.services["web"]
    names = [(p.name, p.start - T0, None if p.end is None else p.end - T0) for p in web.phases]
    assert names == [("prepare", 1, 3), ("rollout rolling", 3, 95), ("BAKE_TIME", 37, 60)]
    worker = reporter.tracker.services["worker"]
    assert [(p.name, p.critical) for p in worker.phases] == [
        ("prepare", False),
        ("rollout rolling", True),
        ("task 01234567 stopped", True),
        ("rollback", True),
    ]
    assert worker.result is not None and worker.result.outcome is Outcome.ROLLED_BACK
    assert isinstance(events()[-1], DeploymentFinished)


def test_live_refresh_and_events_from_other_threads_do_not_deadlock() -> None:
    from ecsflow.events import PlanReady

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    reporter = LiveReporter(out, console=console)
    done: list[str] = []
    with reporter:
        live = reporter._live
        assert live is not None

        def emit() -> None:
            for i in range(300):
                reporter.sink(PlanReady(T0 + i, None, (f"step {i}",)))  # prints through the console
                reporter.sink(Message(T0 + i, "web", f"line {i}"))
            done.append("emit")

        def refresh() -> None:
            for _ in range(300):
                live.refresh()  # what rich's refresh thread does, as fast as it goes
            done.append("refresh")

        threads = [threading.Thread(target=emit), threading.Thread(target=refresh)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        reporter.finish([SUCCEEDED])
    assert sorted(done) == ["emit", "refresh"]
    assert "exit code 0 (ok)" in out.getvalue()


def test_a_rollback_judged_only_at_the_end_is_a_milestone() -> None:
    from ecsflow.events import DeploymentStarted

    reporter = PlainReporter(io.StringIO())
    reporter.sink(DeploymentStarted(T0, "worker", "ecs-svc/2", None, "ROLLING"))
    reporter.sink(DeploymentFinished(T0 + 60, "worker", ROLLED_BACK))
    phases = [(p.name, p.milestone, p.critical) for p in reporter.tracker.services["worker"].phases]
    assert phases == [("prepare", False, False), ("rollout rolling", False, True), ("rolled back", True, True)]
