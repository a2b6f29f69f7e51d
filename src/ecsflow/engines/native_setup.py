"""Before an ECS-controller deploy starts: which strategy it runs, and the
``deploymentConfiguration`` members UpdateService sends with the new revision.

* ``strategy:`` in ecsflow.yml — ``auto`` (default) keeps what the live service has;
  ``rolling``, ``blue_green``, ``linear`` or ``canary`` switch
  ``deploymentConfiguration.strategy`` in the same UpdateService (AWS-SEMANTICS.md §7.1).
  A native strategy needs ECS's traffic-shifting pieces on the service: a load balancer
  with ``advancedConfiguration`` (``alternateTargetGroupArn``, ``productionListenerRule``,
  ``roleArn``) or Service Connect. Without them the deploy is refused before anything is
  registered or changed.
* A stop point that must be held (``--until test-traffic|production-traffic``, or a
  ``--test-command`` gate) adds a PAUSE hook on that stage, marked as ecsflow's
  (``lifecycle.GATE_MARKER``), unless the service's own PAUSE hook already holds it.
  ecsflow's PAUSE hooks left from an earlier deploy are taken out.
* ``EXTERNAL`` services are refused (another controller owns their task sets);
  ``CODE_DEPLOY`` services belong to the CodeDeploy engine and are not touched here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecsflow.engines.gates import PAUSE_STAGES, Gate, StopPoint
from ecsflow.errors import ConfigError, OperationFailed, UsageError
from ecsflow.lifecycle import GATE_MARKER, NATIVE_STRATEGIES, NativeService, is_gate

# ecsflow.yml's ``strategy:`` values -> deploymentConfiguration.strategy
STRATEGIES: dict[str, str] = {"rolling": "ROLLING", "blue_green": "BLUE_GREEN", "linear": "LINEAR", "canary": "CANARY"}
GATE_TIMEOUT_MINUTES = 1440  # ECS's default hook timeout (§7.3); then the deployment rolls back


@dataclass(frozen=True)
class NativeStart:
    strategy: str  # the strategy the deployment runs
    configuration: Mapping[str, Any] | None  # members of deploymentConfiguration to send, if any
    lines: tuple[str, ...] = ()  # what changes, for the plan


_CONTROLLERS = frozenset({"CODE_DEPLOY", "EXTERNAL"})


def needs_service_view(current: str, override: str | None, gate: Gate | None) -> bool:
    """Whether ``plan_native`` needs the service's stored configuration (one DescribeServices);
    ``current`` is ``strategy.strategy_of`` the live service (a strategy, or the controller)."""
    if current in _CONTROLLERS:
        return False
    # Native services always: an ecsflow gate hook left by an interrupted deploy must go.
    switch = override not in (None, "auto") and STRATEGIES.get(str(override)) != current
    return current in NATIVE_STRATEGIES or switch or bool(gate and gate.active)


def plan_native(
    key: str, name: str, current: str, override: str | None, gate: Gate | None, live: NativeService | None
) -> NativeStart | None:
    """What an ECS-controller deploy of service ``name`` (key ``key``, running ``current`` =
    ``strategy_of`` its live state) sends; ``None`` for other controllers."""
    if current == "EXTERNAL":
        return None  # strategy.check_supported refuses it
    if current in _CONTROLLERS:
        if override not in (None, "auto"):
            raise ConfigError(  # exit 2: the configuration asks for what this service cannot do
                f"services.{key}.strategy: {override} needs the ECS deployment controller; {name} uses {current}",
                hint="the deployment controller is chosen when the service is created; remove `strategy:` to "
                "deploy with the service's controller. Nothing was changed.",
            )
        return None
    wanted = STRATEGIES[str(override)] if override not in (None, "auto") else current
    configuration: dict[str, Any] = {}
    lines: list[str] = []
    if wanted != current:
        configuration["strategy"] = wanted
        lines.append(f"switch deploymentConfiguration.strategy {current} → {wanted}")
    if wanted in NATIVE_STRATEGIES and wanted != current:
        _require_traffic_shifting(key, wanted, live)
    point = gate.point if gate else None
    if point is not None and wanted not in NATIVE_STRATEGIES:
        raise UsageError(  # exit 2: a stop point needs lifecycle stages to stop at
            f"{key}: --until / --test-command need a blue/green strategy, and {name} deploys {wanted}",
            hint="set `strategy: blue_green` (or linear / canary) in ecsflow.yml, or deploy without a stop point. "
            "Nothing was changed.",
        )
    hooks = list((live.raw_configuration.get("lifecycleHooks") if live else None) or [])
    kept = without_gates(hooks)
    if point in PAUSE_STAGES:
        assert point is not None
        stage = PAUSE_STAGES[point]
        if not any(_pauses_at(h, stage) for h in kept):
            kept.append(gate_hook(stage))
            lines.append(f"hold the deployment at {stage} ({point.value}) with a PAUSE hook of ecsflow's")
    if kept != hooks:
        configuration["lifecycleHooks"] = kept
        if len(without_gates(hooks)) != len(hooks) and not any(is_gate(h) for h in kept):
            lines.append("remove ecsflow's PAUSE hook left from an earlier deploy")
    if point is StopPoint.BAKE and wanted in NATIVE_STRATEGIES:
        lines.append("stop waiting when BAKE_TIME begins (ECS cannot hold a deployment there)")
    return NativeStart(wanted, configuration or None, tuple(lines))


def gate_hook(stage: str) -> dict[str, Any]:
    return {
        "targetType": "PAUSE",
        "lifecycleStages": [stage],
        "hookDetails": {GATE_MARKER: True},
        "timeoutConfiguration": {"timeoutInMinutes": GATE_TIMEOUT_MINUTES, "action": "ROLLBACK"},
    }


def without_gates(hooks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(h) for h in hooks if not is_gate(h)]


def _pauses_at(hook: Mapping[str, Any], stage: str) -> bool:
    return hook.get("targetType") == "PAUSE" and stage in (hook.get("lifecycleStages") or ())


def _require_traffic_shifting(key: str, strategy: str, live: NativeService | None) -> None:
    if live is None:
        return
    if live.service_connect:
        return
    complete = [
        lb
        for lb in live.listeners
        if lb.alternate_target_group_arn and lb.production_listener_rule and lb.role_arn and lb.target_group_arn
    ]
    if complete:
        return
    missing: list[str] = []
    if not live.listeners:
        missing.append("a load balancer (loadBalancers[].targetGroupArn) or Service Connect")
    else:
        lb = live.listeners[0]
        if not lb.alternate_target_group_arn:
            missing.append("advancedConfiguration.alternateTargetGroupArn (the second, green target group)")
        if not lb.production_listener_rule:
            missing.append("advancedConfiguration.productionListenerRule (the ALB listener rule or NLB listener)")
        if not lb.role_arn:
            missing.append("advancedConfiguration.roleArn (the role ECS uses to change listener rules)")
    raise OperationFailed(
        f"services.{key}.strategy: {strategy.lower()} needs ECS's traffic shifting pieces, and the service lacks: "
        + "; ".join(missing),
        hint=f"`ecsflow bootstrap native {key} --strategy {strategy.lower()}` creates them (plan first), or add "
        "them to the service's loadBalancers in your IaC (an optional advancedConfiguration.testListenerRule gives "
        "a test listener); or keep `strategy: auto`. Nothing was changed.",
    )
