"""Deploy order: groups of services deployed one group after the other.

Two ways to say it in ``ecsflow.yml``, combinable: a top-level ``order:`` list (each
item a service key or a list of keys deployed together) and a service's ``after:``
(keys that must finish first). Services named nowhere go in the first group they can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ecsflow.config.model import ServiceConfig


def deploy_order(
    services: Mapping[str, ServiceConfig], raw_order: Any, problem: Callable[[str, str], None]
) -> tuple[tuple[str, ...], ...]:
    """Layers of a topological sort of ``after:`` edges plus the edges implied by ``order:``."""
    after: dict[str, set[str]] = {key: set(svc.after) for key, svc in services.items()}
    for key, svc in services.items():
        for dep in svc.after:
            if dep not in services:
                problem(f"services.{key}.after", f"no service {dep!r} under services")
                after[key].discard(dep)
    previous: list[str] = []
    if raw_order is not None and not isinstance(raw_order, list):
        problem("order", "expected a list of service keys (or lists of keys)")
        raw_order = []
    for i, item in enumerate(raw_order or []):
        group = [item] if isinstance(item, str) else item
        if not isinstance(group, list) or not all(isinstance(k, str) for k in group):
            problem(f"order[{i}]", "expected a service key or a list of keys")
            continue
        for key in group:
            if key not in services:
                problem(f"order[{i}]", f"no service {key!r} under services")
            else:
                after[key].update(previous)
        previous = [k for k in group if k in services]
    layers: list[tuple[str, ...]] = []
    done: set[str] = set()
    pending = list(services)
    while pending:
        ready = [k for k in pending if after[k] <= done]
        if not ready:
            problem("order", f"services wait for each other in a cycle: {', '.join(sorted(pending))}")
            return (*layers, tuple(pending))
        layers.append(tuple(ready))
        done.update(ready)
        pending = [k for k in pending if k not in done]
    return tuple(layers)
