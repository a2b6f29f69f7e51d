"""Protocols the engines talk through. Adapters in ``ecsflow.aws`` implement them for
real AWS (and so for the local AWS); tests implement them with in-memory fakes.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Time as engines see it: injected so tests run with a fake clock and zero wall time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
