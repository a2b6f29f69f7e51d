"""Durations in ``ecsflow.yml`` and on the command line: ``600``, ``90s``, ``15m``, ``1h``."""

from __future__ import annotations

import re
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, None: 1}
EXPECTED = "expected a positive duration such as 600, '90s', '15m' or '1h'"


def duration_seconds(value: Any) -> float | None:
    """Seconds for a positive number or duration text; ``None`` for anything else (booleans too)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or float(match.group(1)) <= 0:
        return None
    return float(match.group(1)) * _UNITS[match.group(2)]
