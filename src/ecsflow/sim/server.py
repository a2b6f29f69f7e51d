"""The HTTP server of the local AWS: werkzeug, threaded, bound to 127.0.0.1 only.

Built with ``make_server`` rather than moto's ``ThreadedMotoServer`` because the latter
has no hook to wrap its WSGI app, and every request must pass through
``SimMiddleware``. moto's own ``/moto-api/*`` stays reachable.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ecsflow.sim.middleware import SimMiddleware
from ecsflow.sim.runtime import Runtime

HOST = "127.0.0.1"
log = logging.getLogger("ecsflow.sim.server")


def build_app(runtime: Runtime) -> SimMiddleware:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    class Dispatcher(DomainDispatcherApplication):
        """moto's dispatcher, remembering which backend serves a host.

        moto matches the host against every backend's URL patterns on each request
        (about half the cost of a DescribeServices); the answer depends only on the host
        string and the static pattern list, so it is computed once per host.
        """

        def __init__(self) -> None:
            super().__init__(create_backend_app)
            self._backends: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            if host not in self._backends:
                self._backends[host] = super().get_backend_for_host(host)
            return self._backends[host]

    return SimMiddleware(Dispatcher(), runtime)


def _handler_class() -> type[Any]:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Handler(MotoRequestHandler):
        # The middleware logs AWS requests by operation name; werkzeug's lines stay quiet.
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return

        def log_error(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    return Handler


class SimServer:
    """``start()`` serves in a daemon thread; ``serve_forever()`` in the caller's thread."""

    def __init__(self, runtime: Runtime, app: SimMiddleware | None = None, *, port: int = 0) -> None:
        self.runtime = runtime
        self._server: BaseWSGIServer = make_server(
            HOST, port, app or build_app(runtime), threaded=True, request_handler=_handler_class()
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        # A short poll interval makes stop() quick (tests start and stop servers).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="ecsflow-local", daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
