"""The stage runner with fake action handlers and a fake clock: order, parallel runOrder groups,
fail-fast, approvals with and without --approve, variables between actions, resume, records."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from ecsflow.config import parse_config
from ecsflow.config.pipelines import ActionKind, PipelineConfig
from ecsflow.errors import ArtifactError, ExitCode
from ecsflow.events import Event
from ecsflow.pipeline.actions import ApproveHandler
from ecsflow.pipeline.run_record import FAILED, SKIPPED, SUCCEEDED, WAITING, ArtifactRecord, RunRecord
from ecsflow.pipeline.stages import (
    ActionContext,
    ActionFinished,
    ActionOutcome,
    ActionStarted,
    RunRequest,
    StageRunner,
)
from ecsflow.pipeline.store import MemoryRunStore, ObjectRunStore, SqliteRunStore
from ecsflow.pipeline.variables import pipeline_variables
from fakes import FakeClock

HEAD = "services:\n  web: {task_definition: taskdef.json}\n"


def pipeline(text: str, name: str = "p") -> PipelineConfig:
    return parse_config(HEAD + "pipelines:\n  " + name + ":\n" + text).pipelines[name]


class Recorder:
    """Fake handlers: log calls, return scripted outcomes, optionally wait at a barrier."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.fail: dict[str, ActionOutcome] = {}
        self.exports: dict[str, dict[str, str]] = {}
        self.barrier: threading.Barrier | None = None
        self.seen: dict[str, ActionContext] = {}

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        with self.lock:
            self.calls.append(ctx.action.name)
            self.seen[ctx.action.name] = ctx
        if self.barrier is not None and ctx.action.run_order == 1 and ctx.stage == "Par":
            self.barrier.wait(timeout=5)  # both actions of the group must be running at once
        self.clock.t += 10
        if ctx.action.name in self.fail:
            return self.fail[ctx.action.name]
        artifacts = tuple(
            ArtifactRecord(name, str(ctx.artifacts_dir / name), ("imagedefinitions.json",))
            for name in ctx.action.outputs
        )
        return ActionOutcome(SUCCEEDED, "ok", 0, self.exports.get(ctx.action.name, {}), artifacts)


def runner(
    tmp_path: Path, handler: Recorder, clock: FakeClock, approve: ApproveHandler | None = None, store=None
) -> tuple[StageRunner, list[Event], MemoryRunStore]:
    events: list[Event] = []
    mem = store or MemoryRunStore()
    handlers = dict.fromkeys(ActionKind, handler)
    if approve is not None:
        handlers[ActionKind.APPROVE] = approve  # type: ignore[assignment]
    ids = iter(f"run-{i}" for i in range(1, 100))
    r = StageRunner(
        handlers=handlers, store=mem, clock=clock, work_dir=tmp_path, sink=events.append, new_id=lambda: next(ids)
    )
    return r, events, mem


THREE_STAGES = """
    stages:
      - name: Build
        actions: [{name: B, build: buildspec.yml, outputs: [Out], namespace: BV}]
      - name: Deploy
        actions:
          - {name: D1, deploy: {}, inputs: [Out]}
          - {name: D2, run: "echo #{BV.TAG}", run_order: 2}
          - {name: D3, run: "echo 3", run_order: 3}
      - name: After
        actions: [{name: A, run: "echo after"}]
"""


def test_stages_and_run_orders_run_in_sequence_and_everything_is_recorded(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    handler.exports["B"] = {"TAG": "v7"}
    r, events, store = runner(tmp_path, handler, clock)
    run = r.run(RunRequest(pipeline(THREE_STAGES), {}, source_revision="abc"))
    assert handler.calls == ["B", "D1", "D2", "D3", "A"]
    assert run.status == SUCCEEDED and run.exit_code == 0
    assert [s.status for s in run.stages] == [SUCCEEDED] * 3
    assert run.stages[0].actions[0].variables == {"TAG": "v7"}
    assert run.stages[0].actions[0].seconds == pytest.approx(10)
    assert run.seconds == pytest.approx(50)
    # The deploy action saw the build's artifact; the run action can resolve the build's variable.
    ctx = handler.seen["D1"]
    assert list(ctx.inputs) == ["Out"] and ctx.inputs["Out"].files == ("imagedefinitions.json",)
    assert handler.seen["D2"].scope.resolve("#{BV.TAG}", "x") == "v7"
    assert store.get("run-1") == run
    started = [e.action for e in events if isinstance(e, ActionStarted)]
    assert started == ["B", "D1", "D2", "D3", "A"]


def test_actions_with_the_same_run_order_run_in_parallel(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    handler.barrier = threading.Barrier(2)  # times out (BrokenBarrierError) unless both run at once
    r, _, _ = runner(tmp_path, handler, clock)
    text = """
    stages:
      - name: Par
        actions: [{name: X, run: "echo x"}, {name: Y, run: "echo y"}, {name: Z, run: "echo z", run_order: 2}]
"""
    run = r.run(RunRequest(pipeline(text), {}))
    assert run.status == SUCCEEDED
    assert set(handler.calls[:2]) == {"X", "Y"} and handler.calls[2] == "Z"
    assert [a.name for a in run.stages[0].actions] == ["X", "Y", "Z"]  # declaration order in the record


def test_a_failure_finishes_its_group_then_skips_everything_later(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    handler.fail["D1"] = ActionOutcome(FAILED, "web: rolled back (circuit breaker)", int(ExitCode.ROLLED_BACK))
    r, events, _ = runner(tmp_path, handler, clock)
    text = THREE_STAGES.replace('{name: D2, run: "echo #{BV.TAG}", run_order: 2}', '{name: D2, run: "echo 2"}')
    run = r.run(RunRequest(pipeline(text), {}))
    assert handler.calls == ["B", "D1", "D2"] or handler.calls == ["B", "D2", "D1"]  # D2 shares D1's group
    assert run.status == FAILED
    assert run.exit_code == ExitCode.ROLLED_BACK
    assert run.message == "stage Deploy, action D1: web: rolled back (circuit breaker)"
    deploy = run.stage("Deploy")
    assert deploy is not None and deploy.status == FAILED
    assert [(a.name, a.status) for a in deploy.actions] == [("D1", FAILED), ("D2", SUCCEEDED), ("D3", SKIPPED)]
    after = run.stage("After")
    assert after is not None and after.status == SKIPPED and after.actions[0].status == SKIPPED
    finished = {e.action: e.status for e in events if isinstance(e, ActionFinished)}
    assert "A" not in finished and "D3" not in finished


def test_an_error_in_a_handler_fails_the_action_with_its_exit_code(tmp_path: Path) -> None:
    clock = FakeClock()

    def broken(ctx: ActionContext) -> ActionOutcome:
        raise ArtifactError(f"{ctx.where}: input artifact Out: imagedefinitions.json is missing")

    r, _, _ = runner(tmp_path, Recorder(clock), clock)
    r.handlers = {**r.handlers, ActionKind.DEPLOY: broken}
    run = r.run(RunRequest(pipeline(THREE_STAGES), {}))
    assert run.status == FAILED and run.exit_code == ExitCode.INVALID
    assert "stage Deploy, action D1: input artifact Out: imagedefinitions.json is missing" in run.message


GATED = """
    stages:
      - name: Build
        actions: [{name: B, build: buildspec.yml, namespace: BV}]
      - name: Gate
        actions: [{name: Approve, approve: "ship #{BV.TAG}?"}]
      - name: Prod
        actions: [{name: P, deploy: {}}]
"""


def test_approval_in_ci_without_approve_waits_and_says_how_to_resume(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    handler.exports["B"] = {"TAG": "v7"}
    gate = ApproveHandler(
        approvals=(), prompt=None, resume_hint="resume: ecsflow run --resume {run_id} --approve {stage}"
    )
    r, _, store = runner(tmp_path, handler, clock, gate)
    run = r.run(RunRequest(pipeline(GATED), {}))
    assert handler.calls == ["B"]
    assert run.status == WAITING and run.exit_code == ExitCode.PAUSED
    assert "waiting for approval (ship v7?)" in run.message  # references resolved
    assert "ecsflow run --resume run-1 --approve Gate" in run.message
    assert [s.status for s in run.stages] == [SUCCEEDED, WAITING, SKIPPED]

    # Resuming with --approve keeps the build (not run again) and goes on.
    approving = ApproveHandler(approvals=("Gate",), prompt=None, resume_hint="")
    r2, _, _ = runner(tmp_path, handler, clock, approving, store=store)
    resumed = r2.resume(pipeline(GATED), run)
    assert handler.calls == ["B", "P"]
    assert resumed.run_id == "run-1" and resumed.status == SUCCEEDED
    gate_stage = resumed.stage("Gate")
    assert gate_stage is not None and gate_stage.actions[0].message == "approved (--approve)"
    assert store.get("run-1") == resumed


def test_approval_with_approve_or_at_the_prompt(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    handler.exports["B"] = {"TAG": "v7"}
    r, _, _ = runner(tmp_path, handler, clock, ApproveHandler(approvals=("Gate.Approve",), prompt=None, resume_hint=""))
    assert r.run(RunRequest(pipeline(GATED), {})).status == SUCCEEDED

    asked: list[str] = []

    def say_no(question: str) -> bool:
        asked.append(question)
        return False

    r, _, _ = runner(tmp_path, handler, clock, ApproveHandler(approvals=(), prompt=say_no, resume_hint=""))
    run = r.run(RunRequest(pipeline(GATED), {}))
    assert asked == ["ship v7?"]
    assert run.status == FAILED and "rejected" in run.message


def test_pipeline_variables_defaults_overrides_and_missing_values() -> None:
    p = pipeline("""
    variables: [{name: IMAGE_TAG, defaultValue: latest}, {name: REGION}]
    stages: [{name: S, actions: [{name: R, run: "echo #{variables.IMAGE_TAG}"}]}]
""")
    assert pipeline_variables(p, {"REGION": "eu-west-1"}) == {"IMAGE_TAG": "latest", "REGION": "eu-west-1"}
    assert pipeline_variables(p, {"REGION": "x", "IMAGE_TAG": "v2"})["IMAGE_TAG"] == "v2"
    with pytest.raises(Exception, match="REGION has no default value") as info:
        pipeline_variables(p, {"NOPE": "1"})
    assert "declares no variable 'NOPE'" in str(info.value)


def test_run_variables_reach_the_actions(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    r, _, _ = runner(tmp_path, handler, clock)
    p = pipeline("""
    variables: {IMAGE_TAG: latest}
    stages: [{name: S, actions: [{name: R, run: "echo #{variables.IMAGE_TAG}"}]}]
""")
    run = r.run(RunRequest(p, pipeline_variables(p, {"IMAGE_TAG": "v9"})))
    scope = handler.seen["R"].scope
    assert scope.resolve("tag #{variables.IMAGE_TAG} in #{codepipeline.PipelineExecutionId}", "x") == "tag v9 in run-1"
    assert run.variables == {"IMAGE_TAG": "v9"}
    with pytest.raises(Exception, match="exported no MISSING"):
        scope.publish("BV", {"TAG": "1"})
        scope.resolve("#{BV.MISSING}", "stage S, action R")


def test_sqlite_store_round_trips_and_lists_newest_first(tmp_path: Path) -> None:
    clock = FakeClock()
    handler = Recorder(clock)
    handler.exports["B"] = {"TAG": "v7"}
    store = SqliteRunStore(tmp_path / ".ecsflow" / "runs.sqlite")
    r, _, _ = runner(tmp_path, handler, clock, store=store)
    first = r.run(RunRequest(pipeline(THREE_STAGES), {}, trigger="change", change="a..b"))
    second = r.run(RunRequest(pipeline(THREE_STAGES, name="q"), {}))
    assert store.get(first.run_id) == first
    assert [x.run_id for x in store.list()] == [second.run_id, first.run_id]
    assert [x.run_id for x in store.list("p")] == [first.run_id]
    assert store.get("nope") is None
    again = SqliteRunStore(tmp_path / ".ecsflow" / "runs.sqlite")  # a new process reads the same file
    assert again.list(limit=1) == [second]
    assert RunRecord.from_json(first.to_json()) == first


class FakeObjects:
    """A bucket in memory, with S3's lexicographic listing."""

    def __init__(self) -> None:
        self.location = "s3://bucket/prefix"
        self.docs: dict[str, dict[str, object]] = {}
        self.files: dict[str, bytes] = {}

    def put(self, key: str, document: dict[str, object]) -> None:
        self.docs[key] = json.loads(json.dumps(document))  # what a JSON object store gives back

    def get(self, key: str) -> dict[str, object] | None:
        return self.docs.get(key)

    def keys(self, folder: str) -> list[str]:
        return sorted(k for k in [*self.docs, *self.files] if k.startswith(folder))

    def put_bytes(self, key: str, data: bytes) -> None:
        self.files[key] = data

    def get_bytes(self, key: str) -> bytes | None:
        return self.files.get(key)


def test_object_store_keeps_one_json_object_per_run(tmp_path: Path) -> None:
    clock = FakeClock()
    objects = FakeObjects()
    store = ObjectRunStore(objects)
    r, _, _ = runner(tmp_path, WritingRecorder(clock), clock, store=store)
    first = r.run(RunRequest(pipeline(THREE_STAGES), {}))
    second = r.run(RunRequest(pipeline(THREE_STAGES, name="q"), {}))
    assert sorted(objects.docs) == ["runs/p/run-1.json", "runs/q/run-2.json"]
    assert sorted(objects.files) == [
        "artifacts/run-1/Out/imagedefinitions.json",
        "artifacts/run-2/Out/imagedefinitions.json",
    ]
    assert store.get("run-2") == second and store.get("nope") is None
    assert store.list() == [second, first]
    assert store.list("p") == [first]


class WritingRecorder(Recorder):
    """Writes its output artifacts' files, as a build does."""

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        outcome = super().__call__(ctx)
        for artifact in outcome.artifacts:
            Path(artifact.directory).mkdir(parents=True, exist_ok=True)
            (Path(artifact.directory) / "imagedefinitions.json").write_text(f"[{ctx.action.name}]")
        return outcome


def test_a_run_waiting_for_approval_resumes_on_another_machine_with_its_artifacts(tmp_path: Path) -> None:
    clock = FakeClock()
    objects = FakeObjects()
    store = ObjectRunStore(objects)
    gated = """
    stages:
      - name: Build
        actions: [{name: B, build: buildspec.yml, outputs: [Out]}]
      - name: Gate
        actions: [{name: Approve, approve: "ok?"}]
      - name: Deploy
        actions: [{name: D, deploy: {}, inputs: [Out]}]
"""
    first = WritingRecorder(clock)
    wait = ApproveHandler(approvals=(), prompt=None, resume_hint="")
    r, _, _ = runner(tmp_path / "job-1", first, clock, wait, store=store)
    run = r.run(RunRequest(pipeline(gated), {}))
    assert run.status == WAITING
    kept = run.stages[0].actions[0].artifacts[0]
    assert kept.location == "s3://bucket/prefix/artifacts/run-1/Out/"
    assert objects.files["artifacts/run-1/Out/imagedefinitions.json"] == b"[B]"

    shutil.rmtree(tmp_path / "job-1")  # another CI job: a fresh machine, only the run store in common
    second = WritingRecorder(clock)
    go = ApproveHandler(approvals=("Gate",), prompt=None, resume_hint="")
    r2, _, _ = runner(tmp_path / "job-2", second, clock, go, store=store)
    resumed = r2.resume(pipeline(gated), store.get("run-1"))  # type: ignore[arg-type]
    assert resumed.status == SUCCEEDED and second.calls == ["D"]
    fetched = second.seen["D"].inputs["Out"]
    assert fetched.directory == str(tmp_path / "job-2" / "run-1" / "fetched" / "Out")
    assert (Path(fetched.directory) / "imagedefinitions.json").read_text() == "[B]"


def test_without_an_object_store_a_missing_artifact_says_where_to_resume(tmp_path: Path) -> None:
    clock = FakeClock()
    store = MemoryRunStore()
    gated = """
    stages:
      - {name: Build, actions: [{name: B, build: buildspec.yml, outputs: [Out]}]}
      - {name: Gate, actions: [{name: Approve, approve: "ok?"}]}
"""
    r, _, _ = runner(
        tmp_path / "job-1",
        WritingRecorder(clock),
        clock,
        ApproveHandler(approvals=(), prompt=None, resume_hint=""),
        store=store,
    )
    run = r.run(RunRequest(pipeline(gated), {}))
    r2, _, _ = runner(
        tmp_path / "job-2",
        WritingRecorder(clock),
        clock,
        ApproveHandler(approvals=("Gate",), prompt=None, resume_hint=""),
        store=store,
    )
    shutil.rmtree(tmp_path / "job-1")
    with pytest.raises(Exception, match="artifact Out of run run-1 is not on this machine"):
        r2.resume(pipeline(gated), run)


def test_an_interrupted_run_is_recorded_as_such_and_the_interrupt_goes_on(tmp_path: Path) -> None:
    clock = FakeClock()

    def interrupted(ctx: ActionContext) -> ActionOutcome:
        raise KeyboardInterrupt

    r, _, store = runner(tmp_path, Recorder(clock), clock)
    r.handlers = {**r.handlers, ActionKind.DEPLOY: interrupted}
    with pytest.raises(KeyboardInterrupt):
        r.run(RunRequest(pipeline(THREE_STAGES), {}))
    (run,) = store.list()
    assert run.status == FAILED and run.exit_code == ExitCode.INTERRUPTED and run.message == "interrupted"
    assert [s.name for s in run.stages] == ["Build"]  # what finished before the interrupt
