"""``ecsflow build`` end to end: a real buildspec in a real Git checkout, text and JSON output,
exit codes, artifacts, and parameter-store/secrets-manager resolved from the local AWS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS

pytestmark = pytest.mark.e2e

BUILDSPEC = """
version: 0.2
env:
  variables:
    IMAGE_REPO: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web
  exported-variables: [IMAGE_TAG]
phases:
  pre_build:
    commands:
      - export IMAGE_TAG=$(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c1-7)
  build:
    commands:
      - echo "building $IMAGE_REPO:$IMAGE_TAG for $STAGE"
  post_build:
    commands:
      - printf '[{"name":"web","imageUri":"%s"}]' "$IMAGE_REPO:$IMAGE_TAG" > imagedefinitions.json
artifacts:
  files: [imagedefinitions.json]
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
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CI runner's own summary file must not receive these tests' builds.
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "buildspec.yml").write_text(BUILDSPEC)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "buildspec.yml")
    _git(repo, "commit", "-q", "-m", "buildspec")
    return repo


def test_build_text_output_artifacts_and_exit_code(run_cli, checkout: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    commit = _git(checkout, "rev-parse", "HEAD")
    out_dir = tmp_path / "artifacts"
    outputs = tmp_path / "github_output"
    outputs.write_text("EARLIER=kept\n")
    code, out, err = run_cli(
        "build",
        "--source-dir",
        str(checkout),
        "--artifacts-dir",
        str(out_dir),
        "--env",
        "STAGE=test",
        "--exported-file",
        str(outputs),
    )
    assert code == 0, out + err
    assert "Entering phase PRE_BUILD" in out
    assert "Phase complete: BUILD State: SUCCEEDED" in out
    assert f"building 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:{commit[:7]} for test" in out
    assert f"exported IMAGE_TAG={commit[:7]}" in out
    assert outputs.read_text() == f"EARLIER=kept\nIMAGE_TAG={commit[:7]}\n"
    written = json.loads((out_dir / "primary" / "imagedefinitions.json").read_text())
    assert written == [{"name": "web", "imageUri": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:{commit[:7]}"}]


def test_failed_build_exits_1_and_json_has_events_and_result(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "ci.yml"
    spec.write_text("version: 0.2\nphases:\n  build:\n    commands: ['echo start', 'exit 4']\n")
    code, out, _ = run_cli("--output", "json", "build", str(spec), "--source-dir", str(tmp_path))
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    kinds = [line.get("event") for line in lines[:-1]]
    assert kinds[0] == "phase_started"
    assert {"event": "command_output", "line": "start"}.items() <= next(
        e for e in lines if e.get("event") == "command_output"
    ).items()
    result = lines[-1]
    assert result["ok"] is False
    assert result["result"]["status"] == "FAILED"
    assert result["result"]["phases"][0]["commands"][1] == {"section": "commands", "command": "exit 4", "exitCode": 4}


def test_invalid_buildspec_exits_2_with_the_path(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "buildspec.yml"
    spec.write_text("version: 0.2\nphases:\n  compile:\n    commands: [make]\n")
    code, _, err = run_cli("build", "--source-dir", str(tmp_path))
    assert code == ExitCode.INVALID
    assert "phases.compile" in err and "Traceback" not in err
    code, _, err = run_cli("build", "--source-dir", str(tmp_path / "."), "--env", "NOEQUALS")
    assert code == ExitCode.INVALID
    assert "expected NAME=value" in err
    code, _, err = run_cli("build", "--source-dir", str(tmp_path), "--timeout", "4")  # CodeBuild: 5-2160
    assert code == ExitCode.INVALID


def test_parameter_store_and_secrets_from_the_local_aws_are_masked(
    run_cli, local_aws: LocalAWS, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    local_aws.client("ssm").put_parameter(Name="/web/db-url", Value="postgres://db-SECRET", Type="SecureString")
    local_aws.client("secretsmanager").create_secret(Name="web/api", SecretString='{"key": "api-SECRET-9"}')
    (tmp_path / "buildspec.yml").write_text(
        """
version: 0.2
env:
  parameter-store: {DB_URL: /web/db-url}
  secrets-manager: {API_KEY: "web/api:key"}
phases:
  build:
    commands:
      - echo "db=$DB_URL key=$API_KEY"
      - '[ "$API_KEY" = api-SECRET-9 ] && [ "$DB_URL" = postgres://db-SECRET ] && echo resolved'
"""
    )
    code, out, err = run_cli(
        "--endpoint-url", local_aws.endpoint_url, "--region", "us-east-1", "build", "--source-dir", str(tmp_path)
    )
    assert code == 0, out + err
    assert "db=*** key=***" in out
    assert "resolved" in out
    assert "SECRET" not in out


def test_missing_parameter_is_reported_before_the_build(run_cli, local_aws: LocalAWS, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "buildspec.yml").write_text(
        "version: 0.2\nenv:\n  parameter-store: {X: /nope}\nphases:\n  build:\n    commands: [touch ran]\n"
    )
    code, out, err = run_cli(
        "--endpoint-url", local_aws.endpoint_url, "--region", "us-east-1", "build", "--source-dir", str(tmp_path)
    )
    assert code == ExitCode.INVALID
    assert "env.parameter-store.X: parameter '/nope' does not exist" in err
    assert "Entering phase" not in out
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("git_on_path", [True, False])
def test_source_outside_git_leaves_source_variables_unset(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_on_path: bool
) -> None:  # type: ignore[no-untyped-def]
    if not git_on_path:
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
    source = tmp_path / "plain"
    source.mkdir()
    (source / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - 'echo \"v=${CODEBUILD_RESOLVED_SOURCE_VERSION-unset} u=${CODEBUILD_SOURCE_REPO_URL-unset}\"'\n"
    )
    code, out, err = run_cli("build", "--source-dir", str(source))
    assert code == 0, out + err
    assert "v=unset u=unset" in out


def test_markdown_summary_to_github_step_summary_and_file(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    step = tmp_path / "step_summary.md"
    step.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    (tmp_path / "buildspec.yml").write_text(
        "version: 0.2\nenv:\n  exported-variables: [TAG]\nphases:\n  build:\n"
        "    commands: [export TAG=v1, 'false']\n  post_build:\n    commands: ['true']\n"
    )
    summary = tmp_path / "summary.md"
    code, _, _ = run_cli("build", "--source-dir", str(tmp_path), "--summary", str(summary))
    assert code == 1
    text = summary.read_text()
    assert text.startswith("### ecsflow build `ecsflow-local:")
    assert ": FAILED\n" in text.splitlines()[0] + "\n"
    assert "| BUILD | FAILED | Error while executing command: false. Reason: exit status 1 |" in text
    assert "| POST_BUILD | SUCCEEDED |  |" in text
    assert "- `TAG` = `v1`" in text
    assert step.read_text() == "earlier step\n" + text
