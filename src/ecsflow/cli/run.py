"""``ecsflow run``: run the pipelines a change triggers (or the named ones), stage by stage.

The pipelines, their triggers, variables and stages come from ``pipelines:`` in
``ecsflow.yml``; which pipelines a change starts is decided exactly as ``ecsflow changes``
shows it. Each run is recorded in the run store (``defaults.run_store``; ``ecsflow runs``).

Exit codes: 0 every run succeeded; 1 an action failed; 2 invalid input (config, artifacts,
variables: nothing of that action was changed in AWS); 4 a deployment rolled back;
5 timed out; 7 an approval waits (resume with ``--resume RUN_ID --approve STAGE``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ecsflow.cli.context import CliContext, get_context
from ecsflow.cli.run_output import print_runs, runs_payload, text_sink
from ecsflow.cli.run_wiring import RunWiring, actor, open_store
from ecsflow.config import ProjectConfig
from ecsflow.config.pipelines import ActionKind, PipelineConfig
from ecsflow.errors import ExitCode, UsageError
from ecsflow.pipeline.actions import check_approvals
from ecsflow.pipeline.run_record import RunRecord
from ecsflow.pipeline.stages import RunRequest
from ecsflow.pipeline.variables import pipeline_variables

EXAMPLES = """
\b
Examples:
  ecsflow run --from origin/main                 # the pipelines this change triggers
  ecsflow run app --var IMAGE_TAG=v42            # a named pipeline, a variable overridden
  ecsflow run release --approve Approve          # open the manual gate of stage Approve (CI)
  ecsflow run --resume 3f2c… --approve Approve   # go on with a run that waits for approval
"""


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--var {pair!r}: expected NAME=VALUE", hint="e.g. --var IMAGE_TAG=v42")
        out[name] = value
    return out


@click.command("run", epilog=EXAMPLES)
@click.argument("pipelines", nargs=-1)
@click.option("--from", "from_rev", default=None, help="The commit before the change: run what it triggers.")
@click.option("--to", "to_rev", default="HEAD", show_default=True, help="The commit after the change.")
@click.option("--branch", default=None, help="The branch pushed to [default: from --to].")
@click.option("--tag", default=None, help="Treat the change as a push of this tag.")
@click.option(
    "--pull-request",
    "pr_event",
    type=click.Choice(["OPEN", "UPDATED", "CLOSED"]),
    default=None,
    help="Treat the change as this pull request event into --branch.",
)
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Set a pipeline variable (repeatable).")
@click.option("--approve", "approvals", multiple=True, metavar="STAGE", help="Approve this stage's gate (repeatable).")
@click.option("-e", "--env", default=None, help="Environment for deploy actions that do not name one.")
@click.option("--resume", "resume_id", default=None, metavar="RUN_ID", help="Go on with a run that stopped.")
@click.option("--summary", "summary_path", default=None, metavar="FILE", help="Write a Markdown summary here.")
@click.option(
    "--repo", type=click.Path(file_okay=False), default=None, help="The Git repository [default: the config's folder]."
)
def run(
    pipelines: tuple[str, ...],
    from_rev: str | None,
    to_rev: str,
    branch: str | None,
    tag: str | None,
    pr_event: str | None,
    variables: tuple[str, ...],
    approvals: tuple[str, ...],
    env: str | None,
    resume_id: str | None,
    summary_path: str | None,
    repo: str | None,
) -> int:
    """Run pipelines of ecsflow.yml: the ones a change triggers (--from), or the named ones.

    Stages run in order; actions of a stage with the same run_order run in parallel; the
    first failure stops the run. Every run is recorded (see `ecsflow runs`). Exit codes:
    0 succeeded, 1 failed, 2 invalid input (that action changed nothing), 4 rolled back,
    5 timed out, 7 an approval waits.
    """
    from ecsflow.cli.service_targets import config_file
    from ecsflow.config import load_config

    ctx = get_context()
    config = load_config(config_file(ctx))
    if env is not None:
        config.for_environment(env)  # an unknown environment is an input error before anything runs
    root = Path(config.root).resolve()
    repo_dir = Path(repo).resolve() if repo else root
    given = _pairs(variables)
    store = open_store(ctx, config)

    if resume_id is not None:
        if pipelines or from_rev or given:
            raise UsageError("--resume goes on with a recorded run: it takes no PIPELINE, --from nor --var")
        previous = store.get(resume_id)
        if previous is None:
            raise UsageError(f"no run {resume_id!r} in {store.location}", hint="`ecsflow runs` lists the runs")
        selected = [_pipeline(config, previous.pipeline)]
        check_approvals(approvals, _gates(selected))
        wiring = RunWiring(ctx, config, root, approvals, store)
        with wiring.reporter() as reporter:
            runner = wiring.runner(text_sink(reporter.sink) if not ctx.json_output else reporter.sink)
            resumed = runner.resume(selected[0], previous)
            reporter.close()
        return _finish(ctx, [resumed], summary_path)

    change = None
    source_revision = None
    if from_rev is not None:
        if tag and (branch or pr_event):
            raise UsageError("--tag cannot be combined with --branch or --pull-request", hint="give one event")
        selected, change, source_revision = triggered(
            config, repo_dir, pipelines, from_rev, to_rev, branch, tag, pr_event
        )
    elif pipelines:
        selected = [_pipeline(config, name) for name in dict.fromkeys(pipelines)]
        source_revision = _head(repo_dir)
    else:
        raise UsageError(
            "name the pipelines to run, or give --from REV to run the ones a change triggers",
            hint=f"pipelines in {config.path}: {', '.join(config.pipelines) or 'none'}",
        )
    empty = [p.name for p in selected if not p.stages]
    if empty and not from_rev:
        raise UsageError(f"pipeline {', '.join(empty)} has no stages", hint="add stages: to run it")
    for name in empty:
        _say(ctx, f"{name} is triggered but has no stages: nothing to run")
    selected = [p for p in selected if p.stages]
    check_approvals(approvals, _gates(selected))
    declared = {v.name for p in selected for v in p.variables}
    unknown = sorted(set(given) - declared)
    if unknown:
        raise UsageError(
            f"--var {', '.join(unknown)}: not a variable of {', '.join(p.name for p in selected) or 'any pipeline'}",
            hint="declare it under pipelines.<name>.variables in ecsflow.yml",
        )
    requests = [
        RunRequest(
            pipeline=p,
            variables=pipeline_variables(p, {k: v for k, v in given.items() if k in {x.name for x in p.variables}}),
            environment=env,
            source_revision=source_revision,
            trigger="change" if change else "manual",
            change=change,
            actor=actor(),
        )
        for p in selected
    ]
    if not requests:
        _say(ctx, f"no pipeline is triggered by {change}")
        return _finish(ctx, [], summary_path)
    wiring = RunWiring(ctx, config, root, approvals, store)
    records: list[RunRecord] = []
    with wiring.reporter() as reporter:
        runner = wiring.runner(text_sink(reporter.sink) if not ctx.json_output else reporter.sink)
        for request in requests:
            records.append(runner.run(request))
        reporter.close()
    return _finish(ctx, records, summary_path)


def _say(ctx: CliContext, text: str) -> None:
    if not ctx.json_output:
        sys.stdout.write(text + "\n")


def _pipeline(config: ProjectConfig, name: str) -> PipelineConfig:
    found = config.pipelines.get(name)
    if found is None:
        known = ", ".join(config.pipelines) or "none"
        raise UsageError(f"no pipeline {name!r} in {config.path} (pipelines: {known})", hint="name a key of pipelines:")
    return found


def _gates(pipelines: list[PipelineConfig]) -> set[str]:
    out: set[str] = set()
    for p in pipelines:
        for stage in p.stages:
            for action in stage.actions:
                if action.kind is ActionKind.APPROVE:
                    out |= {stage.name, f"{stage.name}.{action.name}"}
    return out


def _head(repo: Path) -> str | None:
    from ecsflow.errors import OperationFailed
    from ecsflow.pipeline.git import Git, subprocess_runner

    try:
        return Git(subprocess_runner(repo)).head()
    except OperationFailed:
        return None


def triggered(
    config: ProjectConfig,
    repo: Path,
    names: tuple[str, ...],
    from_rev: str,
    to_rev: str,
    branch: str | None = None,
    tag: str | None = None,
    pr_event: str | None = None,
) -> tuple[list[PipelineConfig], str, str]:
    """The pipelines the change from..to triggers (``ecsflow changes``' decision), or the named ones."""
    from ecsflow.cli.changes import git_event
    from ecsflow.pipeline.git import Git, subprocess_runner
    from ecsflow.pipeline.matching import PathIndex, decide_all

    git = Git(subprocess_runner(repo))
    before = git.commit(from_rev, "--from")
    after = git.commit(to_rev, "--to")
    change = f"{before[:12]}..{after[:12]}"
    if names:
        return [_pipeline(config, n) for n in dict.fromkeys(names)], change, after
    event = git_event(git, to_rev, PathIndex(git.changed_files(before, after)), branch, tag, pr_event)
    decisions = decide_all([p.trigger_view() for p in config.pipelines.values()], event)
    return [config.pipelines[d.pipeline] for d in decisions if d.triggered], change, after


def _write(text: str) -> None:
    sys.stdout.write(text)


def _write_summary(records: list[RunRecord], summary_path: str | None) -> None:
    import os

    from ecsflow.cli.run_output import runs_markdown

    targets = [(p, "a") for p in [os.environ.get("GITHUB_STEP_SUMMARY")] if p]
    targets += [(summary_path, "w")] if summary_path else []
    if not records or not targets:
        return
    text = runs_markdown(records)
    for path, mode in targets:
        try:
            with Path(path).open(mode, encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            # The runs' outcome (and exit code) matters more than their summary: warn only.
            sys.stderr.write(f"warning: cannot write the Markdown summary to {path}: {exc.strerror}\n")


def _finish(ctx: CliContext, records: list[RunRecord], summary_path: str | None = None) -> int:
    _write_summary(records, summary_path)
    codes = [r.exit_code for r in records if r.exit_code]
    code = codes[0] if codes else int(ExitCode.OK)
    if ctx.json_output:
        from ecsflow.cli.console import write_json

        write_json({"ok": code == 0, "exit_code": code, "runs": runs_payload(records)})
    else:
        sys.stdout.write("\n")
        print_runs(_write, records, detail=True)
        sys.stdout.write(f"\nexit code {code}\n")
    return code
