"""``deregister --keep N``: which revisions of a family to deregister, planned first.

Never deregistered, whatever N says:

* a revision any service deployment still runs or rolls out (fabfuel/ecs-deploy #185
  deregistered the revision still running);
* the *last good* revisions: the most recent revisions whose service deployment ended
  ``SUCCESSFUL`` (two distinct ones: the current good one and the rollback target), so
  ``rollback`` always has somewhere to go (aws-cdk #24372: the previous revision was
  deregistered, so no rollback was possible).

Deregistering makes a revision INACTIVE: tasks keep running, but no service can move to it
any more (AWS-SEMANTICS §8.4), which is why the rollback target is protected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecsflow.engines.inspect import short
from ecsflow.errors import UsageError
from ecsflow.events import EventSink, Message, PlanReady
from ecsflow.ports import Clock, EcsPort

LAST_GOOD_KEPT = 2


@dataclass(frozen=True)
class RetentionPlan:
    family: str
    keep: tuple[tuple[str, str], ...]  # (revision ARN, why it stays)
    deregister: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def steps(self) -> tuple[str, ...]:
        kept = [f"keep {short(arn)} ({why})" for arn, why in self.keep]
        gone = [f"deregister {short(arn)}" for arn in self.deregister]
        return (*kept, *gone) if gone else (*kept, f"nothing to deregister in {self.family}")


def plan_retention(
    family: str,
    active_newest_first: list[str],
    keep: int,
    *,
    protected: Mapping[str, str],
    good: list[str] | None,
) -> RetentionPlan:
    """Pure: the ACTIVE revisions to keep and to deregister.

    ``protected`` maps revision ARNs that must stay to the reason (running, deploying);
    ``good`` lists successfully deployed revisions, most recent first (``None``: unknown).
    """
    if keep < 1:
        raise UsageError("--keep must be at least 1", hint="keep at least the newest revision, e.g. --keep 5")
    reasons: dict[str, str] = {}
    for arn in active_newest_first[:keep]:
        reasons[arn] = "newest"
    for arn in (good or [])[:LAST_GOOD_KEPT]:
        reasons[arn] = "last good"
    for arn, why in protected.items():
        reasons[arn] = why
    warnings: tuple[str, ...] = ()
    if good is None:
        warnings = (
            "the service deployment history is not available: only the running and the newest revisions are kept",
        )
    kept = tuple((arn, reasons[arn]) for arn in active_newest_first if arn in reasons)
    gone = tuple(arn for arn in active_newest_first if arn not in reasons)
    return RetentionPlan(family, kept, gone, warnings)


def apply_retention(
    ecs: EcsPort, plan: RetentionPlan, *, service: str, sink: EventSink, clock: Clock, dry_run: bool
) -> list[str]:
    """Emit the plan, then deregister (unless ``dry_run``); returns what was deregistered."""
    sink(PlanReady(clock.now(), service, plan.steps(), dry_run=dry_run))
    for warning in plan.warnings:
        sink(Message(clock.now(), service, warning, level="warning"))
    if dry_run:
        return []
    done: list[str] = []
    for arn in plan.deregister:
        ecs.deregister_task_definition(arn)
        done.append(arn)
        sink(Message(clock.now(), service, f"deregistered {short(arn)}"))
    return done
