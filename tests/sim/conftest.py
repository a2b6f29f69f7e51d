"""Fixtures for the local AWS tests (shared fixtures live in ecsflow.sim.pytest_plugin)."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard retry mode sleeps a random back-off before each retry; the
    retry *decision* is what these tests check, so the back-off is zero here."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
