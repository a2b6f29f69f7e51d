"""``status``: what a service runs, how its deployment goes, and whether it drifted.

Drift is measured three ways (DESIGN.md, first pain point):

* **newer revision** - the family has an ACTIVE revision newer than the one the service
  runs and no deployment is rolling it out. This is the CodePipeline case: its ECS deploy
  action builds the next revision from the one the *service* runs, so revisions registered
  in the meantime (by hand, by another pipeline) are silently skipped (AWS-SEMANTICS §1.2).
  Whether ecsflow registered that revision is read from its deploy record tags.
* **file** - the task definition rendered from the repository differs (semantically, see
  ``ecsflow.diff``) from the revision the service runs.
* **family** - the service runs a family other than the one the configuration names.

A newer revision whose service deployment was rolled back or stopped is a known failure,
not drift: status notes it instead.

Image digests come from the service revision (``DescribeServiceRevisions.containerImages``:
the digests ECS resolved at deployment time, §6.1 versionConsistency), else from images
pinned by digest in the task definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecsflow.diff import Diff, Masker, diff_task_definitions
from ecsflow.engines.records import read_record
from ecsflow.engines.revision_log import images_of, with_digests
from ecsflow.model import DeploymentSnapshot
from ecsflow.ports import EcsPort, RegisteredTaskDefinition, ServiceDeploymentInfo, ServiceState

# Service deployment statuses of a deployment still under way (AWS-SEMANTICS §6.6).
ONGOING = frozenset({"PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"})
# Endings of a deployment that did not leave its revision running (§6.6).
FAILED_ENDINGS = frozenset(
    {"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"}
)
RECENT = 5  # service deployments looked at for digests and failed revisions (one Describe call)


@dataclass(frozen=True)
class Drift:
    kind: str  # newer_revision | file | family | missing
    message: str


@dataclass(frozen=True)
class ServiceStatus:
    key: str  # the service's key in ecsflow.yml (or cluster/service)
    cluster: str
    service: str
    found: bool = True
    running_revision: str | None = None
    newest_revision: str | None = None
    desired: int = 0
    running: int = 0
    pending: int = 0
    controller: str = "ECS"
    strategy: str = "ROLLING"
    deployments: tuple[DeploymentSnapshot, ...] = ()
    last_deployment: tuple[str, str | None] | None = None  # (status, reason) of the newest service deployment
    images: tuple[tuple[str, str, str | None], ...] = ()  # (container, image, digest)
    file_diff: Diff | None = None
    drift: tuple[Drift, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.drift)

    @property
    def in_progress(self) -> bool:
        return len(self.deployments) > 1 or any(d.rollout_state == "IN_PROGRESS" for d in self.deployments)

    @property
    def state(self) -> str:
        """One word for the table: missing, deploying, failed, steady."""
        if not self.found:
            return "missing"
        if any(d.rollout_state == "FAILED" for d in self.deployments):
            return "failed"
        if self.in_progress:
            return "deploying"
        return "steady"


def inspect_service(
    ecs: EcsPort,
    cluster: str,
    service: str,
    *,
    key: str | None = None,
    family: str | None = None,
    rendered: Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any] | None] | None = None,
    masker: Masker | None = None,
    state: ServiceState | None = None,
) -> ServiceStatus:
    """The status of one service (``state``: its DescribeServices result, when the caller batched it).

    ``rendered`` (the task definition from the repository, or a function of the running
    revision's body that renders it, so placeholders can take the running images) adds the
    file check.
    """
    name = key or f"{cluster}/{service}"
    if state is None:
        state = ecs.describe_services(cluster, [service]).get(service)
    if state is None or state.status == "INACTIVE":
        return ServiceStatus(
            name,
            cluster,
            service,
            found=False,
            drift=(Drift("missing", f"service {service} not found in cluster {cluster}"),),
        )
    running = ecs.describe_task_definition(state.task_definition)
    newest_arns = ecs.list_task_definitions(running.family, limit=1)
    newest = newest_arns[0] if newest_arns else None
    history = ecs.service_deployments(cluster, service)
    recent = _recent_revisions(ecs, history)
    drift: list[Drift] = []
    notes: list[str] = []
    if newest and revision_number(newest) > running.revision and not _rolling_out(state, newest):
        failed = next((status for td, status, _ in recent if td == newest and status in FAILED_ENDINGS), None)
        if failed:
            # Deployed and rolled back (or stopped): a known failure, not a revision nobody deployed.
            notes.append(f"{short(newest)} is newer but its deployment ended {failed}")
        else:
            drift.append(_newer_revision_drift(ecs, newest, running))
    if family and family != running.family:
        drift.append(Drift("family", f"the service runs family {running.family}, the configuration names {family}"))
    file_diff = None
    desired = rendered(running.body) if callable(rendered) else rendered
    if desired is not None:
        file_diff = diff_task_definitions(running.body, desired, masker=masker)
        if file_diff.changed:
            n = len(file_diff.changes)
            drift.append(Drift("file", f"the task definition file differs from {short(running.arn)} ({n} change(s))"))
    last = (history[0].status, history[0].status_reason) if history else None
    images = next((with_digests(i) for td, _, i in recent if td == running.arn and i), None) or images_of(running)
    return ServiceStatus(
        key=name,
        cluster=cluster,
        service=service,
        running_revision=running.arn,
        newest_revision=newest,
        desired=state.desired,
        running=state.running,
        pending=state.pending,
        controller=state.controller,
        strategy=state.strategy,
        deployments=tuple(d.snapshot() for d in state.deployments),
        last_deployment=last,
        images=images,
        file_diff=file_diff,
        drift=tuple(drift),
        notes=tuple(notes),
    )


def _rolling_out(state: ServiceState, arn: str) -> bool:
    """A deployment of the service already targets ``arn``: it is on its way, not drift."""
    return any(d.task_definition == arn for d in state.deployments)


def _newer_revision_drift(ecs: EcsPort, newest: str, running: RegisteredTaskDefinition) -> Drift:
    td = ecs.describe_task_definition(newest)
    origin = "by ecsflow" if read_record(td.tags) is not None else "outside ecsflow"
    return Drift(
        "newer_revision",
        f"{short(newest)} (registered {origin}) is newer than {short(running.arn)}, which the service runs; "
        "a deploy that starts from the service's revision (the CodePipeline ECS action) would skip it",
    )


def _recent_revisions(
    ecs: EcsPort, history: list[ServiceDeploymentInfo] | None
) -> list[tuple[str, str, tuple[tuple[str, str, str | None], ...]]]:
    """(task definition, service deployment status, images) of the newest service deployments."""
    if not history:
        return []
    recent = [d for d in history[:RECENT] if d.target_revision_arn]
    revisions = ecs.describe_service_revisions([d.target_revision_arn or "" for d in recent]) if recent else None
    by_arn = {r.arn: r for r in revisions or ()}
    out = []
    for d in recent:
        rev = by_arn.get(d.target_revision_arn or "")
        if rev is not None:
            out.append((rev.task_definition, d.status, rev.images))
    return out


def revision_number(arn: str) -> int:
    tail = arn.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"
