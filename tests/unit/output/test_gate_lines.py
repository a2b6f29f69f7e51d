"""How a --test-command gate reads in CI logs and the live view."""

from __future__ import annotations

from ecsflow.cli.output.text import event_lines
from ecsflow.events import CommandFinished, CommandOutput, CommandStarted


def test_gate_command_lines() -> None:
    assert event_lines(CommandStarted(0.0, "web", "test-command", "./smoke.sh")) == ["$ ./smoke.sh"]
    assert event_lines(CommandOutput(0.0, "web", "test-command", "GET / 200")) == ["| GET / 200"]
    assert event_lines(CommandFinished(0.0, "web", "test-command", "./smoke.sh", 3)) == ["test-command exited with 3"]
