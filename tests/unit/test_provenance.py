"""Where the commit and the actor of a deploy record come from."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ecsflow.cli.provenance import actor_of, commit_of
from ecsflow.errors import UsageError


def test_explicit_commit_wins_and_is_checked(tmp_path: Path) -> None:
    assert commit_of("ABCDEF1", environ={"GITHUB_SHA": "f" * 40}, cwd=tmp_path) == "abcdef1"
    with pytest.raises(UsageError, match="--commit 'main'"):
        commit_of("main", environ={}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"GITHUB_SHA": "a" * 40, "CODEBUILD_RESOLVED_SOURCE_VERSION": "b" * 40}, "a" * 40),
        ({"CODEBUILD_RESOLVED_SOURCE_VERSION": "b" * 40, "CI_COMMIT_SHA": "c" * 40}, "b" * 40),
        ({"CI_COMMIT_SHA": "c" * 40}, "c" * 40),
    ],
)
def test_ci_variables_in_order(environ: dict[str, str], expected: str, tmp_path: Path) -> None:
    assert commit_of(None, environ=environ, cwd=tmp_path) == expected


def test_git_head_otherwise(tmp_path: Path) -> None:
    assert commit_of(None, environ={}, cwd=tmp_path) is None  # not a repository
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    subprocess.run([*git, "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-q", "-m", "m"], check=True)
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert commit_of(None, environ={}, cwd=tmp_path) == head


def test_actor() -> None:
    assert actor_of({"GITHUB_ACTOR": "octocat", "USER": "runner"}) == "octocat"
    assert actor_of({"USER": "me"}) == "me"
    assert actor_of({}) is None
