"""The bootstrap plan: an immutable list of steps over AWS resources, built before anything changes.

Each step names one resource (its kind and name) and what bootstrap does with it:

* ``create``: it does not exist; ecsflow creates it, tags it ``ecsflow:managed-by=ecsflow``
  and records it, so ``--delete`` can remove it later;
* ``adopt``: it exists and ecsflow.yml's settings match; it is used as is, never deleted
  unless ecsflow created it;
* ``unchanged``: ecsflow created it earlier and it still matches;
* ``differs``: it exists but differs from what ecsflow.yml says; bootstrap leaves it as it
  is and says what differs;
* ``update``: an in-place change bootstrap makes (``UpdateService`` for a native strategy);
* ``delete``: ``--delete`` removes it; ``keep``: ``--delete`` leaves it (not ecsflow's, or
  still in use).

A step's ``params`` is the AWS request that creates, updates or deletes the resource. A
value that only exists once an earlier step ran (the ARN of a target group created in the
same run) is a ``Ref`` to that step; the executor fills it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MANAGED_TAG = "ecsflow:managed-by"
MANAGED_VALUE = "ecsflow"
OWNER_TAG = "ecsflow:bootstrap"  # "<cluster>/<service>": which service's bootstrap created it


class Action(StrEnum):
    CREATE = "create"
    ADOPT = "adopt"
    UNCHANGED = "unchanged"
    DIFFERS = "differs"
    UPDATE = "update"
    DELETE = "delete"
    KEEP = "keep"

    @property
    def mutates(self) -> bool:
        return self in (Action.CREATE, Action.UPDATE, Action.DELETE)


@dataclass(frozen=True)
class Ref:
    """The identifier (ARN or name) a previous step of the same plan produced, or ``attribute``
    of what it returned."""

    step: str
    attribute: str | None = None


@dataclass(frozen=True)
class Step:
    id: str  # unique within the plan, e.g. "target-group:green"
    kind: str  # cluster | log-group | task-definition | service | target-group | listener | rule | role | ...
    name: str  # what people know it by
    action: Action
    details: tuple[str, ...] = ()  # what differs, why kept, what is set
    params: Mapping[str, Any] = field(default_factory=dict)
    existing: str | None = None  # ARN/identifier of the resource when it already exists
    undo: Mapping[str, Any] = field(default_factory=dict)  # CREATE: the request that deletes it (Ref(id): itself)

    def lines(self) -> list[str]:
        head = f"{self.action.value:<9} {self.kind} {self.name}"
        return [head, *(f"            {d}" for d in self.details)]


@dataclass(frozen=True)
class BootstrapPlan:
    title: str  # "bootstrap service web → demo/web"
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action.mutates)

    @property
    def differing(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action is Action.DIFFERS)

    def lines(self) -> list[str]:
        out = [self.title]
        for step in self.steps:
            out += [f"  {line}" for line in step.lines()]
        out += [f"  note: {n}" for n in self.notes]
        n = len(self.changes)
        out.append(f"  {n} change{'s' * (n != 1)}" if n else "  nothing to change")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "steps": [
                {"id": s.id, "kind": s.kind, "name": s.name, "action": s.action.value, "details": list(s.details)}
                for s in self.steps
            ],
            "notes": list(self.notes),
            "changes": len(self.changes),
        }


def managed(tags: Mapping[str, str] | None) -> bool:
    return bool(tags) and (tags or {}).get(MANAGED_TAG) == MANAGED_VALUE


def managed_tags(owner: str) -> dict[str, str]:
    return {MANAGED_TAG: MANAGED_VALUE, OWNER_TAG: owner}


def resolve(value: Any, outputs: Mapping[str, Any]) -> Any:
    """``value`` with every ``Ref`` replaced by what its step produced."""
    if isinstance(value, Ref):
        produced = outputs[value.step]
        if value.attribute is not None:
            return produced[value.attribute]
        return produced["id"] if isinstance(produced, Mapping) else produced
    if isinstance(value, Mapping):
        return {k: resolve(v, outputs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, outputs) for v in value]
    return value
