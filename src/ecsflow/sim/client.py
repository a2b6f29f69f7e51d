"""A small client of the control plane (``/_ecsflow/*``), for the CLI and benchmarks.

Plain ``urllib``: the control plane is JSON over HTTP and must work with any
endpoint of the local AWS, also one started by another process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ecsflow.errors import AwsConnectionError, InputError


class ControlClient:
    def __init__(self, endpoint_url: str, *, timeout: float = 10.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.endpoint_url}/_ecsflow/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = _json(exc.read())
            message = payload.get("error") if isinstance(payload, dict) else None
            problems = payload.get("problems", []) if isinstance(payload, dict) else []
            raise InputError(
                f"the local AWS refused {method} /_ecsflow/{path}: {message or exc.reason}",
                hint="; ".join(problems) or "see the control plane reference in docs/local.md",
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise AwsConnectionError(
                f"no local AWS answers at {self.endpoint_url}",
                hint="start it with `ecsflow local up --detach`, or check --endpoint-url",
            ) from exc

    def healthy(self) -> bool:
        try:
            return bool(self.request("GET", "health").get("ok"))
        except (InputError, AwsConnectionError):
            return False

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, body or {})


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
