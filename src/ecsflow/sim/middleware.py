"""The one path every AWS request takes, over HTTP and in-process.

WSGI middleware around moto's ``DomainDispatcherApplication``. For each AWS request,
under ``SimContext.lock``: identify ``service:Operation``, count the attempt, apply
API faults (throttling, expired credentials, dropped connection), then
``ctx.sync(observing=…)`` and let moto dispatch.

Why here and not in ``BaseResponse.call_action``: the WSGI layer sees every request of
every client and protocol, S3 included (S3 has its own dispatch), and requests moto
rejects before dispatch. Why the clock ticks here, above the response layer: moto's
backends call each other (``update_service_primary_task_set`` calls
``describe_services``), so a tick inside a backend would also count internal calls.

Paths under ``/_ecsflow/`` are the control plane; ``/moto-api/`` reaches moto's own
API unchanged (not counted).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ecsflow.sim.control import ControlPlane
from ecsflow.sim.faults import Fault
from ecsflow.sim.protocol import error_response, expired_code, identify, throttling_code
from ecsflow.sim.runtime import Runtime

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CONTROL_PREFIX = "/_ecsflow/"
# ``ecsflow local up --verbose`` shows these lines: one per AWS request.
log = logging.getLogger("ecsflow.sim.server")


class DroppedConnection(ConnectionAbortedError):
    """Raised to drop a request: werkzeug then closes without answering (a
    ``ConnectionError`` is what its server treats as a dropped connection), and the
    in-process transport turns it into botocore's ``ConnectionClosedError``."""


class SimMiddleware:
    def __init__(self, app: WSGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.control = ControlPlane(runtime)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            return self.control(environ, start_response)
        ctx = self.runtime.ctx
        with ctx.lock:
            if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                # A client that resets moto the moto way resets the whole simulation too,
                # or ecsflow's deployments would outlive the resources they belong to.
                self.runtime.reset()
                body = b'{"status": "ok"}'
                start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]
            if path.startswith("/moto-api") or path == "/favicon.ico":
                return list(self.app(environ, start_response))
            return self._aws(environ, start_response)

    def _aws(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        runtime = self.runtime
        ctx = runtime.ctx
        info = identify(environ)
        runtime.counter.record(info)
        fault = runtime.faults.decide(ctx.scenario, info.name, ctx.clock.now())
        if fault is not None:
            runtime.counter.record_error(info)
            log.debug("%s fault %s", info.name, fault)
            if fault is Fault.DROP:
                _close(environ)
                raise DroppedConnection(f"ecsflow local: dropped {info.name} (fault scenario)")
            if fault is Fault.THROTTLE:
                code, status = throttling_code(info)
                message = "Rate exceeded"
            else:
                code, status = expired_code(info)
                message = "The security token included in the request is expired"
            status, headers, payload = error_response(info, code, message, status)
            start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
            return [payload]
        seen: list[int] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            ctx.sync(observing=info.name in ctx.observing_operations)
            body = list(self.app(environ, capture))  # produced under the lock
        except Exception as exc:  # an operation moto lacks, or a bug in moto or the simulator
            # Answer as moto's own server does, a 500 that SDKs retry, so that HTTP and
            # in-process clients see the same thing; the traceback goes to the log.
            log.warning("%s failed: %s: %s", info.name, type(exc).__name__, exc, exc_info=True)
            text = f"ecsflow local: {info.name} failed: {type(exc).__name__}: {exc}".encode()
            headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))]
            if seen:  # moto had started its response: WSGI wants exc_info to replace it
                start_response("500 Internal Server Error", headers, sys.exc_info())
            else:
                start_response("500 Internal Server Error", headers)
            seen[:] = [500]
            body = [text]
        if seen and seen[0] >= 400:
            runtime.counter.record_error(info)
        log.debug("%s %s", info.name, seen[0] if seen else "-")
        return body


_REASONS = {400: "Bad Request", 503: "Service Unavailable"}


def _close(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # the client went away already
            sock.shutdown(socket.SHUT_RDWR)
