"""One place that builds boto3 clients: retry mode, timeouts, endpoint, and error translation.

Credentials: a single boto3 session is kept for the run, so botocore's refreshable
providers (assume-role, SSO, web identity in CI) renew credentials on their own during
long waits. When AWS still answers ``ExpiredToken`` (static env credentials replaced by the
CI runner), ``call`` drops the session, builds a new one from the credential chain and
retries the call once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ecsflow.aws.errors import is_expired_credentials, translate

_SERVICE_PREFIX = {"elbv2": "elasticloadbalancing"}


@dataclass(frozen=True)
class AwsSettings:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    # "adaptive" adds client-side rate limiting on top of "standard" retries (exponential
    # backoff with jitter, retries on throttling and transient/connection errors).
    retry_mode: str = "adaptive"
    max_attempts: int = 10
    connect_timeout: float = 10.0
    read_timeout: float = 30.0


class AwsClients:
    """Thread-safe, cached clients for one region/profile/endpoint, plus translated calls."""

    def __init__(self, settings: AwsSettings, *, session_factory: Callable[[], Any] | None = None) -> None:
        self.settings = settings
        self._session_factory = session_factory or self._new_session
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[tuple[str, str | None], Any] = {}

    def _new_session(self) -> Any:
        return boto3.session.Session(profile_name=self.settings.profile, region_name=self.settings.region)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                if self._session is None:
                    self._session = self._session_factory()
                config = Config(
                    retries={"mode": self.settings.retry_mode, "total_max_attempts": self.settings.max_attempts},
                    connect_timeout=self.settings.connect_timeout,
                    read_timeout=self.settings.read_timeout,
                    tcp_keepalive=True,
                    user_agent_extra="ecsflow",
                )
                client = self._session.client(
                    service,
                    region_name=region or self.settings.region,
                    endpoint_url=self.settings.endpoint_url,
                    config=config,
                )
                self._clients[key] = client
            return client

    def refresh(self) -> None:
        """Forget the session and clients: the next call resolves credentials again."""
        with self._lock:
            self._session = None
            self._clients.clear()

    @staticmethod
    def operation_name(service: str, method: str) -> str:
        """``ecs:DescribeServices`` from ``("ecs", "describe_services")``, without building a client."""
        op = "".join(part[:1].upper() + part[1:] for part in method.split("_"))
        return f"{_SERVICE_PREFIX.get(service, service)}:{op}"

    def call(self, service: str, method: str, /, *, region: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """``client.<method>(**kwargs)``; botocore errors become ``ecsflow.errors``."""
        for attempt in (1, 2):
            try:
                response: dict[str, Any] = getattr(self.client(service, region), method)(**kwargs)
                return response
            except (ClientError, BotoCoreError) as exc:
                if attempt == 1 and is_expired_credentials(exc):
                    self.refresh()
                    continue
                raise translate(exc, self.operation_name(service, method)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def paginate(
        self, service: str, method: str, /, *, max_items: int | None = None, region: str | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """Pages of a paginated operation through botocore's paginator, errors translated."""
        config = {"MaxItems": max_items} if max_items else {}
        try:
            paginator = self.client(service, region).get_paginator(method)
            yield from paginator.paginate(PaginationConfig=config, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, self.operation_name(service, method)) from exc

    def input_members(self, service: str, operation: str) -> frozenset[str]:
        """The request fields of ``operation`` in botocore's service model."""
        try:
            model = self.client(service).meta.service_model.operation_model(operation)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"{_SERVICE_PREFIX.get(service, service)}:{operation}") from exc
        return frozenset(model.input_shape.members)
