"""What a pipeline run leaves behind: stages, actions, durations, outcome, artifacts, deployed digests.

Statuses use CodePipeline's words (AWS-SEMANTICS §10.4): a run, a stage or an action is
``InProgress``, ``Succeeded`` or ``Failed``; an action or a stage that never started
because an earlier one failed is ``Skipped``; an approval nobody gave yet is ``Waiting``
(the run stops there and can be resumed). Records are plain data and round-trip through
JSON (``to_json``/``from_json``), which is how both run stores keep them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
SKIPPED = "Skipped"
WAITING = "Waiting"  # an approval is pending; the run can be resumed


@dataclass(frozen=True)
class ArtifactRecord:
    name: str
    directory: str  # where the files are (local path)
    files: tuple[str, ...] = ()
    location: str | None = None  # a copy in the run store (s3://…), for a run resumed elsewhere


@dataclass(frozen=True)
class DeployedRecord:
    """One service a deploy (or promote) action deployed, with the images pinned to digests."""

    service: str
    outcome: str
    task_definition_arn: str | None = None
    images: tuple[tuple[str, str], ...] = ()  # (container, image as deployed)
    environment: str | None = None


@dataclass(frozen=True)
class ActionRecord:
    name: str
    kind: str
    run_order: int
    status: str
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    exit_code: int = 0
    variables: Mapping[str, str] = field(default_factory=dict)  # exported (build actions)
    artifacts: tuple[ArtifactRecord, ...] = ()  # outputs
    deployed: tuple[DeployedRecord, ...] = ()

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


@dataclass(frozen=True)
class StageRecord:
    name: str
    status: str
    actions: tuple[ActionRecord, ...] = ()
    started_at: float | None = None
    finished_at: float | None = None

    def action(self, name: str) -> ActionRecord | None:
        return next((a for a in self.actions if a.name == name), None)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    pipeline: str
    status: str
    started_at: float
    finished_at: float | None = None
    exit_code: int = 0
    message: str = ""
    trigger: str = "manual"  # manual (named on the command line) or change (from..to triggered it)
    source_revision: str | None = None  # the commit built
    change: str | None = None  # from..to, when a change triggered the run
    environment: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)  # resolved pipeline variables
    stages: tuple[StageRecord, ...] = ()
    actor: str | None = None  # who started it (CI actor or local user)

    def stage(self, name: str) -> StageRecord | None:
        return next((s for s in self.stages if s.name == name), None)

    @property
    def seconds(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at

    @property
    def deployed(self) -> tuple[DeployedRecord, ...]:
        return tuple(d for s in self.stages for a in s.actions for d in a.deployed)

    def with_stage(self, stage: StageRecord) -> RunRecord:
        stages = [stage if s.name == stage.name else s for s in self.stages]
        if not any(s.name == stage.name for s in self.stages):
            stages.append(stage)
        return replace(self, stages=tuple(stages))

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["variables"] = dict(self.variables)
        for stage in body["stages"]:
            for action in stage["actions"]:
                action["variables"] = dict(action["variables"])
                for d in action["deployed"]:
                    d["images"] = [list(pair) for pair in d["images"]]
        return body

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> RunRecord:
        stages = tuple(
            StageRecord(
                name=s["name"],
                status=s["status"],
                started_at=s.get("started_at"),
                finished_at=s.get("finished_at"),
                actions=tuple(_action(a) for a in s.get("actions", ())),
            )
            for s in body.get("stages", ())
        )
        return cls(
            run_id=body["run_id"],
            pipeline=body["pipeline"],
            status=body["status"],
            started_at=float(body["started_at"]),
            finished_at=body.get("finished_at"),
            exit_code=int(body.get("exit_code", 0)),
            message=body.get("message", ""),
            trigger=body.get("trigger", "manual"),
            source_revision=body.get("source_revision"),
            change=body.get("change"),
            environment=body.get("environment"),
            variables=dict(body.get("variables", {})),
            stages=stages,
            actor=body.get("actor"),
        )


def _action(a: Mapping[str, Any]) -> ActionRecord:
    return ActionRecord(
        name=a["name"],
        kind=a["kind"],
        run_order=int(a.get("run_order", 1)),
        status=a["status"],
        started_at=a.get("started_at"),
        finished_at=a.get("finished_at"),
        message=a.get("message", ""),
        exit_code=int(a.get("exit_code", 0)),
        variables=dict(a.get("variables", {})),
        artifacts=tuple(
            ArtifactRecord(x["name"], x["directory"], tuple(x.get("files", ())), x.get("location"))
            for x in a.get("artifacts", ())
        ),
        deployed=tuple(
            DeployedRecord(
                service=d["service"],
                outcome=d["outcome"],
                task_definition_arn=d.get("task_definition_arn"),
                images=tuple((str(c), str(i)) for c, i in d.get("images", ())),
                environment=d.get("environment"),
            )
            for d in a.get("deployed", ())
        ),
    )
