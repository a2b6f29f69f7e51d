"""The stage runner: stages in order, actions by ``run_order``, fail-fast, recorded as it goes.

CodePipeline's execution rules (user guide "Action structure requirements"; AWS-SEMANTICS §10.4):

* stages run one after the other; a stage starts only when the previous one succeeded;
* inside a stage, actions with the same ``runOrder`` run in parallel, lower orders first;
* when an action fails, the actions already running in its group finish (a deployment is
  never abandoned half-way), nothing later starts, and the stage and the run fail;
* an approval nobody gave stops the run in ``Waiting``; ``resume`` continues it later,
  reusing what the earlier actions produced (variables, artifacts), as CodePipeline keeps
  an execution open while an approval waits.

What an action does is up to its ``ActionHandler`` (``ecsflow.pipeline.actions``); handlers
are injected, so the runner is tested with fakes and a fake clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ecsflow.config.pipelines import ActionConfig, ActionKind, PipelineConfig, StageConfig
from ecsflow.errors import EcsflowError, ExitCode, InputError
from ecsflow.events import Event, EventSink, null_sink
from ecsflow.pipeline.run_record import (
    FAILED,
    IN_PROGRESS,
    SKIPPED,
    SUCCEEDED,
    WAITING,
    ActionRecord,
    ArtifactRecord,
    DeployedRecord,
    RunRecord,
    StageRecord,
)
from ecsflow.pipeline.store import RunStore
from ecsflow.pipeline.variables import VariableScope
from ecsflow.ports import Clock

# --- events -------------------------------------------------------------------------------
# ``service`` carries ``pipeline/Stage/Action`` (or ``pipeline/Stage``), so reporters that
# group lines by service group them by action.


@dataclass(frozen=True)
class RunStarted(Event):
    run_id: str
    pipeline: str
    resumed: bool = False


@dataclass(frozen=True)
class StageStarted(Event):
    run_id: str
    stage: str


@dataclass(frozen=True)
class ActionStarted(Event):
    run_id: str
    stage: str
    action: str
    kind: str


@dataclass(frozen=True)
class ActionFinished(Event):
    run_id: str
    stage: str
    action: str
    status: str
    message: str = ""
    seconds: float | None = None


@dataclass(frozen=True)
class StageFinished(Event):
    run_id: str
    stage: str
    status: str


@dataclass(frozen=True)
class RunFinished(Event):
    run_id: str
    pipeline: str
    status: str
    exit_code: int
    message: str = ""


# --- handlers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionContext:
    """What an action handler gets: its configuration, inputs, and where to put outputs."""

    pipeline: PipelineConfig
    run_id: str
    stage: str
    action: ActionConfig
    inputs: Mapping[str, ArtifactRecord]  # input artifact name -> where its files are
    artifacts_dir: Path  # outputs go to artifacts_dir / <artifact name>
    scope: VariableScope
    environment: str | None  # the run's --env
    source_revision: str | None
    sink: EventSink

    @property
    def label(self) -> str:
        return f"{self.pipeline.name}/{self.stage}/{self.action.name}"

    @property
    def where(self) -> str:
        """How errors name this action."""
        return f"stage {self.stage}, action {self.action.name}"


@dataclass(frozen=True)
class ActionOutcome:
    status: str  # SUCCEEDED, FAILED or WAITING
    message: str = ""
    exit_code: int = 0
    variables: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[ArtifactRecord, ...] = ()
    deployed: tuple[DeployedRecord, ...] = ()


class ActionHandler(Protocol):
    def __call__(self, ctx: ActionContext) -> ActionOutcome: ...


@dataclass(frozen=True)
class RunRequest:
    pipeline: PipelineConfig
    variables: Mapping[str, str]  # resolved pipeline variables (pipeline_variables())
    environment: str | None = None
    source_revision: str | None = None
    trigger: str = "manual"
    change: str | None = None
    actor: str | None = None


class StageRunner:
    def __init__(
        self,
        *,
        handlers: Mapping[ActionKind, ActionHandler],
        store: RunStore,
        clock: Clock,
        work_dir: Path,  # run folders (artifacts) go to work_dir / <run id>
        sink: EventSink = null_sink,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.handlers = handlers
        self.store = store
        self.clock = clock
        self.work_dir = work_dir
        self.sink = sink
        self.new_id = new_id

    def run(self, request: RunRequest) -> RunRecord:
        run = RunRecord(
            run_id=self.new_id(),
            pipeline=request.pipeline.name,
            status=IN_PROGRESS,
            started_at=self.clock.now(),
            trigger=request.trigger,
            source_revision=request.source_revision,
            change=request.change,
            environment=request.environment,
            variables=dict(request.variables),
            actor=request.actor,
        )
        return self._execute(request.pipeline, run, resumed=False)

    def resume(self, pipeline: PipelineConfig, previous: RunRecord) -> RunRecord:
        """Go on with a run that stopped (an approval waits, or it failed): succeeded actions are
        kept with what they produced, the others run again."""
        if previous.status in (SUCCEEDED, IN_PROGRESS):
            raise InputError(
                f"run {previous.run_id} is {previous.status}: nothing to resume",
                hint="start a new run with `ecsflow run`",
            )
        run = replace(previous, status=IN_PROGRESS, finished_at=None, exit_code=0, message="")
        return self._execute(pipeline, run, resumed=True)

    # --- internals ------------------------------------------------------------------------

    def _execute(self, pipeline: PipelineConfig, run: RunRecord, *, resumed: bool) -> RunRecord:
        scope = VariableScope(run.run_id, run.variables)
        available: dict[str, ArtifactRecord] = {}
        previous = {s.name: s for s in run.stages}
        run = replace(run, stages=())
        self.store.save(run)
        self._emit(RunStarted(self.clock.now(), pipeline.name, run.run_id, pipeline.name, resumed))
        request = RunRequest(pipeline, run.variables, run.environment, run.source_revision)
        stopped: ActionRecord | None = None
        try:
            for stage in pipeline.stages:
                if stopped is not None:
                    run = run.with_stage(self._skipped(stage))
                    continue
                record = self._stage(request, run.run_id, stage, previous.get(stage.name), scope, available)
                run = run.with_stage(record)
                self.store.save(run)
                if record.status != SUCCEEDED:
                    stopped = next(a for a in record.actions if a.status in (FAILED, WAITING))
        except BaseException as exc:
            # Interrupted (Ctrl-C) or a bug: the record says so instead of staying InProgress forever.
            interrupted = isinstance(exc, KeyboardInterrupt)
            code = int(ExitCode.INTERRUPTED if interrupted else ExitCode.INTERNAL)
            message = "interrupted" if interrupted else f"internal error: {exc!r}"
            self.store.save(replace(run, status=FAILED, finished_at=self.clock.now(), exit_code=code, message=message))
            raise
        status, code, message = SUCCEEDED, int(ExitCode.OK), "every stage succeeded"
        if stopped is not None:
            where = next(s.name for s in run.stages if s.action(stopped.name) is stopped)
            status = WAITING if stopped.status == WAITING else FAILED
            code = stopped.exit_code
            message = f"stage {where}, action {stopped.name}: {stopped.message}"
        run = replace(run, status=status, finished_at=self.clock.now(), exit_code=code, message=message)
        self.store.save(run)
        self._emit(RunFinished(self.clock.now(), pipeline.name, run.run_id, pipeline.name, status, code, message))
        return run

    def _skipped(self, stage: StageConfig) -> StageRecord:
        return StageRecord(stage.name, SKIPPED, tuple(_skipped_action(a) for a in stage.actions))

    def _stage(
        self,
        request: RunRequest,
        run_id: str,
        stage: StageConfig,
        before: StageRecord | None,
        scope: VariableScope,
        available: dict[str, ArtifactRecord],
    ) -> StageRecord:
        label = f"{request.pipeline.name}/{stage.name}"
        started = self.clock.now()
        self._emit(StageStarted(started, label, run_id, stage.name))
        done: list[ActionRecord] = []
        stop = False
        for _order, group in stage.groups():
            if stop:
                done += [_skipped_action(a) for a in group]
                continue
            # Resuming: what succeeded before is kept, with its variables and artifacts.
            results: dict[str, ActionRecord] = {}
            for a in group:
                if before is not None and (kept := before.action(a.name)) is not None and kept.status == SUCCEEDED:
                    results[a.name] = self._local(run_id, kept)
            todo = [a for a in group if a.name not in results]
            if len(todo) == 1:
                results[todo[0].name] = self._action(request, run_id, stage, todo[0], scope, available)
            elif todo:
                with ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="ecsflow-action") as pool:
                    futures = {
                        a.name: pool.submit(self._action, request, run_id, stage, a, scope, available) for a in todo
                    }
                    for name, future in futures.items():
                        results[name] = future.result()
            for action in group:  # publish in declaration order, after the whole group ran
                record = results[action.name]
                done.append(record)
                if record.status != SUCCEEDED:
                    stop = True
                    continue
                for artifact in record.artifacts:
                    available[artifact.name] = artifact
                if action.kind is ActionKind.BUILD:
                    scope.publish(action.variables_namespace(stage.name), record.variables)
        status = SUCCEEDED
        if any(a.status == FAILED for a in done):
            status = FAILED
        elif any(a.status == WAITING for a in done):
            status = WAITING
        finished = self.clock.now()
        self._emit(StageFinished(finished, label, run_id, stage.name, status))
        return StageRecord(stage.name, status, tuple(done), started, finished)

    def _local(self, run_id: str, record: ActionRecord) -> ActionRecord:
        """A kept action whose artifacts are not on this machine gets them from the run store."""
        artifacts = tuple(
            a
            if Path(a.directory).is_dir()
            else self.store.fetch_artifact(run_id, a, self.work_dir / run_id / "fetched" / a.name)
            for a in record.artifacts
        )
        return replace(record, artifacts=artifacts)

    def _action(
        self,
        request: RunRequest,
        run_id: str,
        stage: StageConfig,
        action: ActionConfig,
        scope: VariableScope,
        available: Mapping[str, ArtifactRecord],
    ) -> ActionRecord:
        ctx = ActionContext(
            pipeline=request.pipeline,
            run_id=run_id,
            stage=stage.name,
            action=action,
            inputs={name: available[name] for name in action.inputs if name in available},
            artifacts_dir=self.work_dir / run_id,
            scope=scope,
            environment=request.environment,
            source_revision=request.source_revision,
            sink=self.sink,
        )
        started = self.clock.now()
        self._emit(ActionStarted(started, ctx.label, run_id, stage.name, action.name, action.kind.value))
        try:
            missing = [name for name in action.inputs if name not in available]
            if missing:
                raise InputError(
                    f"{ctx.where}: input artifact {', '.join(missing)} was not produced",
                    hint="the action that outputs it did not run or produced nothing",
                )
            outcome = self.handlers[action.kind](ctx)
        except EcsflowError as exc:
            # The record already says which stage and action; errors name them for the CLI's sake.
            message = exc.message.removeprefix(f"{ctx.where}: ")
            if exc.hint:
                message += f" (hint: {exc.hint})"
            outcome = ActionOutcome(FAILED, message, int(exc.exit_code))
        artifacts = outcome.artifacts
        if outcome.status == SUCCEEDED and artifacts:
            try:
                artifacts = tuple(self.store.keep_artifact(run_id, a) for a in artifacts)
            except EcsflowError as exc:
                outcome = ActionOutcome(FAILED, f"cannot keep the artifacts in {self.store.location}: {exc.message}")
        finished = self.clock.now()
        self._emit(
            ActionFinished(
                finished,
                ctx.label,
                run_id,
                stage.name,
                action.name,
                outcome.status,
                outcome.message,
                finished - started,
            )
        )
        code = outcome.exit_code
        if outcome.status == WAITING and not code:
            code = int(ExitCode.PAUSED)
        elif outcome.status == FAILED and not code:
            code = int(ExitCode.FAILED)
        return ActionRecord(
            name=action.name,
            kind=action.kind.value,
            run_order=action.run_order,
            status=outcome.status,
            started_at=started,
            finished_at=finished,
            message=outcome.message,
            exit_code=code,
            variables=dict(outcome.variables),
            artifacts=artifacts,
            deployed=outcome.deployed,
        )

    def _emit(self, event: Event) -> None:
        self.sink(event)


def _skipped_action(action: ActionConfig) -> ActionRecord:
    return ActionRecord(
        action.name, action.kind.value, action.run_order, SKIPPED, message="an earlier action did not succeed"
    )
