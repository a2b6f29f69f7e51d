"""`ecsflow changes` against a real temporary Git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ecsflow.errors import ExitCode, InputError
from ecsflow.pipeline.git import Git, GitResult, subprocess_runner

CONFIG = """
pipelines:
  app:
    triggers:
      - gitConfiguration:
          sourceActionName: Source
          push:
            - branches: {includes: [main, "release/**"]}
              filePaths: {includes: ["app/**"], excludes: ["**/*.md"]}
  infra:
    triggers:
      - push:
          - branches: {includes: [main]}
            filePaths: {includes: ["infra/**"]}
  releases:
    triggers:
      - push:
          - tags: {includes: ["v*"]}
  reviews:
    triggers:
      - pullRequest:
          - events: [OPEN]
            branches: {includes: [main]}
"""


def _git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def _commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        if text is None:
            _git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        _git(repo, "add", name)
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "ecsflow.yml").write_text(CONFIG)
    _commit(root, {"ecsflow.yml": CONFIG, "app/main.py": "1", "infra/main.tf": "1", "README.md": "x"}, "base")
    _git(root, "tag", "base")
    return root


def test_git_reads_changed_files_renames_and_refs(repo: Path) -> None:
    base = _git(repo, "rev-parse", "HEAD")
    _git(repo, "mv", "app/main.py", "app/server.py")
    _commit(repo, {"app/README.md": "doc", "infra/main.tf": None}, "rename and delete")
    git = Git(subprocess_runner(repo))
    assert sorted(git.changed_files(base, "HEAD")) == ["app/README.md", "app/main.py", "app/server.py", "infra/main.tf"]
    assert git.ref_kind("HEAD").branch == "main"
    assert git.ref_kind("main").branch == "main"
    assert git.ref_kind("base").tag == "base"
    assert git.ref_kind(base).branch is None and git.ref_kind(base).tag is None
    _git(repo, "update-ref", "refs/remotes/origin/release/2.0", "HEAD")
    assert git.ref_kind("origin/release/2.0").branch == "release/2.0"
    assert git.ref_kind("refs/remotes/origin/release/2.0").branch == "release/2.0"
    with pytest.raises(InputError) as info:
        git.commit("no-such-rev", "--from")
    assert info.value.problems[0].path == "--from"


def test_injected_runner_is_used() -> None:
    calls: list[tuple[str, ...]] = []
    answers = {"diff": "a.txt\0dir/b c.txt\0", "log": "\0a.txt\0\0reverted.txt\0"}

    def fake(args: object) -> GitResult:
        calls.append(tuple(args))  # type: ignore[arg-type]
        return GitResult(0, answers[calls[-1][0]], "")

    assert Git(fake).changed_files("x", "y") == ["a.txt", "dir/b c.txt", "reverted.txt"]
    assert calls == [
        ("diff", "--name-only", "--no-renames", "-z", "x...y", "--"),
        ("log", "--name-only", "--no-renames", "--format=", "-z", "x..y", "--"),
    ]


def test_a_file_changed_then_restored_still_counts(repo: Path) -> None:
    base = _git(repo, "rev-parse", "HEAD")
    _commit(repo, {"infra/main.tf": "changed"}, "change")
    _commit(repo, {"infra/main.tf": "1"}, "restore")
    git = Git(subprocess_runner(repo))
    # The tree is back to where it was, but a push of these commits lists infra/main.tf.
    assert _git(repo, "diff", "--name-only", base, "HEAD") == ""
    assert git.changed_files(base, "HEAD") == ["infra/main.tf"]


def test_changes_text_names_pipelines_rules_and_files(repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(repo)
    _commit(repo, {"app/api.py": "2", "app/NOTES.md": "n"}, "app change")
    code, out, err = run_cli("changes", "--from", "base")
    assert code == 0, err
    assert "push to branch main, 2 changed files" in out
    assert "app: TRIGGERED" in out
    assert "branches.includes 'main' matched branch main" in out
    assert "include 'app/**': app/api.py" in out
    assert "exclude '**/*.md' removed: app/NOTES.md" in out
    assert "infra: not triggered" in out
    assert "releases: not triggered" in out
    assert out.rstrip().endswith("1 of 4 pipelines triggered: app")


def test_changes_json_for_tag_and_pull_request(repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(repo)
    _commit(repo, {"infra/net.tf": "2"}, "infra")
    _git(repo, "tag", "v1.0.0")
    code, out, err = run_cli("--output", "json", "changes", "--from", "base", "--to", "v1.0.0")
    assert code == 0, err
    result = json.loads(out)
    assert result["event"] == {"type": "push", "branch": None, "tag": "v1.0.0", "pullRequestEvent": None}
    assert {p["name"]: p["triggered"] for p in result["pipelines"]} == {
        "app": False,
        "infra": False,
        "releases": True,
        "reviews": False,
    }

    code, out, _ = run_cli("--output", "json", "changes", "--from", "base", "--branch", "main")
    infra = next(p for p in json.loads(out)["pipelines"] if p["name"] == "infra")
    assert infra["triggered"] is True
    assert infra["filters"][0]["filePaths"]["included"] == [{"pattern": "infra/**", "files": ["infra/net.tf"]}]

    code, out, _ = run_cli(
        "--output", "json", "changes", "--from", "base", "--pull-request", "OPEN", "--branch", "main"
    )
    triggered = [p["name"] for p in json.loads(out)["pipelines"] if p["triggered"]]
    assert triggered == ["reviews"]


def test_changes_user_errors(repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(repo)
    code, _, err = run_cli("changes", "--from", "nope")
    assert code == ExitCode.INVALID
    assert "--from: 'nope' is not a commit" in err
    head = _git(repo, "rev-parse", "HEAD")
    code, _, err = run_cli("changes", "--from", "base", "--to", head)
    assert code == ExitCode.INVALID
    assert "neither a branch nor a tag" in err and "--branch" in err
    bad = tmp_path / "bad.yml"
    bad.write_text("pipelines:\n  app:\n    triggers:\n      - push: [{tags: {includes: []}}]\n")
    code, _, err = run_cli("changes", "--from", "base", "--pipelines-file", str(bad))
    assert code == ExitCode.INVALID
    assert "pipelines.app.triggers[0].push[0].tags.includes: an empty list is invalid" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"GITHUB_REF": "refs/heads/main"}, {"type": "push", "branch": "main", "tag": None}),
        ({"GITHUB_REF": "refs/tags/v9"}, {"type": "push", "branch": None, "tag": "v9"}),
        ({"CI_COMMIT_BRANCH": "main"}, {"type": "push", "branch": "main", "tag": None}),
        ({"CI_COMMIT_TAG": "v9"}, {"type": "push", "branch": None, "tag": "v9"}),
        ({"CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main"}, {"type": "push", "branch": "main", "tag": None}),
    ],
)
def test_detached_head_in_ci_takes_the_ref_from_ci_variables(
    repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(repo)
    for name in ("GITHUB_REF", "CI_COMMIT_BRANCH", "CI_COMMIT_TAG", "CODEBUILD_WEBHOOK_HEAD_REF"):
        monkeypatch.delenv(name, raising=False)
    _commit(repo, {"app/x.py": "x"}, "change")
    _git(repo, "checkout", "-q", "--detach")
    code, _, err = run_cli("changes", "--from", "base")
    assert code == ExitCode.INVALID and "neither a branch nor a tag" in err
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    code, out, err = run_cli("--output", "json", "changes", "--from", "base")
    assert code == 0, err
    event = json.loads(out)["event"]
    assert {k: event[k] for k in ("type", "branch", "tag")} == expected


def test_numeric_looking_names_and_yaml_errors(repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(repo)
    (repo / "numbers.yml").write_text(
        "pipelines:\n  rel:\n    triggers:\n      - push:\n          - branches: {includes: [1.10, 2024]}\n"
    )
    _git(repo, "checkout", "-q", "-b", "1.10")
    code, out, err = run_cli("changes", "--from", "base", "--pipelines-file", "numbers.yml")
    assert code == 0, err
    assert "rel: TRIGGERED" in out
    assert "branches.includes '1.10' matched branch 1.10" in out
    (repo / "broken.yml").write_text("pipelines: [unclosed\n")
    code, _, err = run_cli("changes", "--from", "base", "--pipelines-file", "broken.yml")
    assert code == ExitCode.INVALID
    assert "broken.yml" in err and "line" in err


def test_pull_request_files_do_not_include_target_branch_changes(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    _commit(repo, {"app/feature.py": "f"}, "feature work")
    _git(repo, "checkout", "-q", "main")
    _commit(repo, {"infra/main.tf": "changed on main"}, "main moves on")
    git = Git(subprocess_runner(repo))
    assert git.changed_files("main", "feature") == ["app/feature.py"]


def test_repo_option_reads_that_repository_and_its_ecsflow_yml(
    repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _commit(repo, {"infra/vpc.tf": "v"}, "infra")
    code, out, err = run_cli("--output", "json", "changes", "--from", "base", "--repo", str(repo))
    assert code == 0, err
    assert [p["name"] for p in json.loads(out)["pipelines"] if p["triggered"]] == ["infra"]
