"""The shell runner of --test-command gates: real short commands, no sleeping in the test itself."""

from __future__ import annotations

from pathlib import Path

from ecsflow.pipeline.gate_command import TIMED_OUT, ShellTestCommand


def test_streams_lines_in_order_and_returns_the_exit_status(tmp_path: Path) -> None:
    lines: list[str] = []
    code = ShellTestCommand(str(tmp_path)).run(
        'echo "one $ECSFLOW_SERVICE"; echo two >&2; pwd; exit 3', {"ECSFLOW_SERVICE": "web"}, lines.append, timeout=None
    )
    assert code == 3
    assert lines == ["one web", "two", str(tmp_path)]


def test_a_command_that_outlives_its_timeout_is_stopped_with_124() -> None:
    lines: list[str] = []
    code = ShellTestCommand().run("echo started; exec sleep 30", {}, lines.append, timeout=0.2)
    assert code == TIMED_OUT
    assert lines == ["started"]
