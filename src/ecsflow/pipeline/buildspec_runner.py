"""Running a buildspec (version 0.2) with CodeBuild's semantics, locally or in any CI.

Phase transitions (AWS-SEMANTICS §9.3), with the choices we made where AWS is not explicit:

* Inside a phase, ``commands`` run in order and stop at the first failure; ``finally`` then
  runs in any case. The phase fails if a command or a ``finally`` command failed.
  ``finally`` also stops at its first failing command [uncertain: AWS does not say].
* ``on-failure: ABORT`` ends the build at that phase: later phases and UPLOAD_ARTIFACTS are
  skipped [uncertain for the upload].
* ``on-failure: CONTINUE`` goes on to the next phase; the build still ends FAILED and
  ``CODEBUILD_BUILD_SUCCEEDING`` is ``0`` from then on [observed: post_build scripts check it
  after a CONTINUE'd build phase].
* Without ``on-failure``: a failed INSTALL or PRE_BUILD skips BUILD, POST_BUILD and the upload
  (straight to finalizing) [observed/uncertain]; a failed BUILD still runs POST_BUILD with
  ``CODEBUILD_BUILD_SUCCEEDING=0``; a failed POST_BUILD fails the build. UPLOAD_ARTIFACTS is
  attempted after BUILD/POST_BUILD whatever their result (doc "Important" box).
* ``RETRY`` forms of ``on-failure`` (EC2 compute only, unverified) are run as the default
  transition, with a warning.
* ``CODEBUILD_BUILD_SUCCEEDING`` turns ``0`` at the first failed command (so a failing phase's
  own ``finally`` sees it) [uncertain: documented for POST_BUILD only].
* A build timeout (CodeBuild's ``timeoutInMinutes``, given by the caller) kills the running
  command and its shell; the phase and the build end TIMED_OUT, later phases, exported
  variables and the upload are skipped [uncertain: CodeBuild finalizes without uploading].
* ``exported-variables`` are read once POST_BUILD (or the last phase that ran) has ended:
  they are frozen after post_build. A variable that is not set is left out, with a warning.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecsflow.events import (
    BuildFinished,
    CommandFinished,
    CommandOutput,
    CommandStarted,
    EventSink,
    Message,
    PhaseFinished,
    PhaseStarted,
    null_sink,
)
from ecsflow.pipeline.artifact_collect import CollectedArtifact, collect
from ecsflow.pipeline.build_env import BuildContext, codebuild_variables, resolve_environment
from ecsflow.pipeline.build_spec import BuildSpec, PhaseSpec
from ecsflow.pipeline.masking import SecretMasker
from ecsflow.pipeline.shell import CommandTimedOut, ShellSession
from ecsflow.ports import Clock, SecretsPort, SsmPort

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
SKIPPED = "SKIPPED"
TIMED_OUT = "TIMED_OUT"
UPLOAD_ARTIFACTS = "UPLOAD_ARTIFACTS"


@dataclass(frozen=True)
class CommandResult:
    section: str  # commands or finally
    command: str  # masked
    exit_code: int


@dataclass(frozen=True)
class PhaseResult:
    phase: str  # CodeBuild's phase type: INSTALL, PRE_BUILD, BUILD, POST_BUILD, UPLOAD_ARTIFACTS
    status: str  # SUCCEEDED, FAILED, TIMED_OUT or SKIPPED
    commands: tuple[CommandResult, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    status: str  # SUCCEEDED, FAILED or TIMED_OUT
    phases: tuple[PhaseResult, ...]
    exported_variables: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[CollectedArtifact, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    def phase(self, name: str) -> PhaseResult | None:
        return next((p for p in self.phases if p.phase == name), None)


class _Build:
    """The state of one running build."""

    def __init__(self, shell: ShellSession, mask: SecretMasker, deadline: float | None, clock: Clock) -> None:
        self.shell = shell
        self.mask = mask
        self.deadline = deadline
        self.clock = clock
        self.succeeding = True

    def expired(self) -> bool:
        return self.deadline is not None and self.clock.now() >= self.deadline

    def failed(self) -> None:
        # CODEBUILD_BUILD_SUCCEEDING turns 0 at the first failed command, so the phase's own
        # `finally` block already sees it [AWS documents it for post_build only; uncertain].
        if self.succeeding:
            self.succeeding = False
            self.shell.export("CODEBUILD_BUILD_SUCCEEDING", "0")


class BuildspecRunner:
    """Runs one build: resolves env, runs phases in one shell session, collects artifacts."""

    def __init__(
        self,
        *,
        clock: Clock,
        sink: EventSink = null_sink,
        ssm: SsmPort | None = None,
        secrets: SecretsPort | None = None,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._clock = clock
        self._sink = sink
        self._ssm = ssm
        self._secrets = secrets
        self._new_id = new_id

    def _emit_message(self, text: str, level: str = "warning") -> None:
        self._sink(Message(self._clock.now(), None, text, level))

    def run(
        self,
        spec: BuildSpec,
        ctx: BuildContext,
        artifacts_dir: Path | None = None,
        *,
        timeout_seconds: float | None = None,
    ) -> BuildResult:
        build_id = f"{ctx.project}:{self._new_id()}"
        started = self._clock.now()
        codebuild = codebuild_variables(ctx, build_id, int(started * 1000))
        # Every secret is resolved (and every reference checked) before any command runs.
        env = resolve_environment(spec.env, ctx, codebuild, ssm=self._ssm, secrets=self._secrets, file=spec.file)
        for warning in env.warnings:
            self._emit_message(f"{spec.file}: env: {warning}")
        for key in spec.ignored:
            self._emit_message(f"{spec.file}: {key} has no effect when running locally")
        for warning in spec.warnings:
            self._emit_message(warning)
        control = Path(tempfile.mkdtemp(prefix="ecsflow-build-"))
        shell = ShellSession(spec.env.shell, ctx.source_dir, env.environment, control)
        deadline = None if timeout_seconds is None else started + timeout_seconds
        build = _Build(shell, SecretMasker(env.secret_values), deadline, self._clock)
        try:
            return self._run(spec, ctx, artifacts_dir, build_id, build)
        finally:
            shell.close()
            shutil.rmtree(control, ignore_errors=True)

    def _skip(self, results: list[PhaseResult], phase: str, why: str) -> None:
        results.append(PhaseResult(phase, SKIPPED, message=why))
        self._phase_event(phase, SKIPPED, why)

    def _run(
        self, spec: BuildSpec, ctx: BuildContext, artifacts_dir: Path | None, build_id: str, build: _Build
    ) -> BuildResult:
        results: list[PhaseResult] = []
        stop = ""  # why the remaining phases are skipped: ABORT, INSTALL/PRE_BUILD failure, timeout
        for phase in spec.phases:
            if stop:
                self._skip(results, phase.codebuild_name, stop)
                continue
            result = self._run_phase(phase, build)
            results.append(result)
            if result.status == TIMED_OUT:
                stop = "skipped: the build timed out"
                continue
            if result.status == SUCCEEDED:
                continue
            failure = phase.on_failure or ""
            if failure.startswith("RETRY"):
                self._emit_message(f"{phase.name}: on-failure {failure} is not run locally; using the default")
                failure = ""
            if failure == "ABORT" or (not failure and phase.name in ("install", "pre_build")):
                stop = "skipped after an earlier failure"
        timed_out = any(r.status == TIMED_OUT for r in results)
        exported = {} if timed_out else self._exported(spec, build.shell)
        artifacts: tuple[CollectedArtifact, ...] = ()
        if spec.artifacts and artifacts_dir is not None:
            if stop:
                self._skip(results, UPLOAD_ARTIFACTS, stop)
            else:
                upload, artifacts = self._upload(spec, ctx, artifacts_dir, build.shell)
                results.append(upload)
                build.succeeding = build.succeeding and upload.status == SUCCEEDED
        status = TIMED_OUT if timed_out else SUCCEEDED if build.succeeding else FAILED
        self._sink(BuildFinished(self._clock.now(), None, build_id, status))
        return BuildResult(build_id, status, tuple(results), exported, artifacts)

    def _phase_event(self, phase: str, status: str, message: str = "") -> None:
        self._sink(PhaseFinished(self._clock.now(), None, phase, status, message))

    def _run_phase(self, phase: PhaseSpec, build: _Build) -> PhaseResult:
        name = phase.codebuild_name
        self._sink(PhaseStarted(self._clock.now(), None, name))
        for key in phase.ignored:
            self._emit_message(f"{phase.name}: {key} has no effect when running locally")
        done: list[CommandResult] = []
        failed = False

        def on_line(line: str) -> None:
            self._sink(CommandOutput(self._clock.now(), None, name, build.mask(line)))

        for section, commands in (("commands", phase.commands), ("finally", phase.finally_)):
            for command in commands:
                shown = build.mask(command)
                self._sink(CommandStarted(self._clock.now(), None, name, shown))
                try:
                    code = build.shell.run(command, on_line, build.expired)
                except CommandTimedOut:
                    message = f"Build timed out while running: {shown}"
                    self._phase_event(name, TIMED_OUT, message)
                    return PhaseResult(name, TIMED_OUT, tuple(done), message)
                self._sink(CommandFinished(self._clock.now(), None, name, shown, code))
                done.append(CommandResult(section, shown, code))
                if code != 0:
                    failed = True
                    build.failed()
                    break  # the rest of this section is skipped; `finally` still runs
        message = ""
        if failed:
            bad = next(c for c in done if c.exit_code != 0)
            message = f"Error while executing command: {bad.command}. Reason: exit status {bad.exit_code}"
        status = FAILED if failed else SUCCEEDED
        self._phase_event(name, status, message)
        return PhaseResult(name, status, tuple(done), message)

    def _exported(self, spec: BuildSpec, shell: ShellSession) -> dict[str, str]:
        if not spec.env.exported:
            return {}
        values = shell.read_variables(spec.env.exported)
        for name in spec.env.exported:
            if name not in values:
                self._emit_message(f"exported variable {name} was never set; it is not exported")
        return {name: values[name] for name in spec.env.exported if name in values}

    def _upload(
        self, spec: BuildSpec, ctx: BuildContext, out: Path, shell: ShellSession
    ) -> tuple[PhaseResult, tuple[CollectedArtifact, ...]]:
        self._sink(PhaseStarted(self._clock.now(), None, UPLOAD_ARTIFACTS))
        collected: list[CollectedArtifact] = []
        errors: list[str] = []
        used: set[str] = set()
        for artifact in spec.artifacts:
            for key in artifact.ignored:
                self._emit_message(f"artifact {artifact.identifier}: {key} has no effect when running locally")
            name = shell.expand(artifact.name) if artifact.name else None
            if name is not None and (not name or "/" in name or name in (".", "..")):
                errors.append(f"{artifact.identifier}: name {name!r} cannot be a folder name")
                continue
            folder = name or artifact.identifier
            if folder in used:
                errors.append(f"{artifact.identifier}: another artifact already uses the name {folder!r}")
                continue
            used.add(folder)
            result = collect(artifact, ctx.source_dir, out, name)
            for warning in result.warnings:
                self._emit_message(f"artifact {artifact.identifier}: {warning}")
            if result.error:
                errors.append(result.error)
            collected.append(result)
        status = FAILED if errors else SUCCEEDED
        message = "; ".join(errors)
        self._phase_event(UPLOAD_ARTIFACTS, status, message)
        return PhaseResult(UPLOAD_ARTIFACTS, status, message=message), tuple(collected)
