"""``ecsflow status`` for ECS-native BLUE_GREEN / LINEAR / CANARY services: the service
deployment in progress, its lifecycle stage, traffic on the new revision and the PAUSE hooks
that wait for someone. One ListServiceDeployments per such service, plus one
DescribeServiceDeployments while a deployment runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecsflow.cli.context import CliContext
from ecsflow.cli.service_targets import Target
from ecsflow.config import ProjectConfig
from ecsflow.engines.strategy import NATIVE
from ecsflow.errors import EcsflowError
from ecsflow.ports import ServiceState


def native_status(
    cli_ctx: CliContext, config: ProjectConfig | None, targets: Sequence[Target], states: Mapping[str, ServiceState]
) -> dict[str, dict[str, Any]]:
    """Service key -> {strategy, running: None | {id, status, stage, production_traffic, test_traffic, waiting}}."""
    wanted = [
        t for t in targets if (s := states.get(t.key)) is not None and s.controller == "ECS" and s.strategy in NATIVE
    ]
    if not wanted:
        return {}
    from ecsflow.aws.ecs_native import ServiceDeploymentsAdapter
    from ecsflow.cli.deploy import cli_clients

    port = ServiceDeploymentsAdapter(cli_clients(cli_ctx, config))
    out: dict[str, dict[str, Any]] = {}
    for t in wanted:
        entry: dict[str, Any] = {"strategy": states[t.key].strategy, "running": None}
        try:
            d = port.ongoing_native(t.cluster, t.service)
        except EcsflowError as exc:
            out[t.key] = {"strategy": entry["strategy"], "error": exc.message}
            continue
        if d is not None:
            entry["running"] = {
                "id": d.arn.rsplit("/", 1)[-1],
                "status": d.status,
                "stage": d.lifecycle_stage,
                "production_traffic": d.production_weight,
                "test_traffic": d.test_weight,
                "waiting": [h.hook_id for h in d.awaiting()],
            }
        out[t.key] = entry
    return out


def native_lines(key: str, entry: Mapping[str, Any]) -> list[str]:
    strategy = entry.get("strategy", "?")
    if "error" in entry:
        return [f"  {strategy}: {entry['error']}"]
    running = entry.get("running")
    if not running:
        return [f"  {strategy}: no deployment in progress"]
    traffic = ""
    if running.get("production_traffic") is not None:
        traffic = f", production {running['production_traffic']:.0f}% / test {running.get('test_traffic') or 0:.0f}%"
        traffic += " on the new revision"
    lines = [f"  {strategy}: {running['id']} {running['status']} at {running['stage']}{traffic}"]
    if running.get("waiting"):
        lines.append(
            f"  waits at a PAUSE hook: `ecsflow continue {key}` to go on, `ecsflow rollback {key}` to roll back"
        )
    return lines
