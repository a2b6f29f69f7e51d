"""A service's deployment history: ECS service deployments joined with ecsflow's records.

ECS keeps, per service, the service deployments of the last 90 days (created on or after
25 Oct 2024; AWS-SEMANTICS §6.6): when each started and finished, its status
(``SUCCESSFUL``, ``ROLLBACK_SUCCESSFUL``, ``STOPPED``…) and its target *service revision*,
whose ``taskDefinition`` and ``containerImages`` (digests) ``DescribeServiceRevisions``
gives. ecsflow's own deploy records (tags on the task definition revision, see
``ecsflow.engines.records``) add who deployed it and from which commit.

"Good" means a service deployment ended ``SUCCESSFUL``. A ``ROLLBACK_SUCCESSFUL`` deployment
targeted a revision that failed (ECS went back to an earlier one; no new service revision is
created for a rollback, §6.6), so its target is *not* good.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsflow.engines.records import DeployRecord, read_record
from ecsflow.errors import ResourceNotFound
from ecsflow.ports import EcsPort, RegisteredTaskDefinition

GOOD = "SUCCESSFUL"
# How each service deployment status reads in history (AWS-SEMANTICS §6.6).
STATUS_WORDS = {
    "SUCCESSFUL": "succeeded",
    "ROLLBACK_SUCCESSFUL": "rolled back",
    "ROLLBACK_FAILED": "rollback failed",
    "STOPPED": "stopped",
    "PENDING": "pending",
    "IN_PROGRESS": "in progress",
    "REGISTERED": "registered",  # from a deploy record only: no outcome known
    "STOP_REQUESTED": "stopping",
    "ROLLBACK_REQUESTED": "rolling back",
    "ROLLBACK_IN_PROGRESS": "rolling back",
}


@dataclass(frozen=True)
class DeploymentEntry:
    """One rollout of a revision to the service (lists are newest first)."""

    arn: str  # the service deployment
    status: str
    task_definition: str | None
    started_at: float
    finished_at: float | None = None
    reason: str | None = None
    images: tuple[tuple[str, str, str | None], ...] = ()  # (container, image, digest)
    record: DeployRecord | None = None
    revision_status: str | None = None  # ACTIVE | INACTIVE | … of the task definition

    @property
    def good(self) -> bool:
        return self.status == GOOD

    @property
    def outcome(self) -> str:
        return STATUS_WORDS.get(self.status, self.status.lower())


class RevisionCache:
    """``DescribeTaskDefinition`` (with tags) once per revision for one command run."""

    def __init__(self, ecs: EcsPort) -> None:
        self._ecs = ecs
        self._seen: dict[str, RegisteredTaskDefinition | None] = {}

    def get(self, ref: str) -> RegisteredTaskDefinition | None:
        if ref not in self._seen:
            try:
                self._seen[ref] = self._ecs.describe_task_definition(ref)
            except ResourceNotFound:
                self._seen[ref] = None  # deleted revisions stay in the history
        return self._seen[ref]


def service_history(
    ecs: EcsPort, cluster: str, service: str, *, cache: RevisionCache | None = None
) -> list[DeploymentEntry] | None:
    """The service's deployments, newest first; ``None`` when the endpoint has no service deployments API."""
    deployments = ecs.service_deployments(cluster, service)
    if deployments is None:
        return None
    revisions = {}
    arns = [d.target_revision_arn for d in deployments if d.target_revision_arn]
    if arns:
        revisions = {r.arn: r for r in ecs.describe_service_revisions(arns) or ()}
    tds = cache or RevisionCache(ecs)
    out: list[DeploymentEntry] = []
    for d in deployments:
        rev = revisions.get(d.target_revision_arn or "")
        td_arn = rev.task_definition if rev else None
        td = tds.get(td_arn) if td_arn else None
        images = with_digests(rev.images) if rev and rev.images else images_of(td)
        out.append(
            DeploymentEntry(
                arn=d.arn,
                status=d.status,
                task_definition=td_arn,
                started_at=d.created_at,
                finished_at=d.finished_at,
                reason=d.rollback_reason or d.status_reason,
                images=images,
                record=read_record(td.tags) if td else None,
                revision_status=td.status if td else None,
            )
        )
    out.sort(key=lambda e: e.started_at, reverse=True)
    return out


def good_revisions(history: list[DeploymentEntry]) -> list[str]:
    """Task definitions that deployed successfully, most recent success first, without repeats."""
    seen: list[str] = []
    for entry in history:
        if entry.good and entry.task_definition and entry.task_definition not in seen:
            seen.append(entry.task_definition)
    return seen


def images_of(td: RegisteredTaskDefinition | None) -> tuple[tuple[str, str, str | None], ...]:
    if td is None:
        return ()
    out = []
    for container in td.body.get("containerDefinitions") or ():
        image = str(container.get("image", ""))
        digest = image.split("@", 1)[1] if "@sha256:" in image else None
        out.append((str(container.get("name", "")), image, digest))
    return tuple(out)


def with_digests(images: tuple[tuple[str, str, str | None], ...]) -> tuple[tuple[str, str, str | None], ...]:
    """Fill a missing digest from an image reference that carries one (``repo@sha256:…``)."""
    return tuple(
        (c, image, digest or (image.split("@", 1)[1] if "@sha256:" in image else None)) for c, image, digest in images
    )


def family_revisions(
    ecs: EcsPort, family: str, *, limit: int | None = None, cache: RevisionCache | None = None
) -> list[RegisteredTaskDefinition]:
    """The family's ACTIVE revisions, newest first, described with their tags."""
    tds = cache or RevisionCache(ecs)
    out = []
    for arn in ecs.list_task_definitions(family, limit=limit):
        td = tds.get(arn)
        if td is not None:
            out.append(td)
    return out


def records_history(revisions: list[RegisteredTaskDefinition]) -> list[DeploymentEntry]:
    """Without the service deployments API: what ecsflow's records say (registrations, no outcome)."""
    out = []
    for td in revisions:
        record = read_record(td.tags)
        if record is None:
            continue
        out.append(
            DeploymentEntry(
                arn="",
                status="REGISTERED",
                task_definition=td.arn,
                started_at=record.at or td.registered_at or 0.0,
                images=tuple(
                    (c, image, image.split("@", 1)[1] if "@sha256:" in image else None) for c, image in record.images
                ),
                record=record,
                revision_status=td.status,
            )
        )
    out.sort(key=lambda e: e.started_at, reverse=True)
    return out
