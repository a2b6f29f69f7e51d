"""``services.<key>.bootstrap`` in ``ecsflow.yml``: what ``ecsflow bootstrap service`` creates.

A frozen model plus its parser. The parser reports every problem with its path through
the ``problem(path, message)`` callback of ``ecsflow.config.parse``, so a typo here is
listed with the rest of the file's problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CONTROLLERS = ("ECS", "CODE_DEPLOY")
STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
LAUNCH_TYPES = ("FARGATE", "EC2", "EXTERNAL")

_KEYS = {
    "desired_count",
    "launch_type",
    "capacity_providers",
    "platform_version",
    "subnets",
    "security_groups",
    "public_ip",
    "load_balancer",
    "controller",
    "strategy",
    "native",
    "circuit_breaker",
    "health_check_grace",
}
_LB_KEYS = {"target_group", "container", "port", "listener"}
_NATIVE_KEYS = {
    "bake_minutes",
    "step_percent",
    "step_bake_minutes",
    "canary_percent",
    "canary_bake_minutes",
    "infrastructure_role",
    "test_listener",
}
_PROVIDER_KEYS = {"provider", "weight", "base"}

Problem = Callable[[str, str], None]


@dataclass(frozen=True)
class CapacityProvider:
    provider: str
    weight: int = 1
    base: int = 0


@dataclass(frozen=True)
class LoadBalancerConfig:
    target_group: str  # ARN or name of an existing target group
    container: str
    port: int
    listener: str | None = None  # production listener ARN; default: the one forwarding to the group


@dataclass(frozen=True)
class NativeConfig:
    """ECS-native blue/green settings (AWS-SEMANTICS.md §7.1); None: AWS's default."""

    bake_minutes: int | None = None
    step_percent: float | None = None
    step_bake_minutes: int | None = None
    canary_percent: float | None = None
    canary_bake_minutes: int | None = None
    infrastructure_role: str | None = None  # ARN; default: a role ecsflow creates
    test_listener: str | None = None  # ARN of a listener for test traffic (a rule is created on it)


@dataclass(frozen=True)
class BootstrapConfig:
    desired_count: int = 1
    launch_type: str | None = None  # default FARGATE unless capacity_providers are given
    capacity_providers: tuple[CapacityProvider, ...] = ()
    platform_version: str | None = None
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    public_ip: bool = False
    load_balancer: LoadBalancerConfig | None = None
    controller: str = "ECS"
    strategy: str = "ROLLING"
    native: NativeConfig = NativeConfig()
    circuit_breaker: bool = True  # with rollback; ECS controller, ROLLING only
    health_check_grace: int | None = None  # seconds


def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _mapping(value: Any, path: str, allowed: set[str], problem: Problem) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problem(path, "expected a mapping")
        return {}
    for key in value:
        if key not in allowed:
            problem(_join(path, str(key)), f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return value


def _int(data: Mapping[str, Any], key: str, path: str, problem: Problem, low: int, high: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problem(_join(path, key), f"expected a whole number from {low} to {high}, got {value!r}")
        return None
    return value


def _float(data: Mapping[str, Any], key: str, path: str, problem: Problem, low: float, high: float) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        problem(_join(path, key), f"expected a number from {low} to {high}, got {value!r}")
        return None
    return float(value)


def _str(data: Mapping[str, Any], key: str, path: str, problem: Problem) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        problem(_join(path, key), f"expected a string, got {value!r}")
        return None
    return value


def _choice(data: Mapping[str, Any], key: str, path: str, problem: Problem, choices: tuple[str, ...]) -> str | None:
    value = _str(data, key, path, problem)
    if value is None:
        return None
    normal = value.upper().replace("-", "_")
    if normal not in choices:
        problem(_join(path, key), f"expected one of {', '.join(c.lower() for c in choices)}, got {value!r}")
        return None
    return normal


def _names(value: Any, path: str, problem: Problem) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problem(path, "expected an id or a list of ids")
        return ()
    return tuple(value)


def _bool(data: Mapping[str, Any], key: str, path: str, problem: Problem, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        problem(_join(path, key), f"expected true or false, got {value!r}")
        return default
    return value


def parse_bootstrap(value: Any, path: str, problem: Problem) -> BootstrapConfig:
    data = _mapping(value, path, _KEYS, problem)
    providers: list[CapacityProvider] = []
    raw_providers = data.get("capacity_providers") or []
    if not isinstance(raw_providers, list):
        problem(_join(path, "capacity_providers"), "expected a list of {provider, weight, base}")
        raw_providers = []
    for i, item in enumerate(raw_providers):
        ppath = _join(_join(path, "capacity_providers"), i)
        p = _mapping(item, ppath, _PROVIDER_KEYS, problem)
        name = _str(p, "provider", ppath, problem)
        if name is None:
            problem(ppath, "needs `provider`")
            continue
        weight = _int(p, "weight", ppath, problem, 0, 1000)
        base = _int(p, "base", ppath, problem, 0, 100000)
        providers.append(CapacityProvider(name, 1 if weight is None else weight, base or 0))
    launch_type = _choice(data, "launch_type", path, problem, LAUNCH_TYPES)
    if launch_type and providers:
        problem(_join(path, "launch_type"), "give launch_type or capacity_providers, not both")
    lb = _load_balancer(data.get("load_balancer"), _join(path, "load_balancer"), problem)
    controller = _choice(data, "controller", path, problem, CONTROLLERS) or "ECS"
    strategy = _choice(data, "strategy", path, problem, STRATEGIES) or "ROLLING"
    if strategy != "ROLLING" and controller != "ECS":
        problem(_join(path, "strategy"), f"{strategy.lower()} needs controller ECS (CODE_DEPLOY shifts traffic itself)")
    if lb is None and (strategy != "ROLLING" or controller == "CODE_DEPLOY"):
        problem(_join(path, "load_balancer"), "blue/green (native or CODE_DEPLOY) needs a load balancer")
    npath = _join(path, "native")
    n = _mapping(data.get("native"), npath, _NATIVE_KEYS, problem)
    native = NativeConfig(
        bake_minutes=_int(n, "bake_minutes", npath, problem, 0, 1440),
        step_percent=_float(n, "step_percent", npath, problem, 3.0, 100.0),
        step_bake_minutes=_int(n, "step_bake_minutes", npath, problem, 0, 1440),
        canary_percent=_float(n, "canary_percent", npath, problem, 0.1, 100.0),
        canary_bake_minutes=_int(n, "canary_bake_minutes", npath, problem, 0, 1440),
        infrastructure_role=_str(n, "infrastructure_role", npath, problem),
        test_listener=_str(n, "test_listener", npath, problem),
    )
    grace = _int(data, "health_check_grace", path, problem, 0, 2147483647)
    count = _int(data, "desired_count", path, problem, 0, 5000)
    return BootstrapConfig(
        desired_count=1 if count is None else count,
        launch_type=launch_type,
        capacity_providers=tuple(providers),
        platform_version=_str(data, "platform_version", path, problem),
        subnets=_names(data.get("subnets"), _join(path, "subnets"), problem),
        security_groups=_names(data.get("security_groups"), _join(path, "security_groups"), problem),
        public_ip=_bool(data, "public_ip", path, problem, False),
        load_balancer=lb,
        controller=controller,
        strategy=strategy,
        native=native,
        circuit_breaker=_bool(data, "circuit_breaker", path, problem, True),
        health_check_grace=grace,
    )


def _load_balancer(value: Any, path: str, problem: Problem) -> LoadBalancerConfig | None:
    if value is None:
        return None
    data = _mapping(value, path, _LB_KEYS, problem)
    group = _str(data, "target_group", path, problem)
    container = _str(data, "container", path, problem)
    port = _int(data, "port", path, problem, 1, 65535)
    for key, got in (("target_group", group), ("container", container), ("port", port)):
        if got is None and key not in data:
            problem(_join(path, key), "required")
    if group is None or container is None or port is None:
        return None
    return LoadBalancerConfig(group, container, port, _str(data, "listener", path, problem))
