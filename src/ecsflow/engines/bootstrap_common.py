"""What the three bootstrap planners share: the record of what ecsflow created, the
``--delete`` planner over that record, and small helpers.

The record (kept by the CLI in ``.ecsflow/bootstrap/``) lists each resource ecsflow
created: its kind, identifier, the request that deletes it, and which bootstrap verb
created it. ``--delete`` deletes a recorded resource only if it still exists *and* still
carries the ``ecsflow:managed-by`` tag; anything else is kept, with the reason shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsflow.engines.bootstrap_apply import ProvisionPort
from ecsflow.engines.bootstrap_plan import Action, Step, managed

GONE = "already gone"
# Deletion order: what depends on a resource goes before it.
DELETE_ORDER = (
    "deployment-group",
    "service",
    "application",
    "rule",
    "listener",
    "task-definition",
    "target-group",
    "role",
    "log-group",
    "cluster",
)


@dataclass(frozen=True)
class RecordEntry:
    kind: str
    id: str  # ARN or name
    name: str
    by: str  # service | codedeploy | native
    undo: Mapping[str, Any] = field(default_factory=dict)  # the delete request

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "by": self.by, "undo": dict(self.undo)}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> RecordEntry:
        return RecordEntry(
            kind=str(data["kind"]),
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            by=str(data.get("by") or "service"),
            undo=dict(data.get("undo") or {}),
        )


def current_tags(port: ProvisionPort, entry: RecordEntry) -> dict[str, str] | None:
    """The resource's tags now, or None when it no longer exists."""
    u = entry.undo
    found: Mapping[str, Any] | None
    if entry.kind == "service":
        found = port.describe_service(str(u["cluster"]), str(u["service"]))
        if found is not None and found.get("status") == "INACTIVE":
            found = None
    elif entry.kind == "cluster":
        found = port.describe_cluster(entry.id)
    elif entry.kind == "log-group":
        found = port.log_group(str(u["logGroupName"]), u.get("region"))
    elif entry.kind == "task-definition":
        return port.task_definition_tags(entry.id)
    elif entry.kind == "target-group":
        found = port.target_group(entry.id)
    elif entry.kind == "listener":
        found = port.listener(entry.id)
    elif entry.kind == "rule":
        found = port.rule(entry.id)
    elif entry.kind == "role":
        found = port.role(str(u["RoleName"]))
    elif entry.kind == "application":
        found = port.application(str(u["applicationName"]))
    elif entry.kind == "deployment-group":
        found = port.deployment_group(str(u["applicationName"]), str(u["deploymentGroupName"]))
    else:
        return None
    return None if found is None else dict(found.get("tags") or {})


def service_load_balancers(port: ProvisionPort, service: Mapping[str, Any] | None) -> set[str]:
    """The load balancers in front of ``service`` (through its target groups)."""
    found: set[str] = set()
    for lb in (service or {}).get("loadBalancers") or ():
        group = port.target_group(str(lb["targetGroupArn"])) if lb.get("targetGroupArn") else None
        found.update(str(a) for a in (group or {}).get("LoadBalancerArns") or ())
    return found


def delete_steps(
    port: ProvisionPort,
    entries: Sequence[RecordEntry],
    *,
    in_use: Mapping[str, str] | None = None,
    load_balancers: set[str] | None = None,
) -> list[Step]:
    """A step per recorded resource, in dependency order: delete it when it still exists and
    is ecsflow's; keep it (with the reason) otherwise. ``in_use`` maps identifiers that must
    stay to the reason."""
    steps: list[Step] = []
    rank = {k: i for i, k in enumerate(DELETE_ORDER)}
    going = {e.id for e in entries if e.kind in ("rule", "listener")}
    for entry in sorted(entries, key=lambda e: rank.get(e.kind, len(rank))):
        step_id = f"{entry.kind}:{entry.id}"
        tags = current_tags(port, entry)
        reason = (in_use or {}).get(entry.id)
        if reason is None and tags is not None and entry.kind == "target-group":
            noted = {str(a) for a in entry.undo.get("_load_balancers") or ()}
            reason = _forwarded_to(port, entry.id, going, (load_balancers or set()) | noted)
        if tags is None:
            steps.append(Step(step_id, entry.kind, entry.name, Action.KEEP, (GONE,), existing=entry.id))
        elif not managed(tags):
            why = "no longer tagged ecsflow:managed-by=ecsflow: someone else manages it now"
            steps.append(Step(step_id, entry.kind, entry.name, Action.KEEP, (why,), existing=entry.id))
        elif reason:
            steps.append(Step(step_id, entry.kind, entry.name, Action.KEEP, (reason,), existing=entry.id))
        else:
            steps.append(Step(step_id, entry.kind, entry.name, Action.DELETE, params=entry.undo, existing=entry.id))
    return steps


def _forwarded_to(port: ProvisionPort, group_arn: str, going: set[str], load_balancers: set[str]) -> str | None:
    """Why a target group must stay: a listener or rule that is not deleted in the same plan
    forwards to it (CodeDeploy and ECS swap the pair, so the second group may carry production)."""
    from ecsflow.engines.bootstrap_lb import forwards_to

    group = port.target_group(group_arn)
    for lb in sorted(load_balancers | set((group or {}).get("LoadBalancerArns") or ())):
        for listener in port.listeners(str(lb)):
            arn = str(listener["ListenerArn"])
            if arn in going:
                continue
            if forwards_to(listener, group_arn):
                where = f"{arn.rsplit('/', 3)[-3]}:{listener.get('Port')}"
                return f"listener {where} forwards to it: point it back, then re-run"
            for rule in port.rules(arn):
                if str(rule["RuleArn"]) not in going and not rule.get("IsDefault") and forwards_to(rule, group_arn):
                    return f"a rule of listener port {listener.get('Port')} forwards to it: change it, then re-run"
    return None


def short(arn: str) -> str:
    """The readable tail of an ARN (``web:3``, ``targetgroup/web/abc``)."""
    if not arn.startswith("arn:"):
        return arn
    tail = arn.split(":", 5)[-1]
    return tail.split("/", 1)[-1] if tail.startswith(("task-definition/", "service/", "cluster/")) else tail


def differences(pairs: Sequence[tuple[str, Any, Any]]) -> tuple[str, ...]:
    """``what: AWS has X, ecsflow.yml says Y`` for every pair that differs."""
    return tuple(f"{what}: AWS has {have!r}, ecsflow.yml says {want!r}" for what, have, want in pairs if have != want)
