"""The CodeDeploy machine registered with the local AWS: every deployment run, by id.

State lives here (per ``SimContext``) and on moto's objects; a run whose moto deployment
vanished (``/moto-api/reset``, a framework reset) is dropped on the next advance, so the
simulator survives resets without a hook into them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.codedeploy.models import codedeploy_backends
from moto.ecs.models import ecs_backends

from ecsflow.sim.codedeploy.configs import ConfigStore
from ecsflow.sim.codedeploy.effects import MotoEffects, World
from ecsflow.sim.codedeploy.machine import Deployment
from ecsflow.sim.context import SimContext

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def stamp(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


@dataclass
class Run:
    account: str
    region: str
    info: Any  # moto's DeploymentInfo, the rendering target
    machine: Deployment
    world: World | None
    effects: MotoEffects | None
    group_key: tuple[str, str]  # (application, deployment group)


@dataclass
class CodeDeploySimulator:
    ctx: SimContext
    runs: dict[str, Run] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)  # task set ARN -> first seen
    initialised: set[str] = field(default_factory=set)  # CODE_DEPLOY services given a first task set

    def forget(self) -> None:
        """The local AWS was reset: every run and task set timing goes."""
        self.runs.clear()
        self.first_seen.clear()
        self.initialised.clear()

    # --- ids -----------------------------------------------------------------------

    def new_deployment_id(self) -> str:
        """``d-`` + 9 uppercase alphanumerics, derived from the seed and a counter."""
        n = self.ctx.next_number("codedeploy:deployment")
        value = int.from_bytes(hashlib.sha256(f"{self.ctx.scenario.seed}:{n}".encode()).digest()[:8], "big")
        chars = []
        for _ in range(9):
            value, digit = divmod(value, 36)
            chars.append(_ALPHABET[digit])
        return "d-" + "".join(chars)

    def new_execution_id(self, deployment_id: str, event: str) -> str:
        n = self.ctx.next_number("codedeploy:hook")
        raw = f"{deployment_id}:{event}:{n}:{self.ctx.scenario.seed}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    # --- lookups -------------------------------------------------------------------

    def configs(self, backend: Any) -> ConfigStore:
        # Kept on moto's backend object, so a moto reset forgets custom configs too.
        store: ConfigStore | None = backend.__dict__.get("_ecsflow_configs")
        if store is None:
            store = backend.__dict__["_ecsflow_configs"] = ConfigStore()
        return store

    def alive(self, run: Run) -> bool:
        backend = codedeploy_backends[run.account][run.region]
        return backend.deployments.get(run.machine.deployment_id) is run.info

    def run(self, deployment_id: str) -> Run | None:
        found = self.runs.get(deployment_id)
        return found if found is not None and self.alive(found) else None

    def active_in_group(self, account: str, region: str, key: tuple[str, str]) -> Run | None:
        for run in self.runs.values():
            same = (run.account, run.region, run.group_key) == (account, region, key)
            if same and not run.machine.done and self.alive(run):
                return run
        return None

    # --- time ----------------------------------------------------------------------

    def advance_to(self, now: float) -> None:
        for deployment_id, run in list(self.runs.items()):
            if not self.alive(run):
                del self.runs[deployment_id]
                continue
            if not run.machine.done:
                run.machine.advance_to(now)
            render(run)
        self._settle_task_sets(now)

    def _settle_task_sets(self, now: float) -> None:
        """Task sets of CODE_DEPLOY services that no deployment drives (the initial one made by
        CreateTaskSet, or one left after a stop without rollback) start and stabilise over time,
        with the scenario's task timings, instead of moto's constant STEADY_STATE."""
        managed = {
            arn
            for run in self.runs.values()
            if run.effects and not run.machine.done
            for arn in run.effects.task_sets.values()
        }
        backend: Any = ecs_backends[self.ctx.account_id][self.ctx.region]
        present: set[str] = set()
        for service in list(backend.services.values()):
            if service.deployment_controller.get("type") != "CODE_DEPLOY":
                continue
            self._first_task_set(backend, service)
            timing = self.ctx.scenario.for_service(service.cluster_name, service.name)
            for ts in service.task_sets:
                present.add(ts.task_set_arn)
                if ts.task_set_arn in managed:
                    continue
                seen = self.first_seen.setdefault(ts.task_set_arn, now)
                scale = (ts.scale or {}).get("value", 100.0)
                desired = int(service.desired_count * float(scale) / 100)
                started = now >= seen + timing.task_start_seconds
                stable = now >= seen + timing.task_start_seconds + timing.healthy_after_seconds
                if getattr(ts, "computed_desired_count", None) is not None and ts.running_count == desired:
                    started = stable = True  # already running: never goes back
                ts.computed_desired_count = desired
                ts.running_count = desired if started else 0
                ts.pending_count = 0 if started else desired
                new_status = "STEADY_STATE" if stable else "STABILIZING"
                if ts.stabilityStatus != new_status:
                    ts.stabilityStatus, ts.stabilityStatusAt = new_status, stamp(now)
            service.running_count = sum(getattr(ts, "running_count", 0) or 0 for ts in service.task_sets)
            service.pending_count = sum(getattr(ts, "pending_count", 0) or 0 for ts in service.task_sets)
        # After a moto reset the same seed gives the same ARNs again: forget the old ones.
        self.first_seen = {arn: t for arn, t in self.first_seen.items() if arn in present}

    def _first_task_set(self, backend: Any, service: Any) -> None:
        """ECS gives a new CODE_DEPLOY service its first (PRIMARY) task set from the service's
        task definition and load balancers; moto creates none."""
        if service.arn in self.initialised:
            return
        self.initialised.add(service.arn)
        if service.task_sets or not service.task_definition:
            return
        task_set = backend.create_task_set(
            service.name,
            service.cluster_name,
            service.task_definition,
            network_configuration=service.network_configuration or None,
            load_balancers=list(service.load_balancers or []),
            launch_type=service.launch_type or "FARGATE",
            capacity_provider_strategy=getattr(service, "capacity_provider_strategy", None) or None,
            platform_version=service.platform_version,
        )
        # No ``scale`` argument: moto would start real tasks for it.
        task_set.scale = {"value": 100.0, "unit": "PERCENT"}
        backend.update_service_primary_task_set(service.cluster_name, service.name, task_set.task_set_arn)


def render(run: Run) -> None:
    """Write the machine's state onto moto's DeploymentInfo (what GetDeployment serialises)."""
    m, info = run.machine, run.info
    info.status = m.status
    info.start_time = stamp(m.started)
    info.complete_time = stamp(m.completed)
    info.instance_termination_wait_time_started = m.termination_wait_started is not None
    info.deployment_status_messages = list(m.messages)
    overview = dict.fromkeys(("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready"), 0)
    overview[m.target_status()] = 1
    info.deployment_overview = overview


def extra_info(run: Run) -> dict[str, Any]:
    """Fields moto leaves empty: errorInformation and rollbackInfo."""
    m = run.machine
    out: dict[str, Any] = {}
    if m.error is not None:
        out["errorInformation"] = {"code": m.error[0], "message": m.error[1]}
    if m.rollback_message is not None:
        # [assumed] ECS rollback happens inside the failed/stopped deployment: no separate
        # rollback deployment id (AWS-SEMANTICS 5.2 marks this uncertain).
        out["rollbackInfo"] = {"rollbackMessage": m.rollback_message}
    return out
