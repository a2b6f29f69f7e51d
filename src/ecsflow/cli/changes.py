"""``ecsflow changes``: which pipelines a change starts, and which rule matched which file.

The change is read from Git (``--from``..``--to``); the event is a push to the branch (or
of the tag) ``--to`` names, unless ``--branch``/``--tag``/``--pull-request`` say otherwise.
On a detached ``HEAD`` (the usual CI checkout) the ref comes from the CI's variables
(``GITHUB_REF``, ``CI_COMMIT_BRANCH``/``CI_COMMIT_TAG``, ``CODEBUILD_WEBHOOK_HEAD_REF``).
Triggers come from the ``pipelines:`` section of ``ecsflow.yml``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from ecsflow.cli.context import get_context
from ecsflow.errors import ConfigError, Problem, UsageError
from ecsflow.pipeline.git import Git, RefKind, subprocess_runner
from ecsflow.pipeline.matching import (
    EventKind,
    FilePathsMatch,
    GitEvent,
    PathIndex,
    PipelineDecision,
    decide_all,
)
from ecsflow.pipeline.triggers import PullRequestEvent, parse_pipelines

DEFAULT_FILE = "ecsflow.yml"


@click.command(
    "changes",
    help="Show which pipelines a change triggers and which rule matched which file.\n\n"
    "\b\nExamples:\n  ecsflow changes --from origin/main\n"
    "  ecsflow --output json changes --from v1.2.0 --to v1.3.0\n"
    "  ecsflow changes --from main --to feature/x --pull-request OPEN --branch main",
)
@click.option("--from", "from_rev", required=True, help="The commit before the change (commit, branch, tag).")
@click.option("--to", "to_rev", default="HEAD", show_default=True, help="The commit after the change.")
@click.option(
    "--pipelines-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="File with the `pipelines:` section [default: the --config file, else ecsflow.yml in --repo].",
)
@click.option("--repo", type=click.Path(file_okay=False), default=".", help="The Git repository [default: .].")
@click.option("--branch", default=None, help="The branch pushed to (or the PR's target) [default: from --to].")
@click.option("--tag", default=None, help="Treat the change as a push of this tag.")
@click.option(
    "--pull-request",
    "pr_event",
    type=click.Choice([e.value for e in PullRequestEvent]),
    default=None,
    help="Treat the change as this pull request event into --branch.",
)
@click.option("--max-files", default=10, show_default=True, help="Files listed per rule in text output.")
def changes(
    from_rev: str,
    to_rev: str,
    pipelines_file: str | None,
    repo: str,
    branch: str | None,
    tag: str | None,
    pr_event: str | None,
    max_files: int,
) -> int:
    ctx = get_context()
    if tag and (branch or pr_event):
        raise UsageError("--tag cannot be combined with --branch or --pull-request", hint="give one event")
    path = Path(pipelines_file or ctx.config_path or Path(repo) / DEFAULT_FILE)
    pipelines = parse_pipelines(_load_yaml(path), file=str(path))

    git = Git(subprocess_runner(repo))
    before = git.commit(from_rev, "--from")
    after = git.commit(to_rev, "--to")
    files = PathIndex(git.changed_files(before, after))
    event = git_event(git, to_rev, files, branch, tag, pr_event)

    decisions = decide_all(pipelines, event)
    if ctx.json_output:
        from ecsflow.cli.console import write_json

        write_json(
            {
                "ok": True,
                "from": before,
                "to": after,
                "event": _event_payload(event),
                "changed_files": len(files),
                "pipelines": [_decision_payload(d) for d in decisions],
            }
        )
    else:
        _print_text(before, after, event, decisions, max_files)
    return 0


def _load_yaml(path: Path) -> object:
    from ecsflow.artifacts.loader import Format, load_document
    from ecsflow.errors import ArtifactError

    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path} not found",
            [Problem("file not found", "", str(path))],
            hint="run in the project folder, or pass --pipelines-file",
        ) from exc
    try:
        # The shared loader keeps numbers as written (a branch named 1.10 stays "1.10").
        return load_document(content, str(path), fmt=Format.YAML).data
    except ArtifactError as exc:
        raise ConfigError(exc.message, exc.problems, hint=exc.hint) from exc


def git_event(
    git: Git, to_rev: str, files: PathIndex, branch: str | None, tag: str | None, pr_event: str | None
) -> GitEvent:
    """The Git event a change stands for (also used by ``ecsflow run``)."""
    if pr_event:
        if not branch:
            raise UsageError(
                "--pull-request needs --branch (the pull request's target branch)",
                hint="CodePipeline matches pull request filters on the target branch",
            )
        return GitEvent(EventKind.PULL_REQUEST, files, branch=branch, pr_event=PullRequestEvent(pr_event))
    if tag:
        return GitEvent(EventKind.PUSH, files, tag=tag)
    if branch:
        return GitEvent(EventKind.PUSH, files, branch=branch)
    ref = git.ref_kind(to_rev)
    if not (ref.tag or ref.branch) and to_rev == "HEAD":
        ref = _ci_ref(os.environ)  # CI checkouts are usually a detached HEAD
    if ref.tag:
        return GitEvent(EventKind.PUSH, files, tag=ref.tag)
    if ref.branch:
        return GitEvent(EventKind.PUSH, files, branch=ref.branch)
    raise UsageError(
        f"--to {to_rev!r} is neither a branch nor a tag, so the pushed ref is unknown",
        hint="pass --branch NAME or --tag NAME to say what was pushed",
    )


def _ci_ref(environ: Mapping[str, str]) -> RefKind:
    """The pushed ref as CI runners describe it (GitHub Actions, GitLab CI, CodeBuild webhooks)."""
    if environ.get("CI_COMMIT_TAG"):
        return RefKind(tag=environ["CI_COMMIT_TAG"])
    if environ.get("CI_COMMIT_BRANCH"):
        return RefKind(branch=environ["CI_COMMIT_BRANCH"])
    for name in ("GITHUB_REF", "CODEBUILD_WEBHOOK_HEAD_REF"):
        ref = environ.get(name, "")
        if ref.startswith("refs/heads/"):
            return RefKind(branch=ref.removeprefix("refs/heads/"))
        if ref.startswith("refs/tags/"):
            return RefKind(tag=ref.removeprefix("refs/tags/"))
    return RefKind()


def _event_payload(event: GitEvent) -> dict[str, Any]:
    return {"type": event.kind.value, "branch": event.branch, "tag": event.tag, "pullRequestEvent": event.pr_event}


def _files_payload(found: FilePathsMatch) -> dict[str, Any]:
    return {
        "included": [{"pattern": r.pattern, "files": r.sorted_files()} for r in found.included],
        "excluded": [{"pattern": r.pattern, "files": r.sorted_files()} for r in found.excluded],
    }


def _decision_payload(decision: PipelineDecision) -> dict[str, Any]:
    return {
        "name": decision.pipeline,
        "triggered": decision.triggered,
        "note": decision.note,
        "filters": [
            {
                "where": f.where,
                "matched": f.matched,
                "reasons": list(f.reasons),
                "filePaths": _files_payload(f.file_paths) if f.file_paths else None,
            }
            for f in decision.filters
        ],
    }


def _sample(files: list[str], limit: int) -> str:
    shown = ", ".join(files[:limit])
    more = len(files) - limit
    return f"{shown} (+{more} more)" if more > 0 else shown


def _print_text(before: str, after: str, event: GitEvent, decisions: tuple[PipelineDecision, ...], limit: int) -> None:
    out = sys.stdout
    n = len(event.files)
    out.write(f"change {before[:12]}..{after[:12]}: {event.describe()}, {n} changed file{'s' * (n != 1)}\n")
    if not decisions:
        out.write("no pipelines declared\n")
    for decision in decisions:
        verdict = "TRIGGERED" if decision.triggered else "not triggered"
        out.write(f"\n{decision.pipeline}: {verdict}\n")
        if decision.note:
            out.write(f"  {decision.note}\n")
        shown = decision.matched if decision.triggered else decision.filters
        for f in shown:
            out.write(f"  {f.where}: {'matched' if f.matched else 'no match'}\n")
            for reason in f.reasons:
                out.write(f"    {reason}\n")
            if f.file_paths is None:
                continue
            for rule in f.file_paths.included:
                out.write(f"    include {rule.pattern!r}: {_sample(rule.sorted_files(), limit)}\n")
            for rule in f.file_paths.excluded:
                out.write(f"    exclude {rule.pattern!r} removed: {_sample(rule.sorted_files(), limit)}\n")
    triggered = [d.pipeline for d in decisions if d.triggered]
    out.write(f"\n{len(triggered)} of {len(decisions)} pipelines triggered{': ' if triggered else ''}")
    out.write(", ".join(triggered) + "\n")
