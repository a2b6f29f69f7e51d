"""In-process transport: a botocore client that talks to the local AWS without a socket.

A ``before-send`` handler turns the prepared request into a WSGI environ and runs it
through the very same ``SimMiddleware`` as the HTTP server, so counting, faults and
the clock behave identically; only the socket is missing. A dropped connection
becomes botocore's ``ConnectionClosedError``, which its retry handler retries.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError
from werkzeug.test import EnvironBuilder, run_wsgi_app

from ecsflow.sim.middleware import DroppedConnection, SimMiddleware


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        data = self.read()
        if data:
            yield data


class InProcessTransport:
    def __init__(self, app: SimMiddleware) -> None:
        self.app = app

    def attach(self, client: Any) -> Any:
        client.meta.events.register_first("before-send", self.send)
        return client

    def send(self, request: Any, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k: (v.decode("utf-8") if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()}
        builder = EnvironBuilder(
            method=request.method,
            path=unquote(url.path) or "/",
            query_string=url.query,
            headers=headers,
            data=body or b"",
            base_url=f"{url.scheme}://{url.netloc}",
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        try:
            app_iter, status, response_headers = run_wsgi_app(self.app, environ, buffered=True)
        except DroppedConnection as exc:
            raise ConnectionClosedError(endpoint_url=request.url) from exc
        data = b"".join(app_iter)
        code = int(str(status).split(" ", 1)[0])
        return AWSResponse(request.url, code, dict(response_headers.items()), _Raw(data))
