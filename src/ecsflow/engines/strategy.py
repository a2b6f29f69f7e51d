"""Which engine deploys a service: chosen from the live service, checked before any mutation.

The deployment controller and ``deploymentConfiguration.strategy`` of the service decide
(AWS-SEMANTICS.md §6, §7, §1.2). ROLLING, the ECS-native BLUE_GREEN/LINEAR/CANARY and
the CODE_DEPLOY controller are deployed; EXTERNAL and strategies ECS may add later raise a
clear error before anything is registered.

Plug-in point: a strategy is a *judge* - ``(tracked, service state, now) -> Verdict | None``
- that the shared waiter calls on every poll (plus, where the strategy needs one, its own
start step in the executor). Judges without ports live in ``JUDGES``; judges bound to ports
(ECS-native BLUE_GREEN/LINEAR/CANARY: ``engines.native.NativeJudge``) are handed to the
waiter by the engine (``RollingWaiter(judges=...)``). ``SUPPORTED`` lists what
``check_supported`` accepts: ``strategy_of`` values (ECS strategies, or the controller).
"""

from __future__ import annotations

from collections.abc import Callable

from ecsflow.engines.outcome import Verdict, judge
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import OperationFailed
from ecsflow.ports import ServiceState

Judge = Callable[[Tracked, ServiceState, float], Verdict | None]
JUDGES: dict[str, Judge] = {"ROLLING": judge}  # ECS-controller strategies ecsflow can follow
NATIVE = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})  # followed by engines.native.NativeJudge
CODE_DEPLOY = "CODE_DEPLOY"  # followed by engines.codedeploy_wait.CodeDeployWaiter (its own port)
SUPPORTED: set[str] = {"ROLLING", *NATIVE, CODE_DEPLOY}


def strategy_of(state: ServiceState) -> str:
    return state.strategy if state.controller == "ECS" else state.controller


def check_supported(key: str, state: ServiceState) -> None:
    """Raise ``OperationFailed`` (exit 1, nothing changed) for a strategy ecsflow cannot deploy yet."""
    if strategy_of(state) in SUPPORTED:
        return
    name = f"{key} ({state.name})"
    if state.controller == "EXTERNAL":
        raise OperationFailed(
            f"{name} uses the EXTERNAL deployment controller: a third-party controller owns its task sets",
            hint="deploy it with that controller (CreateTaskSet); ecsflow will not fight it, since ECS only lets "
            "that controller create and shift task sets. Nothing was changed.",
        )
    raise OperationFailed(
        f"{name} uses the ECS {state.strategy} strategy, which this ecsflow does not deploy yet",
        hint="ecsflow deploys ROLLING, BLUE_GREEN, LINEAR and CANARY (ECS controller) and CODE_DEPLOY services; "
        "a newer ecsflow may know this strategy. Nothing was changed.",
    )
