"""The deploy plan: an immutable, printable value built from desired and observed state.

``plan_service`` is a pure function: given what should run (a rendered, pinned task
definition, or an existing revision) and what AWS shows (the service, the candidate
revisions for reuse), it decides per service whether to reuse an identical revision,
register a new one, or do nothing because the service already runs it.
``share_registrations`` makes services of one family with the same body share one
registration. The executor applies the plan; ``--dry-run`` prints it and stops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ecsflow.diff import Masker, diff_task_definitions
from ecsflow.ports import RegisteredTaskDefinition, ServiceState


class RevisionAction(StrEnum):
    REGISTER = "register"  # a new revision of the rendered body
    REUSE = "reuse"  # an identical ACTIVE revision exists: deploy it as is
    EXISTING = "existing"  # --revision: deploy that revision as is
    UNCHANGED = "unchanged"  # the service already runs exactly this revision: nothing to deploy


@dataclass(frozen=True)
class PinnedImage:
    container: str
    requested: str
    pinned: str

    @property
    def changed(self) -> bool:
        return self.requested != self.pinned


@dataclass(frozen=True)
class Desired:
    """What one service should run, before comparing with AWS."""

    key: str
    cluster: str
    service: str
    base: str  # human description of where the body came from
    family: str
    body: Mapping[str, Any] | None = None  # rendered RegisterTaskDefinition request (no tags)
    revision: RegisteredTaskDefinition | None = None  # --revision: this exact revision
    images: tuple[PinnedImage, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None  # --timeout / config; None: derived
    force: bool = False


@dataclass(frozen=True)
class ServicePlan:
    key: str
    cluster: str
    service: str
    strategy: str
    base: str
    family: str
    current: str  # the revision the service runs now
    action: RevisionAction
    target: str | None  # the revision ARN to deploy, when it exists already
    body: Mapping[str, Any] | None
    tags: Mapping[str, str]
    images: tuple[PinnedImage, ...]
    changes: tuple[str, ...]  # masked semantic diff from the running revision
    timeout: float
    timeout_derived: bool
    force: bool = False
    shared_with: str | None = None  # key of the service whose registration this one uses
    in_progress: str | None = None  # id of the service's unfinished PRIMARY deployment, if any
    details: tuple[str, ...] = ()  # strategy-specific plan lines (CodeDeploy group, config, AppSpec)

    @property
    def deploys(self) -> bool:
        return self.action is not RevisionAction.UNCHANGED or self.force

    def lines(self) -> list[str]:
        out = [f"{self.key} → {self.cluster}/{self.service} ({self.strategy.lower()})", f"  base: {self.base}"]
        out += list(self.details)
        out += [f"  pin {i.container}: {i.requested} → {i.pinned}" for i in self.images if i.changed]
        current = _short(self.current)
        if self.action is RevisionAction.REGISTER:
            if self.shared_with:
                out.append(f"  register: shared with {self.shared_with} (same family, same definition)")
            else:
                n = len(self.changes)
                out.append(f"  register a new revision of {self.family} ({n} change{'s' * (n != 1)} from {current})")
            out += [f"    {line}" for line in self.changes]
        elif self.action is RevisionAction.REUSE:
            out.append(f"  reuse {_short(self.target)}: identical to the rendered definition (nothing registered)")
            out += [f"    {line}" for line in self.changes]
        elif self.action is RevisionAction.EXISTING:
            out.append(f"  deploy the existing revision {_short(self.target)} as is")
            out += [f"    {line}" for line in self.changes]
        if not self.deploys:
            out.append(f"  nothing to deploy: the service already runs {current} (use --force to redeploy it)")
            if self.in_progress:
                out.append(f"  wait for its unfinished deployment {self.in_progress}")
            return out
        target = _short(self.target) if self.target else "the new revision"
        verb = "force a new deployment of" if self.action is RevisionAction.UNCHANGED else "update service to"
        if self.strategy == "CODE_DEPLOY":
            verb = "create a CodeDeploy deployment of"
        out.append(f"  {verb} {target}")
        how = "derived from the service's settings" if self.timeout_derived else "as configured"
        out.append(f"  wait for the deployment (timeout {_duration(self.timeout)}, {how})")
        return out


@dataclass(frozen=True)
class DeployPlan:
    services: tuple[ServicePlan, ...]
    groups: tuple[tuple[str, ...], ...]

    def service(self, key: str) -> ServicePlan:
        return next(p for p in self.services if p.key == key)

    def lines(self) -> list[str]:
        out: list[str] = []
        multi = len(self.groups) > 1
        for i, group in enumerate(self.groups, 1):
            if multi:
                out.append(f"group {i}: {', '.join(group)}")
            for key in group:
                out += [("  " if multi else "") + line for line in self.service(key).lines()]
        return out


def _short(arn: str | None) -> str:
    return (arn or "?").rsplit("/", 1)[-1]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"


def identical(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Same task definition as ECS sees it (AWS-filled defaults and ECS-unordered lists ignored)."""
    return not diff_task_definitions(a, b).changed


def plan_service(
    desired: Desired,
    state: ServiceState,
    candidates: Sequence[RegisteredTaskDefinition],
    *,
    current_body: Mapping[str, Any] | None,
    default_timeout: float,
    masker: Masker | None = None,
) -> ServicePlan:
    """Decide register / reuse / existing / unchanged for one service.

    ``candidates`` are ACTIVE revisions an identical body may be reused from: the
    family's newest and the one the service runs (two lookups, no listing)."""
    m = masker or Masker()
    target: str | None
    if desired.revision is not None:
        action, target = RevisionAction.EXISTING, desired.revision.arn
        new_body: Mapping[str, Any] = desired.revision.body
    else:
        assert desired.body is not None
        new_body = desired.body
        reusable = (c for c in candidates if c.status == "ACTIVE" and c.family == desired.family)
        same = next((c for c in reusable if identical(c.body, new_body)), None)
        action, target = (RevisionAction.REUSE, same.arn) if same else (RevisionAction.REGISTER, None)
    if target is not None and target == state.task_definition:
        action = RevisionAction.UNCHANGED
    changes = tuple(diff_task_definitions(current_body, new_body, masker=m).lines()) if current_body else ()
    return ServicePlan(
        key=desired.key,
        cluster=desired.cluster,
        service=desired.service,
        strategy=state.strategy if state.controller == "ECS" else state.controller,
        base=desired.base,
        family=desired.family,
        current=state.task_definition,
        action=action,
        target=target,
        body=new_body,
        tags=desired.tags,
        images=desired.images,
        changes=changes,
        timeout=desired.timeout if desired.timeout is not None else default_timeout,
        timeout_derived=desired.timeout is None,
        force=desired.force,
        in_progress=_unfinished(state),
    )


def _unfinished(state: ServiceState) -> str | None:
    primary = state.primary
    settled = primary is not None and len(state.deployments) == 1 and primary.rollout_state in ("COMPLETED", None)
    return primary.id if primary is not None and not settled else None


def share_registrations(plans: Sequence[ServicePlan]) -> tuple[ServicePlan, ...]:
    """Services of one family whose rendered bodies are identical register once (the first)."""
    out: list[ServicePlan] = []
    owners: list[ServicePlan] = []
    for plan in plans:
        if plan.action is RevisionAction.REGISTER and plan.body is not None:
            owner = next(
                (o for o in owners if o.family == plan.family and o.body is not None and identical(o.body, plan.body)),
                None,
            )
            if owner is not None:
                out.append(replace(plan, shared_with=owner.key))
                continue
            owners.append(plan)
        out.append(plan)
    return tuple(out)
