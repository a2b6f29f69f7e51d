"""API faults: throttling, dropped connections, expired credentials.

Rules come from ``Scenario.faults`` (pattern -> ``OperationFaults``). Every matching
rule is evaluated; the first fault found wins, in the order throttling, expired
credentials, dropped connection. Counters are per (rule pattern, operation) and reset
with the scenario, so "every 3rd call" means the 3rd, 6th, … attempt of *that*
operation since the scenario was set.

The token bucket follows the model AWS documents for ECS API request throttling
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html):
a bucket holds at most ``burst`` tokens, refills at ``rate`` tokens per second and
each request takes one. It refills on *simulated* time, so that a manual or poll
clock keeps tests deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

from ecsflow.sim.context import OperationFaults, Scenario


class Fault(StrEnum):
    THROTTLE = "throttle"
    EXPIRED = "expired"
    DROP = "drop"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FaultEngine:
    """Not thread-safe by itself: the middleware calls it under ``SimContext.lock``."""

    def __init__(self) -> None:
        self._attempts: dict[tuple[str, str], int] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def reset(self) -> None:
        self._attempts.clear()
        self._buckets.clear()

    def decide(self, scenario: Scenario, operation: str, now: float) -> Fault | None:
        found: Fault | None = None
        for pattern, rule in scenario.faults.items():
            if not fnmatchcase(operation, pattern):
                continue
            key = (pattern, operation)
            n = self._attempts.get(key, 0) + 1
            self._attempts[key] = n
            fault = self._rule_fault(rule, key, n, now)
            if found is None:
                found = fault
        return found

    def _rule_fault(self, rule: OperationFaults, key: tuple[str, str], n: int, now: float) -> Fault | None:
        if rule.throttle_every > 0 and n % rule.throttle_every == 0:
            return Fault.THROTTLE
        if rule.burst > 0 and not self._take_token(rule, key, now):
            return Fault.THROTTLE
        if (rule.expired_every > 0 and n % rule.expired_every == 0) or (
            rule.expired_from is not None and now >= rule.expired_from
        ):
            return Fault.EXPIRED
        if (rule.drop_every > 0 and n % rule.drop_every == 0) or n in rule.drop_attempts:
            return Fault.DROP
        return None

    def _take_token(self, rule: OperationFaults, key: tuple[str, str], now: float) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(rule.burst), updated=now)
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(rule.burst), bucket.tokens + elapsed * rule.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False
