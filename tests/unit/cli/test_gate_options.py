"""deploy / continue options for stop points and gates: bad combinations are usage errors (exit 2)."""

from __future__ import annotations

from typing import Any

from ecsflow.errors import ExitCode


def test_until_does_not_go_with_no_wait(run_cli: Any) -> None:
    code, _, err = run_cli("deploy", "web", "--tag", "v2", "--until", "test-traffic", "--no-wait")
    assert code == ExitCode.INVALID
    assert "do not go with --no-wait" in err


def test_an_empty_test_command_is_refused(run_cli: Any, tmp_path: Any) -> None:
    config = tmp_path / "ecsflow.yml"
    config.write_text("version: 1\nservices:\n  web: {}\n")
    code, _, err = run_cli("-c", str(config), "deploy", "web", "--tag", "v2", "--test-command", "  ")
    assert code == ExitCode.INVALID
    assert "--test-command is empty" in err


def test_unknown_stop_point_is_refused_by_the_option(run_cli: Any) -> None:
    code, _, err = run_cli("deploy", "web", "--until", "halfway")
    assert code == ExitCode.INVALID
    assert "halfway" in err


def test_continue_until_does_not_go_with_no_wait(run_cli: Any) -> None:
    code, _, err = run_cli("continue", "web", "--until", "bake", "--no-wait")
    assert code == ExitCode.INVALID
    assert "does not go with --no-wait" in err
