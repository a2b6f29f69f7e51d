"""A clock that follows the clock of a local AWS endpoint (``ECSFLOW_CLOCK=endpoint``).

Against the local AWS, time is the simulator's: in ``poll`` mode every observing request
moves it, in ``manual`` mode only ``advance`` does, in ``wall`` mode it runs ``speed``
times faster than real time. Following it lets the same waiter run unchanged - a
5-second poll interval is 5 simulated seconds - so end-to-end tests and benchmarks stay
fast and still exercise the real intervals and deadlines. Real AWS always uses the
system clock. Plain ``urllib`` against the documented control plane (``/_ecsflow/clock``,
``/_ecsflow/advance``); the local AWS package itself is never imported.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from ecsflow.errors import AwsConnectionError

WALL_RESYNC_SECONDS = 30.0  # real seconds between re-reads of a wall clock


class EndpointClock:
    def __init__(self, endpoint_url: str, *, timeout: float = 10.0) -> None:
        self.base = endpoint_url.rstrip("/") + "/_ecsflow/"
        self.timeout = timeout
        # wall mode: (simulated now, real monotonic then, speed), so reading the time costs
        # no request (a request's own duration would count `speed` times over).
        self._wall: tuple[float, float, float] | None = None

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, method="POST" if data else "GET", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload: dict[str, Any] = json.loads(resp.read() or b"{}")
                return payload
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise AwsConnectionError(
                f"cannot read the clock of the local AWS at {self.base}: {exc}",
                hint="ECSFLOW_CLOCK=endpoint works only with --endpoint-url of a local AWS; unset it otherwise",
            ) from exc

    def _read(self) -> dict[str, Any]:
        clock = self._call("clock")
        if clock.get("mode") == "wall":
            self._wall = (float(clock["now"]), time.monotonic(), max(float(clock.get("speed") or 1.0), 1e-6))
        else:
            self._wall = None
        return clock

    def now(self) -> float:
        if self._wall is not None and time.monotonic() - self._wall[1] < WALL_RESYNC_SECONDS:
            sim, real, speed = self._wall
            return sim + (time.monotonic() - real) * speed
        return float(self._read()["now"])

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self._wall is not None:
            time.sleep(seconds / self._wall[2])
            return
        clock = self._read()
        mode = clock.get("mode")
        if mode == "manual":
            self._call("advance", {"seconds": seconds})
        elif mode == "wall":
            time.sleep(seconds / max(float(clock.get("speed") or 1.0), 1e-6))
        # poll mode: the next observing request moves the clock; sleeping would only waste time
