"""`ecsflow build --exported-file`: the NAME=value form CI runners read ($GITHUB_OUTPUT, dotenv)."""

from __future__ import annotations

from pathlib import Path

from ecsflow.cli.build import _append_exported


def test_single_and_multi_line_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    _append_exported(path, {"TAG": "abc1234", "NOTES": "line 1\nline 2"})
    _append_exported(path, {"MORE": "x=y"})
    assert path.read_text() == ("TAG=abc1234\nNOTES<<ECSFLOW_NOTES_EOF\nline 1\nline 2\nECSFLOW_NOTES_EOF\nMORE=x=y\n")
