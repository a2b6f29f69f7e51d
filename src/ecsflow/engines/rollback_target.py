"""``rollback``: where to go back to, chosen from what actually worked.

The target is the most recent revision whose service deployment ended ``SUCCESSFUL``
other than the one the service runs now: never "revision number minus one", which may
never have deployed, may have failed, or may belong to another branch (ecspresso #22).
``--to N|family:N|ARN`` names it instead; it must be ACTIVE, since ECS refuses to move a
service to an INACTIVE revision (AWS-SEMANTICS §6.1, §8.4).

While a deployment is still in progress, the right tool is
``StopServiceDeployment(stopType=ROLLBACK)``: ECS itself returns the service to the
revision of its last completed deployment and records the rollback (§6.6). ecsflow uses
it when the endpoint has the service deployments API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecsflow.engines.inspect import ONGOING, short
from ecsflow.engines.revision_log import DeploymentEntry, RevisionCache, service_history
from ecsflow.errors import InputError, OperationFailed, Problem, ResourceNotFound
from ecsflow.ports import EcsPort, ServiceState

_REVISION = re.compile(r"^\d+$")


@dataclass(frozen=True)
class RollbackTarget:
    task_definition: str  # the revision the service goes back to
    current: str  # the revision the service runs (or rolls out) now
    reason: str  # why this target, in words
    stop_deployment: str | None = None  # an ongoing service deployment to stop with ROLLBACK
    entry: DeploymentEntry | None = None  # the successful deployment the target comes from


def find_rollback_target(
    ecs: EcsPort, cluster: str, service: str, *, to: str | None = None, state: ServiceState | None = None
) -> RollbackTarget:
    svc = state or ecs.describe_services(cluster, [service]).get(service)
    if svc is None or svc.status == "INACTIVE":
        raise ResourceNotFound(
            f"service {service} not found in cluster {cluster}",
            hint="check the cluster and service names in ecsflow.yml (`ecsflow status` lists them)",
        )
    current = svc.task_definition
    family = short(current).rsplit(":", 1)[0]
    cache = RevisionCache(ecs)
    if to is not None:
        return _explicit(to, family, current, cache)
    history = service_history(ecs, cluster, service, cache=cache)
    if history is None:
        raise OperationFailed(
            f"cannot choose a rollback target for {service}: this endpoint has no service deployment history",
            hint=f"name the revision: `ecsflow rollback {service} --to N` (`ecsflow revisions {service}` lists them)",
        )
    if history and history[0].status in _ROLLING_BACK:
        # ECS is already stopping or rolling back the newest deployment: a second rollback
        # would move the service further back than the user asked for.
        raise OperationFailed(
            f"ECS is already rolling back the newest deployment of {service} ({history[0].status})",
            hint=f"follow it with `ecsflow wait {service}`, or name a revision: `ecsflow rollback {service} --to N`",
        )
    ongoing = next((e for e in history if e.status in ONGOING and e.status not in _ROLLING_BACK), None)
    good = [e for e in history if e.good and e.task_definition]
    if ongoing is not None and ongoing.task_definition == current:
        # ECS goes back to the last completed deployment: the newest good one before ours.
        back = next((e for e in good if e.task_definition != current), None)
        return RollbackTarget(
            task_definition=back.task_definition if back and back.task_definition else current,
            current=current,
            reason=f"the deployment of {short(current)} is still in progress: ECS stops it and rolls back",
            stop_deployment=ongoing.arn,
            entry=back,
        )
    for entry in good:
        arn = entry.task_definition or ""
        if arn == current:
            continue
        td = cache.get(arn)
        if td is None or td.status != "ACTIVE":
            continue  # deregistered since: ECS cannot move a service to it (§8.4)
        return RollbackTarget(
            task_definition=arn,
            current=current,
            reason=f"last successful deployment other than {short(current)}",
            entry=entry,
        )
    raise OperationFailed(
        f"no earlier successful deployment of {service} is known (ECS keeps 90 days of service deployments)",
        hint=f"name the revision: `ecsflow rollback {service} --to N` (`ecsflow revisions {service}` lists them)",
    )


_ROLLING_BACK = frozenset({"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"})


def _explicit(to: str, family: str, current: str, cache: RevisionCache) -> RollbackTarget:
    ref = f"{family}:{to}" if _REVISION.match(to) else to
    td = cache.get(ref)
    if td is None:
        raise InputError(
            f"revision {ref} does not exist",
            [Problem(f"no task definition {ref}", "--to")],
            hint="give a revision number of the family, family:N or a task definition ARN",
        )
    if td.status != "ACTIVE":
        raise InputError(
            f"revision {short(td.arn)} is {td.status}: ECS cannot move a service to it",
            [Problem(f"{short(td.arn)} is {td.status}", "--to")],
            hint="pick an ACTIVE revision (`ecsflow revisions SERVICE` lists them) or register it again",
        )
    if td.arn == current:
        raise InputError(
            f"the service already runs {short(td.arn)}",
            [Problem("same as the running revision", "--to")],
            hint="pick another revision",
        )
    return RollbackTarget(td.arn, current, f"requested with --to {to}")
