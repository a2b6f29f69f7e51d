"""Fixtures of the CodeDeploy simulation tests."""

from __future__ import annotations

from typing import Any

import pytest


class CachedClients:
    """``local_aws`` with one boto3 client per service for the whole test (client creation
    costs more than a request)."""

    def __init__(self, aws: Any) -> None:
        self._aws = aws
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._aws.client(service)
        return self._clients[service]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aws, name)


@pytest.fixture
def aws(local_aws: Any) -> CachedClients:
    return CachedClients(local_aws)
