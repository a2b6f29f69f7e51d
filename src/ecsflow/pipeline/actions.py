"""Action handlers: ``build`` (the buildspec runner), ``run`` (a shell command), ``approve``.

``deploy`` and ``promote`` live in ``ecsflow.pipeline.deploy_action``; a one-off ECS task
(``run: {task: …}``) in ``ecsflow.pipeline.task_action``.

Build actions follow the CodeBuild action of CodePipeline: the buildspec runs in the
repository (the source), ``CODEBUILD_INITIATOR`` is ``codepipeline/<pipeline>``, each input
artifact's folder is in ``CODEBUILD_SRC_DIR_<artifact>`` (as secondary sources are), the
exported variables become the action's output variables, and its output artifacts are the
buildspec's artifacts: one output takes the primary artifact; with several, each output
takes the secondary artifact of the same identifier (and the primary the first one left),
as CodePipeline maps them.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from ecsflow.artifacts.buildspec import parse_buildspec
from ecsflow.config.pipelines import ApproveAction, BuildAction, RunAction
from ecsflow.errors import ArtifactError, ExitCode, Problem, UsageError
from ecsflow.events import Event, EventSink, Message
from ecsflow.pipeline.build_env import BuildContext
from ecsflow.pipeline.build_spec import ArtifactSpec, BuildSpec, read_build_spec
from ecsflow.pipeline.buildspec_runner import SUCCEEDED as BUILD_SUCCEEDED
from ecsflow.pipeline.buildspec_runner import TIMED_OUT as BUILD_TIMED_OUT
from ecsflow.pipeline.buildspec_runner import BuildspecRunner
from ecsflow.pipeline.run_record import FAILED, SUCCEEDED, WAITING, ArtifactRecord
from ecsflow.pipeline.stages import ActionContext, ActionOutcome
from ecsflow.ports import Clock, SecretsPort, SsmPort


def relabel(sink: EventSink, label: str) -> EventSink:
    """Events of a build or a command, attributed to the action that runs it."""

    def forward(event: Event) -> None:
        sink(dataclasses.replace(event, service=label) if event.service is None else event)

    return forward


def _output_specs(spec: BuildSpec, outputs: tuple[str, ...], where: str, file: str) -> list[tuple[str, ArtifactSpec]]:
    if not outputs:
        return []
    if not spec.artifacts:
        raise ArtifactError(
            f"{where}: outputs {', '.join(outputs)} but {file} has no `artifacts` section",
            [Problem("no artifacts section", "artifacts", file)],
            hint="list the files the next actions need under artifacts.files (e.g. imagedefinitions.json)",
        )
    by_id = {a.identifier: a for a in spec.artifacts}
    if len(outputs) == 1:
        return [(outputs[0], by_id.get("primary") or spec.artifacts[0])]
    pairs: list[tuple[str, ArtifactSpec]] = []
    left = [o for o in outputs if o not in by_id or o == "primary"]
    for name in outputs:
        if name in by_id and name != "primary":
            pairs.append((name, by_id[name]))
    if left and "primary" in by_id:
        pairs.insert(0, (left.pop(0), by_id["primary"]))
    if left:
        known = ", ".join(a.identifier for a in spec.artifacts)
        raise ArtifactError(
            f"{where}: output artifact {', '.join(left)} matches no artifact of {file} (artifacts: {known})",
            [Problem(f"no secondary artifact {name!r}", "artifacts.secondary-artifacts", file) for name in left],
            hint="with several outputs, name each after a secondary-artifacts identifier, as CodePipeline does",
        )
    return pairs


class BuildHandler:
    """Runs a build action's buildspec with the buildspec runner."""

    def __init__(
        self,
        *,
        root: Path,
        clock: Clock,
        base_env: Mapping[str, str],
        region: str | None = None,
        ssm: Callable[[], SsmPort | None] = lambda: None,
        secrets: Callable[[], SecretsPort | None] = lambda: None,
        repo_url: str | None = None,
    ) -> None:
        self.root = root
        self.clock = clock
        self.base_env = base_env
        self.region = region
        self.ssm = ssm
        self.secrets = secrets
        self.repo_url = repo_url
        self._numbers: dict[str, int] = {}

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        action = ctx.action.spec
        assert isinstance(action, BuildAction)
        path = self.root / action.buildspec
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ArtifactError(
                f"{ctx.where}: cannot read the buildspec {action.buildspec}: {exc.strerror}",
                [Problem("file not readable", f"pipelines.{ctx.pipeline.name}", action.buildspec)],
                hint="fix build.buildspec (relative to ecsflow.yml)",
            ) from exc
        spec = read_build_spec(parse_buildspec(content, str(path)))
        outputs = _output_specs(spec, ctx.action.outputs, ctx.where, action.buildspec)
        env = ctx.scope.resolve_all(action.env, f"{ctx.where}: build.env")
        for name, artifact in ctx.inputs.items():
            env.setdefault(f"CODEBUILD_SRC_DIR_{name}", artifact.directory)
        project = f"{ctx.pipeline.name}-{ctx.action.name}"
        self._numbers[project] = self._numbers.get(project, 0) + 1
        build_ctx = BuildContext(
            source_dir=(self.root / action.source_dir).resolve(),
            project=project,
            build_number=self._numbers[project],
            source_version=ctx.source_revision,
            source_repo_url=self.repo_url,
            initiator=f"codepipeline/{ctx.pipeline.name}",
            region=self.region,
            base_env=dict(self.base_env),
            overrides=env,
        )
        ssm = self.ssm() if spec.env.parameter_store else None
        secrets = self.secrets() if spec.env.secrets_manager else None
        runner = BuildspecRunner(clock=self.clock, sink=relabel(ctx.sink, ctx.label), ssm=ssm, secrets=secrets)
        out_dir = ctx.artifacts_dir / "build" / f"{ctx.stage}.{ctx.action.name}"
        # Only the artifacts the action outputs are collected (CodePipeline uploads nothing else).
        collected_spec = dataclasses.replace(spec, artifacts=tuple(a for _, a in outputs))
        result = runner.run(collected_spec, build_ctx, out_dir if outputs else None, timeout_seconds=action.timeout)
        by_id = {a.identifier: a for a in result.artifacts}
        artifacts = tuple(
            ArtifactRecord(name, str(by_id[a.identifier].directory), by_id[a.identifier].files)
            for name, a in outputs
            if a.identifier in by_id and not by_id[a.identifier].error
        )
        if result.status == BUILD_SUCCEEDED:
            summary = f"build {result.build_id} succeeded"
            if result.exported_variables:
                summary += f"; exported {', '.join(result.exported_variables)}"
            return ActionOutcome(SUCCEEDED, summary, 0, dict(result.exported_variables), artifacts)
        failed = next((p for p in result.phases if p.status not in (BUILD_SUCCEEDED, "SKIPPED")), None)
        detail = f"{failed.phase}: {failed.message}" if failed and failed.message else result.status
        code = ExitCode.TIMED_OUT if result.status == BUILD_TIMED_OUT else ExitCode.FAILED
        return ActionOutcome(FAILED, f"build {result.build_id} {result.status} ({detail})", int(code))


class CommandHandler:
    """``run: "command"``: one shell command in the project folder; its exit status decides.

    Output is streamed line by line; ``#{…}`` references are substituted before it runs.
    Pipeline variables are also in its environment, as they are for builds.
    """

    def __init__(self, *, root: Path, clock: Clock, base_env: Mapping[str, str]) -> None:
        self.root = root
        self.clock = clock
        self.base_env = base_env

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        action = ctx.action.spec
        assert isinstance(action, RunAction) and action.command is not None
        command = ctx.scope.resolve(action.command, f"{ctx.where}: run.command")
        env = {**self.base_env, **ctx.scope.variables, "ECSFLOW_RUN_ID": ctx.run_id}
        sink = ctx.sink
        # Running the configured shell command is the point of a `run` action.
        proc = subprocess.Popen(
            command,
            shell=True,
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        deadline = None if action.timeout is None else self.clock.now() + action.timeout
        assert proc.stdout is not None
        for line in proc.stdout:
            sink(Message(self.clock.now(), ctx.label, line.rstrip("\n")))
            if deadline is not None and self.clock.now() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return ActionOutcome(FAILED, f"timed out: {command}", int(ExitCode.TIMED_OUT))
        code = proc.wait()
        if code == 0:
            return ActionOutcome(SUCCEEDED, f"exit status 0: {command}")
        return ActionOutcome(FAILED, f"exit status {code}: {command}", int(ExitCode.FAILED))


Prompt = Callable[[str], bool]  # shows the question, returns the answer (yes/no)


class ApproveHandler:
    """A manual gate. Approved by ``--approve STAGE`` (or ``STAGE.ACTION``), or on a terminal by
    answering the prompt; otherwise the run stops ``Waiting`` (exit 7) and says how to resume."""

    def __init__(self, *, approvals: Collection[str], prompt: Prompt | None, resume_hint: str) -> None:
        self.approvals = frozenset(approvals)
        self.prompt = prompt
        self.resume_hint = resume_hint

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        action = ctx.action.spec
        assert isinstance(action, ApproveAction)
        names = {ctx.stage, f"{ctx.stage}.{ctx.action.name}"}
        if names & self.approvals:
            return ActionOutcome(SUCCEEDED, "approved (--approve)")
        question = action.message or f"approve {ctx.pipeline.name}: stage {ctx.stage}?"
        question = ctx.scope.resolve(question, f"{ctx.where}: approve")
        if self.prompt is not None:
            if self.prompt(question):
                return ActionOutcome(SUCCEEDED, "approved at the prompt")
            return ActionOutcome(FAILED, "rejected at the prompt", int(ExitCode.FAILED))
        hint = self.resume_hint.format(run_id=ctx.run_id, stage=ctx.stage, pipeline=ctx.pipeline.name)
        return ActionOutcome(WAITING, f"waiting for approval ({question}); {hint}", int(ExitCode.PAUSED))


def check_approvals(approvals: Collection[str], stage_names: Collection[str]) -> None:
    """``--approve`` must name a stage (or Stage.Action) of the pipelines that run: a typo would
    otherwise leave a gate shut while the user believes it open."""
    unknown = [a for a in approvals if a not in stage_names]
    if unknown:
        raise UsageError(
            f"--approve {', '.join(unknown)}: no such stage with an approve action",
            hint=f"stages with an approval: {', '.join(sorted(stage_names)) or 'none'}",
        )
