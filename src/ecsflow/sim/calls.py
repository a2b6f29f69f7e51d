"""Per-operation call counts: logical calls and HTTP attempts, for any client.

A *logical call* is one API call as the caller wrote it; an *attempt* is one HTTP
request. A retry is a new attempt of the same logical call. The AWS SDKs say which
is which: botocore (and the other SDKs following the same spec) sends
``amz-sdk-invocation-id`` (one id for all attempts of a call) and
``amz-sdk-request: attempt=N``.

* With an invocation id: the first attempt seen with that id is a new logical call.
* Without an id but with ``attempt=N``: attempt 1 is a new logical call.
* With neither (curl, an SDK that does not send them): every request counts as a
  logical call, because nothing tells a retry from a new call.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ecsflow.sim.protocol import RequestInfo


@dataclass
class OperationCount:
    calls: int = 0  # logical calls
    attempts: int = 0  # HTTP requests, retries included
    errors: int = 0  # attempts answered with HTTP status >= 400, or dropped

    def as_dict(self) -> dict[str, int]:
        return {"calls": self.calls, "attempts": self.attempts, "errors": self.errors}


# Invocation ids remembered to recognise retries. SDK retries come within seconds of the
# first attempt, so the most recent ids suffice; the bound keeps a long benchmark's memory flat.
SEEN_IDS = 100_000


class CallCounter:
    """Not thread-safe by itself: the middleware calls it under ``SimContext.lock``."""

    def __init__(self) -> None:
        self._counts: dict[str, OperationCount] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()

    def record(self, info: RequestInfo) -> None:
        count = self._counts.setdefault(info.name, OperationCount())
        count.attempts += 1
        if info.invocation_id is not None:
            if info.invocation_id not in self._seen:
                self._seen[info.invocation_id] = None
                if len(self._seen) > SEEN_IDS:
                    self._seen.popitem(last=False)
                count.calls += 1
        elif info.attempt is None or info.attempt <= 1:
            count.calls += 1

    def record_error(self, info: RequestInfo) -> None:
        self._counts.setdefault(info.name, OperationCount()).errors += 1

    def snapshot(self) -> dict[str, Any]:
        operations = {name: self._counts[name].as_dict() for name in sorted(self._counts)}
        return {
            "operations": operations,
            "total": {
                "calls": sum(c.calls for c in self._counts.values()),
                "attempts": sum(c.attempts for c in self._counts.values()),
                "errors": sum(c.errors for c in self._counts.values()),
            },
        }

    def reset(self) -> None:
        self._counts.clear()
        self._seen.clear()
