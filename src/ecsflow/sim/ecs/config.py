"""Deployment configuration rules: AWS defaults, merging, circuit-breaker threshold.

Sources: AWS-SEMANTICS 6.1-6.3 and 7.1 (ECS API reference, "How the Amazon ECS
deployment circuit breaker detects failures").
"""

from __future__ import annotations

import copy
import math
from typing import Any

NATIVE_STRATEGIES = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})

# UpdateService parameters that start a new deployment (AWS-SEMANTICS 6.1). Values
# are compared with the stored ones: only a change (or forceNewDeployment) counts.
DEPLOYMENT_TRIGGERS = (
    "networkConfiguration",
    "platformVersion",
    "loadBalancers",
    "serviceRegistries",
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
)

# Linear / canary defaults (AWS-SEMANTICS 7.1, ECS API reference).
LINEAR_STEP_PERCENT = 10.0
LINEAR_STEP_BAKE_MINUTES = 6
CANARY_PERCENT = 5.0
CANARY_BAKE_MINUTES = 10

# DeploymentLifecycleHookTimeoutConfiguration defaults (AWS-SEMANTICS 7.3).
HOOK_TIMEOUT_MINUTES = 1440
HOOK_TIMEOUT_ACTION = "ROLLBACK"


STRATEGIES = frozenset({"ROLLING", *NATIVE_STRATEGIES})


def problem(config: dict[str, Any] | None) -> str | None:
    """What ECS would refuse in a ``deploymentConfiguration`` (InvalidParameterException).

    The ranges are AWS-SEMANTICS 7.1 (API reference); the message wording is assumed.
    """
    config = config or {}
    kind = config.get("strategy")
    if kind is not None and kind not in STRATEGIES:
        return f"deploymentConfiguration.strategy must be one of {', '.join(sorted(STRATEGIES))}; got {kind}."
    step = (config.get("linearConfiguration") or {}).get("stepPercent")
    if step is not None and not 3.0 <= float(step) <= 100.0:
        return "deploymentConfiguration.linearConfiguration.stepPercent must be between 3.0 and 100.0."
    canary = (config.get("canaryConfiguration") or {}).get("canaryPercent")
    if canary is not None and not 0.1 <= float(canary) <= 100.0:
        return "deploymentConfiguration.canaryConfiguration.canaryPercent must be between 0.1 and 100.0."
    for key in ("stepBakeTimeInMinutes", "canaryBakeTimeInMinutes"):
        section = "linearConfiguration" if key.startswith("step") else "canaryConfiguration"
        minutes = (config.get(section) or {}).get(key)
        if minutes is not None and not 0 <= int(minutes) <= 1440:
            return f"deploymentConfiguration.{section}.{key} must be between 0 and 1440."
    return None


def with_defaults(config: dict[str, Any] | None, scheduling_strategy: str = "REPLICA") -> dict[str, Any]:
    """``deploymentConfiguration`` as DescribeServices shows it after CreateService.

    REPLICA: minimumHealthyPercent 100, maximumPercent 200; DAEMON: 0 / 100
    (AWS-SEMANTICS 6.2). The circuit breaker is off unless given, strategy ROLLING.
    """
    result = copy.deepcopy(config) if config else {}
    daemon = scheduling_strategy == "DAEMON"
    result.setdefault("minimumHealthyPercent", 0 if daemon else 100)
    result.setdefault("maximumPercent", 100 if daemon else 200)
    result.setdefault("deploymentCircuitBreaker", {"enable": False, "rollback": False})
    result.setdefault("strategy", "ROLLING")
    return result


def merge(stored: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    """UpdateService merges the given members into the stored configuration.

    Assumed: members not given keep their current value (AWS documents no reset to
    defaults for omitted members of ``deploymentConfiguration``).
    """
    result = copy.deepcopy(stored)
    for key, value in (update or {}).items():
        if value is not None:
            result[key] = copy.deepcopy(value)
    return result


def strategy(config: dict[str, Any]) -> str:
    return str(config.get("strategy") or "ROLLING")


def circuit_breaker(config: dict[str, Any]) -> dict[str, Any]:
    breaker = config.get("deploymentCircuitBreaker") or {}
    return breaker if isinstance(breaker, dict) else {}


def breaker_enabled(config: dict[str, Any]) -> bool:
    return bool(circuit_breaker(config).get("enable"))


def breaker_rollback(config: dict[str, Any]) -> bool:
    return bool(circuit_breaker(config).get("rollback"))


def reset_on_healthy_task(config: dict[str, Any]) -> bool:
    # Default true (AWS-SEMANTICS 6.3).
    value = circuit_breaker(config).get("resetOnHealthyTask")
    return True if value is None else bool(value)


def failure_threshold(desired_count: int, config: dict[str, Any]) -> int:
    """How many failed tasks trip the circuit breaker (AWS-SEMANTICS 6.3).

    Classic rule: 0.5 × desired rounded up, clamped to [3, 200]. With
    ``thresholdConfiguration``: COUNT uses the value; BOUNDED_PERCENT applies the
    same clamp to value % of desired; UNBOUNDED_PERCENT does not clamp (assumed at
    least 1, since a threshold of 0 would fail before any task ran).
    """
    settings = circuit_breaker(config).get("thresholdConfiguration") or {}
    kind = settings.get("type", "BOUNDED_PERCENT")
    value = settings.get("value", 50)
    if kind == "COUNT":
        return max(1, int(value))
    computed = math.ceil(desired_count * float(value) / 100)
    if kind == "UNBOUNDED_PERCENT":
        return max(1, computed)
    return min(200, max(3, computed))


def task_limits(desired_count: int, config: dict[str, Any]) -> tuple[int, int]:
    """(minimum healthy tasks, maximum tasks) for a rolling deployment.

    min healthy = ceil(desired × min% / 100); max = floor(desired × max% / 100)
    (AWS-SEMANTICS 6.2: "rounded up" / "rounded down").
    """
    min_percent = int(config.get("minimumHealthyPercent", 100))
    max_percent = int(config.get("maximumPercent", 200))
    minimum = math.ceil(desired_count * min_percent / 100)
    maximum = math.floor(desired_count * max_percent / 100)
    return minimum, maximum


def production_steps(config: dict[str, Any]) -> list[tuple[float, float]]:
    """Production traffic shift as (green weight %, wait seconds after it) steps.

    BLUE_GREEN: one step to 100. LINEAR: ``stepPercent`` increments with
    ``stepBakeTimeInMinutes`` between them, none after 100 (AWS-SEMANTICS 7.1).
    CANARY: ``canaryPercent``, ``canaryBakeTimeInMinutes``, then 100.
    """
    kind = strategy(config)
    if kind == "LINEAR":
        linear = config.get("linearConfiguration") or {}
        step = float(linear.get("stepPercent", LINEAR_STEP_PERCENT))
        bake = float(linear.get("stepBakeTimeInMinutes", LINEAR_STEP_BAKE_MINUTES)) * 60
        steps: list[tuple[float, float]] = []
        weight = 0.0
        while weight < 100.0:
            weight = min(100.0, round(weight + step, 1))
            steps.append((weight, 0.0 if weight >= 100.0 else bake))
        return steps
    if kind == "CANARY":
        canary = config.get("canaryConfiguration") or {}
        percent = float(canary.get("canaryPercent", CANARY_PERCENT))
        bake = float(canary.get("canaryBakeTimeInMinutes", CANARY_BAKE_MINUTES)) * 60
        if percent >= 100.0:
            return [(100.0, 0.0)]
        return [(percent, bake), (100.0, 0.0)]
    return [(100.0, 0.0)]


def bake_seconds(config: dict[str, Any]) -> float:
    # bakeTimeInMinutes: required for BLUE_GREEN per the API doc; 0 assumed when absent.
    return float(config.get("bakeTimeInMinutes") or 0) * 60


def hooks_for(config: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    return [hook for hook in config.get("lifecycleHooks") or [] if stage in (hook.get("lifecycleStages") or [])]
