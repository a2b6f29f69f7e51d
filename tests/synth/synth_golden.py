"""Golden files under tests/golden/: compare, or regenerate with ECSFLOW_UPDATE_GOLDEN=1.

A mismatch fails with a unified diff of the golden file against what was generated, so a
change to a template or a policy reads like a code review.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
PROJECT = GOLDEN / "project"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ECSFLOW_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        raise AssertionError(f"{path.name} does not exist; run with ECSFLOW_UPDATE_GOLDEN=1 to create it")
    expected = path.read_text(encoding="utf-8")
    if expected != text:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"tests/golden/{name}",
                tofile="generated",
            )
        )
        raise AssertionError(
            f"{name} differs from its golden file (ECSFLOW_UPDATE_GOLDEN=1 accepts the change):\n{diff}"
        )
