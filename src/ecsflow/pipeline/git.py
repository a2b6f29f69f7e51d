"""Reading a change from a Git repository through the ``git`` command.

The runner is injected (``GitRunner``) so tests can drive a real temporary repository, or a
fake, without patching. Only read-only git commands are used.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ecsflow.errors import InputError, OperationFailed, Problem


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: str
    stderr: str


GitRunner = Callable[[Sequence[str]], GitResult]


def subprocess_runner(cwd: str | Path) -> GitRunner:
    """Run ``git <args>`` in ``cwd`` and capture its output."""

    def run(args: Sequence[str]) -> GitResult:
        try:
            proc = subprocess.run(
                ["git", *args],
                cwd=cwd,
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError as exc:
            raise OperationFailed(
                "the `git` command was not found", hint="install git and make sure it is on PATH"
            ) from exc
        return GitResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@dataclass(frozen=True)
class RefKind:
    """What a revision name refers to: a branch, a tag, or neither (a commit)."""

    branch: str | None = None
    tag: str | None = None


class Git:
    """The few questions ``ecsflow changes`` asks a repository."""

    def __init__(self, runner: GitRunner) -> None:
        self._run = runner

    def _ok(self, *args: str) -> str:
        result = self._run(args)
        if result.returncode != 0:
            raise OperationFailed(
                f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}",
                hint="run ecsflow inside the Git repository (or pass --repo)",
            )
        return result.stdout

    def commit(self, rev: str, option: str) -> str:
        """The commit id of ``rev``; an unknown revision is an input error naming ``option``."""
        result = self._run(("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"))
        if result.returncode != 0:
            problem = Problem(f"unknown revision {rev!r}", option)
            raise InputError(
                f"{option}: {rev!r} is not a commit in this repository",
                [problem],
                hint="give a commit id, branch or tag that exists (git log --oneline shows them)",
            )
        return result.stdout.strip()

    def changed_files(self, from_rev: str, to_rev: str) -> list[str]:
        """Paths a push from ``from_rev`` to ``to_rev`` touches (added, modified, deleted).

        A push event describes each pushed commit with its own added/modified/removed files,
        so a file changed by one commit and restored by a later one still counts. We take the
        union of every commit's changes and of the tree difference (which also covers merge
        results) [AWS does not document which list its file path filters read; this is the
        reading that never misses a file a commit touched].
        Renames count as a deletion plus an addition (``--no-renames``): a push event lists
        both paths, so a filter on either the old or the new location sees it.
        """
        # from...to: against the merge base, so a pull request's files do not include what the
        # target branch changed meanwhile (the same as from..to for a fast-forward push).
        tree = self._ok("diff", "--name-only", "--no-renames", "-z", f"{from_rev}...{to_rev}", "--")
        commits = self._ok("log", "--name-only", "--no-renames", "--format=", "-z", f"{from_rev}..{to_rev}", "--")
        seen = dict.fromkeys(p.strip("\n") for p in tree.split("\0"))
        seen.update(dict.fromkeys(p.strip("\n") for p in commits.split("\0")))
        return [p for p in seen if p]

    def head(self) -> str | None:
        """The checked-out commit, or None outside a repository (or before the first commit)."""
        result = self._run(("rev-parse", "--verify", "--quiet", "HEAD"))
        return result.stdout.strip() or None if result.returncode == 0 else None

    def remote_url(self, remote: str = "origin") -> str | None:
        result = self._run(("config", "--get", f"remote.{remote}.url"))
        return result.stdout.strip() or None if result.returncode == 0 else None

    def current_branch(self) -> str | None:
        result = self._run(("symbolic-ref", "--quiet", "--short", "HEAD"))
        return result.stdout.strip() or None if result.returncode == 0 else None

    def ref_kind(self, rev: str) -> RefKind:
        """Whether ``rev`` names a branch or a tag (``HEAD`` is the checked-out branch,
        ``origin/x`` the branch ``x``)."""
        if rev == "HEAD":
            return RefKind(branch=self.current_branch())
        name = rev.removeprefix("refs/heads/").removeprefix("refs/tags/")
        if not rev.startswith("refs/tags/") and self._exists(f"refs/heads/{name}"):
            return RefKind(branch=name)
        if not rev.startswith("refs/heads/") and self._exists(f"refs/tags/{name}"):
            return RefKind(tag=name)
        # A remote-tracking branch (origin/release/2.0) stands for the branch it tracks.
        remote = rev.removeprefix("refs/remotes/")
        if "/" in remote and self._exists(f"refs/remotes/{remote}"):
            return RefKind(branch=remote.split("/", 1)[1])
        return RefKind()

    def _exists(self, ref: str) -> bool:
        return self._run(("show-ref", "--verify", "--quiet", ref)).returncode == 0
