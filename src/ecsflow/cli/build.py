"""``ecsflow build``: run a ``buildspec.yml`` (version 0.2) with CodeBuild's semantics, here.

Output is streamed with CodeBuild-style phase markers (``[Container] … Entering phase BUILD``),
secrets masked; ``--output json`` gives one JSON line per event and a result object.
Exit code 0 when the build SUCCEEDED, 1 when it FAILED, 5 when it TIMED_OUT (``--timeout``),
2 for an invalid buildspec or an unresolvable secret reference (nothing ran then).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import click

from ecsflow.cli.context import CliContext, get_context
from ecsflow.errors import ArtifactError, ExitCode, Problem, UsageError
from ecsflow.events import (
    BuildFinished,
    CommandFinished,
    CommandOutput,
    CommandStarted,
    Event,
    Message,
    PhaseFinished,
    PhaseStarted,
    to_dict,
)
from ecsflow.pipeline.buildspec_runner import BuildResult
from ecsflow.ports import SecretsPort, SsmPort

DEFAULT_BUILDSPEC = "buildspec.yml"
DEFAULT_ARTIFACTS = ".ecsflow/artifacts"


def _stamp(at: float) -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(at))


class TextRenderer:
    """CodeBuild's log lines, so people who read CodeBuild logs read these without thinking."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Event) -> None:
        line = self._line(event)
        if line is not None:
            self.out.write(line + "\n")
            self.out.flush()

    def _line(self, event: Event) -> str | None:
        head = f"[Container] {_stamp(event.at)}"
        if isinstance(event, CommandOutput):
            return event.line
        if isinstance(event, PhaseStarted):
            return f"{head} Entering phase {event.phase}"
        if isinstance(event, CommandStarted):
            return f"{head} Running command {event.command}"
        if isinstance(event, CommandFinished):
            if event.exit_code == 0:
                return None
            return f"{head} Command did not exit successfully {event.command} exit status {event.exit_code}"
        if isinstance(event, PhaseFinished):
            text = f"{head} Phase complete: {event.phase} State: {event.status}"
            return f"{text}\n{head} Phase context status: {event.message}" if event.message else text
        if isinstance(event, Message):
            return f"{head} {event.level}: {event.text}"
        if isinstance(event, BuildFinished):
            return f"{head} Build {event.build_id} {event.status}"
        return None


class JsonRenderer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Event) -> None:
        from ecsflow.cli.console import write_json

        write_json(to_dict(event), self.out)


def _parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for i, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if not sep or not name:
            problems.append(Problem(f"expected NAME=value, got {pair!r}", f"--env[{i}]"))
        elif name.startswith("CODEBUILD_"):
            problems.append(Problem(f"{name}: names starting with CODEBUILD_ are reserved", f"--env[{i}]"))
        else:
            out[name] = value
    if problems:
        raise UsageError("invalid --env: " + "; ".join(str(p) for p in problems), hint="use --env NAME=value")
    return out


def _ports(ctx: CliContext, needs_ssm: bool, needs_secrets: bool) -> tuple[SsmPort | None, SecretsPort | None]:
    if not (needs_ssm or needs_secrets):
        return None, None  # boto3 is imported only when the buildspec asks AWS for values
    from ecsflow.aws.params import SecretsAdapter, SsmAdapter
    from ecsflow.aws.session import AwsClients, AwsSettings

    clients = AwsClients(AwsSettings(region=ctx.region, profile=ctx.profile, endpoint_url=ctx.endpoint_url))
    return SsmAdapter(clients), SecretsAdapter(clients)


def _append_exported(path: Path, variables: Mapping[str, str]) -> None:
    """NAME=value lines, appended (GitHub's $GITHUB_OUTPUT and dotenv readers take this form);
    a multi-line value uses the NAME<<DELIMITER form GitHub documents."""
    lines: list[str] = []
    for name, value in variables.items():
        if "\n" in value:
            delimiter = f"ECSFLOW_{name}_EOF"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def _source_facts(source: Path) -> tuple[str | None, str | None]:
    """The checked-out commit and origin URL, when the source is a Git checkout and git exists."""
    from ecsflow.errors import OperationFailed
    from ecsflow.pipeline.git import Git, subprocess_runner

    git = Git(subprocess_runner(source))
    try:
        return git.head(), git.remote_url()
    except OperationFailed:
        return None, None  # no git here: the CODEBUILD_*SOURCE* variables stay unset, as for S3 sources


def markdown_summary(result: BuildResult) -> str:
    """A Markdown summary of the build: phases, the failing command, exported variables, artifacts."""
    lines = [
        f"### ecsflow build `{result.build_id}`: {result.status}",
        "",
        "| phase | status | detail |",
        "|---|---|---|",
    ]
    for phase in result.phases:
        detail = phase.message.replace("|", "\\|")
        lines.append(f"| {phase.phase} | {phase.status} | {detail} |")
    if result.exported_variables:
        lines += ["", "Exported variables:", ""]
        lines += [f"- `{name}` = `{value}`" for name, value in result.exported_variables.items()]
    if result.artifacts:
        lines += ["", "Artifacts:", ""]
        lines += [f"- {a.identifier}: {len(a.files)} files in `{a.name}/`" for a in result.artifacts]
    return "\n".join(lines) + "\n"


def _write_summary(result: BuildResult, summary_path: str | None) -> None:
    targets: list[tuple[str, str]] = []
    if step_summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        targets.append((step_summary, "a"))  # GitHub Actions shows this file on the run's page
    if summary_path:
        targets.append((summary_path, "w"))
    text = markdown_summary(result)
    for path, mode in targets:
        try:
            with Path(path).open(mode, encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            raise UsageError(
                f"cannot write the Markdown summary to {path}: {exc.strerror}",
                hint="give a writable path with --summary, or unset GITHUB_STEP_SUMMARY",
            ) from exc


def _result_payload(result: BuildResult) -> dict[str, Any]:
    return {
        "buildId": result.build_id,
        "status": result.status,
        "phases": [
            {
                "phase": p.phase,
                "status": p.status,
                "message": p.message,
                "commands": [{"section": c.section, "command": c.command, "exitCode": c.exit_code} for c in p.commands],
            }
            for p in result.phases
        ],
        "exportedVariables": dict(result.exported_variables),
        "artifacts": [
            {"identifier": a.identifier, "name": a.name, "directory": str(a.directory), "files": list(a.files)}
            for a in result.artifacts
        ],
    }


@click.command(
    "build",
    help="Run a buildspec.yml (version 0.2) here, with CodeBuild's semantics.\n\n"
    "\b\nExamples:\n  ecsflow build\n  ecsflow build ci/buildspec.yml --env STAGE=test --artifacts-dir out",
)
@click.argument("buildspec", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--source-dir",
    type=click.Path(file_okay=False, exists=True),
    default=".",
    show_default=True,
    help="The source folder (CODEBUILD_SRC_DIR); commands start there.",
)
@click.option(
    "--artifacts-dir",
    type=click.Path(file_okay=False),
    default=None,
    help=f"Where artifacts are collected [default: <source-dir>/{DEFAULT_ARTIFACTS}].",
)
@click.option("--env", "env_pairs", multiple=True, metavar="NAME=VALUE", help="Override a variable (repeatable).")
@click.option("--project", default="ecsflow-local", show_default=True, help="Project name in CODEBUILD_BUILD_ID.")
@click.option("--build-number", default=1, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--timeout",
    "timeout_minutes",
    type=click.IntRange(5, 2160),
    default=None,
    help="Build timeout in minutes, as CodeBuild's timeoutInMinutes (5-2160) [default: none].",
)
@click.option(
    "--exported-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write exported-variables to this file as NAME=value lines (e.g. $GITHUB_OUTPUT).",
)
@click.option("--summary", "summary_path", default=None, metavar="FILE", help="Write a Markdown summary here.")
def build(
    buildspec: str | None,
    source_dir: str,
    artifacts_dir: str | None,
    env_pairs: tuple[str, ...],
    project: str,
    build_number: int,
    timeout_minutes: int | None,
    exported_file: str | None,
    summary_path: str | None,
) -> int:
    from ecsflow.artifacts.buildspec import parse_buildspec
    from ecsflow.pipeline.build_env import BuildContext
    from ecsflow.pipeline.build_spec import read_build_spec
    from ecsflow.pipeline.buildspec_runner import BuildspecRunner
    from ecsflow.ports import SystemClock

    ctx = get_context()
    overrides = _parse_env(env_pairs)
    source = Path(source_dir).resolve()
    spec_path = Path(buildspec) if buildspec else source / DEFAULT_BUILDSPEC
    try:
        content = spec_path.read_bytes()
    except FileNotFoundError as exc:
        raise ArtifactError(
            f"{spec_path} not found",
            [Problem("file not found", "", str(spec_path))],
            hint="give the buildspec path, or run in the folder that has buildspec.yml",
        ) from exc
    spec = read_build_spec(parse_buildspec(content, str(spec_path)))
    source_version, repo_url = _source_facts(source)
    context = BuildContext(
        source_dir=source,
        project=project,
        build_number=build_number,
        source_version=source_version,
        source_repo_url=repo_url,
        region=ctx.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        base_env=dict(os.environ),
        overrides=overrides,
    )
    ssm, secrets = _ports(ctx, bool(spec.env.parameter_store), bool(spec.env.secrets_manager))
    sink = JsonRenderer(sys.stdout) if ctx.json_output else TextRenderer(sys.stdout)
    runner = BuildspecRunner(clock=SystemClock(), sink=sink, ssm=ssm, secrets=secrets)
    out_dir = Path(artifacts_dir).resolve() if artifacts_dir else source / DEFAULT_ARTIFACTS
    timeout = None if timeout_minutes is None else timeout_minutes * 60.0
    result = runner.run(spec, context, out_dir, timeout_seconds=timeout)
    _write_summary(result, summary_path)
    if exported_file and result.exported_variables:
        _append_exported(Path(exported_file), result.exported_variables)
    if ctx.json_output:
        from ecsflow.cli.console import write_json

        write_json({"ok": result.succeeded, "result": _result_payload(result)})
    else:
        for name, value in result.exported_variables.items():
            sys.stdout.write(f"exported {name}={value}\n")
        for artifact in result.artifacts:
            sys.stdout.write(f"artifact {artifact.identifier}: {len(artifact.files)} files in {artifact.directory}\n")
    if result.status == "TIMED_OUT":
        return int(ExitCode.TIMED_OUT)
    return int(ExitCode.OK) if result.succeeded else int(ExitCode.FAILED)
