"""The default wait timeout, derived from the service's own settings.

Formula (documented in docs/deploy.md)::

    waves    = ceil(desired / step), step = max(1, floor(desired × (maximumPercent − minimumHealthyPercent) / 100))
               (at most 10: ECS starts the next wave as soon as tasks are healthy, waves overlap)
    per_wave = TASK_START (180 s: image pull, ENI, container start)
               + healthCheckGracePeriodSeconds
               + HEALTHY (40 s without a load balancer: ECS counts a task healthy 40 s after RUNNING,
                 AWS-SEMANTICS.md §6.2; 90 s with one: several target health checks)
               + DRAIN (300 s with a load balancer: the ELB default deregistration delay)
               + STOP (30 s: the default stopTimeout before SIGKILL, §6.1)
    timeout  = MARGIN (300 s) + waves × per_wave, clamped to [10 min, 6 h]

With the circuit breaker the limit rarely matters (ECS fails the deployment itself);
without it, this is what stops a deployment whose tasks never get healthy from
blocking CI for the CodePipeline default of 60 minutes.
"""

from __future__ import annotations

import math

from ecsflow.lifecycle import NativeSettings
from ecsflow.ports import ServiceState

TASK_START = 180.0
HEALTHY_NO_LB = 40.0
HEALTHY_LB = 90.0
DRAIN_LB = 300.0
STOP = 30.0
MARGIN = 300.0
MINIMUM = 600.0
MAXIMUM = 6 * 3600.0
MAX_WAVES = 10


def default_timeout(state: ServiceState) -> float:
    desired = max(state.desired, 1)
    max_pct = state.maximum_percent if state.maximum_percent is not None else 200
    min_pct = state.minimum_healthy_percent if state.minimum_healthy_percent is not None else 100
    step = max(1, math.floor(desired * max(max_pct - min_pct, 0) / 100))
    waves = min(math.ceil(desired / step), MAX_WAVES)
    has_lb = bool(state.load_balancers)
    per_wave = (
        TASK_START
        + state.health_check_grace_seconds
        + (HEALTHY_LB if has_lb else HEALTHY_NO_LB)
        + (DRAIN_LB if has_lb else 0.0)
        + STOP
    )
    return min(max(MARGIN + waves * per_wave, MINIMUM), MAXIMUM)


def failure_threshold(desired: int) -> int:
    """How many failed task launches mean "tasks keep failing" when there is no circuit breaker:
    the circuit breaker's own default formula, 50 % of desired rounded up, clamped to [3, 200]
    (AWS-SEMANTICS.md §6.3, current docs' minimum of 3)."""
    return min(max(math.ceil(desired * 0.5), 3), 200)


# ECS native strategies (AWS-SEMANTICS.md §7): the deployment's own settings decide.
STAGE = 30.0  # a lifecycle stage without a wait of its own (ECS moves on within seconds; generous)
NATIVE_STAGES = 10  # RECONCILE_SERVICE … CLEAN_UP (§7.2)


def native_timeout(settings: NativeSettings, grace_seconds: float = 0.0) -> float:
    """The default wait for a BLUE_GREEN / LINEAR / CANARY deployment::

        timeout = MARGIN + TASK_START + grace + HEALTHY_LB         (SCALE_UP: green starts at once)
                  + NATIVE_STAGES × STAGE                          (stage transitions)
                  + shift                                          (LINEAR: (steps − 1) × stepBakeTime;
                                                                    CANARY: canaryBakeTime; BLUE_GREEN: 0)
                  + bakeTimeInMinutes                              (BAKE_TIME)
                  + Σ Lambda hooks' timeoutInMinutes               (ECS itself acts when one expires)
                  + DRAIN + STOP                                   (CLEAN_UP: blue scales to zero)

    No upper clamp: every term is a wait ECS itself may take, so a shorter limit would
    report "timed out" for a deployment that is fine. PAUSE hooks add nothing: a pause ends
    the wait with "paused" (exit 7), it never runs into the limit.
    """
    if settings.strategy == "LINEAR":
        steps = math.ceil(100.0 / max(settings.step_percent, 0.1))
        shift = max(steps - 1, 0) * settings.step_bake_minutes * 60.0
    elif settings.strategy == "CANARY":
        shift = settings.canary_bake_minutes * 60.0
    else:
        shift = 0.0
    hooks = sum(h.timeout_minutes * 60.0 for h in settings.hooks if h.target_type != "PAUSE")
    total = (
        MARGIN
        + TASK_START
        + grace_seconds
        + HEALTHY_LB
        + NATIVE_STAGES * STAGE
        + shift
        + settings.bake_minutes * 60.0
        + hooks
        + DRAIN_LB
        + STOP
    )
    return max(total, MINIMUM)
