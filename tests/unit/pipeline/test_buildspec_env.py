"""Buildspec runner: variables, precedence, secrets through resolver ports, masking, exported
variables and the CODEBUILD_* variables (AWS-SEMANTICS §9.1, §9.4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from buildspec_helpers import FakeSecrets, FakeSsm, run_build

from ecsflow.errors import ArtifactError, UsageError
from ecsflow.events import CommandStarted, Message
from ecsflow.pipeline.build_spec import SecretRef


def test_values_are_literal_and_overrides_win(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  variables:
    LITERAL: "$HOME/x $(echo no)"
    STAGE: from-buildspec
    PORT: 8080
    BASE: from-buildspec
phases:
  build:
    commands:
      - 'echo "$LITERAL|$STAGE|$PORT|$BASE"'
""",
        overrides={"STAGE": "from-override"},
        base_env={"PATH": "/usr/bin:/bin", "BASE": "from-image"},
    )
    assert run.output() == ["$HOME/x $(echo no)|from-override|8080|from-buildspec"]


def test_path_is_replaced_literally_as_codebuild_does(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  variables:
    PATH: "$PATH:/opt/tool"
phases:
  build:
    commands:
      - 'printf "%s\\n" "$PATH"'
""",
    )
    assert run.output() == ["$PATH:/opt/tool"]


def test_codebuild_variables(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  variables:
    CODEBUILD_BUILD_ID: cannot-override
phases:
  build:
    commands:
      - 'for v in CODEBUILD_BUILD_ID CODEBUILD_BUILD_NUMBER CODEBUILD_BUILD_SUCCEEDING CODEBUILD_INITIATOR
         CODEBUILD_RESOLVED_SOURCE_VERSION CODEBUILD_SOURCE_VERSION CODEBUILD_SOURCE_REPO_URL
         CODEBUILD_START_TIME AWS_REGION AWS_DEFAULT_REGION; do eval "echo $v=\\$$v"; done'
      - '[ "$CODEBUILD_SRC_DIR" = "$PWD" ] && echo src-dir-is-cwd'
""",
    )
    assert run.output() == [
        "CODEBUILD_BUILD_ID=proj:b-1",
        "CODEBUILD_BUILD_NUMBER=7",
        "CODEBUILD_BUILD_SUCCEEDING=1",
        "CODEBUILD_INITIATOR=tester",
        "CODEBUILD_RESOLVED_SOURCE_VERSION=0123456789abcdef0123456789abcdef01234567",
        "CODEBUILD_SOURCE_VERSION=0123456789abcdef0123456789abcdef01234567",
        "CODEBUILD_SOURCE_REPO_URL=https://example.com/repo.git",
        "CODEBUILD_START_TIME=1767225600001",
        "AWS_REGION=eu-west-1",
        "AWS_DEFAULT_REGION=eu-west-1",
        "src-dir-is-cwd",
    ]
    assert run.result.build_id == "proj:b-1"
    assert any(isinstance(e, Message) and "CODEBUILD_BUILD_ID: names starting with" in e.text for e in run.events)


def test_exported_variables_are_read_after_post_build(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  exported-variables: [IMAGE_TAG, PLAIN_VAR, NEVER_SET]
phases:
  install:
    commands: [export IMAGE_TAG=first]
  build:
    commands: [PLAIN_VAR=shell-only]
  post_build:
    commands: [export IMAGE_TAG=final]
""",
    )
    assert dict(run.result.exported_variables) == {"IMAGE_TAG": "final", "PLAIN_VAR": "shell-only"}
    assert any(isinstance(e, Message) and "NEVER_SET was never set" in e.text for e in run.events)


def test_parameter_store_and_secrets_manager_through_the_ports_and_masked(tmp_path: Path) -> None:
    ssm = FakeSsm({"/app/db-host": "db.internal", "/app/token": "tok-SECRET-1"})
    secrets = FakeSecrets(
        {
            ("prod/db", None, None): json.dumps({"password": "pw-SECRET-2", "port": 5432}),
            ("prod/api", "AWSPREVIOUS", None): "api-SECRET-3",
        }
    )
    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  parameter-store:
    DB_HOST: /app/db-host
    TOKEN: /app/token
  secrets-manager:
    DB_PASSWORD: prod/db:password
    DB_PORT: prod/db:port
    API_KEY: prod/api::AWSPREVIOUS
phases:
  build:
    commands:
      - echo "host=$DB_HOST port=$DB_PORT"
      - echo "token=$TOKEN pw=$DB_PASSWORD key=$API_KEY"
      - echo tok-SECRET-1 in a command line
""",
        ssm=ssm,
        secrets=secrets,
    )
    # Every Parameter Store and Secrets Manager value is masked (CodeBuild masks both in logs).
    assert run.output() == ["host=*** port=***", "token=*** pw=*** key=***", "*** in a command line"]
    started = [e.command for e in run.events if isinstance(e, CommandStarted)]
    assert started[-1] == "echo *** in a command line"
    assert ssm.calls == [["/app/db-host", "/app/token"]]
    assert secrets.calls == [("prod/db", None, None), ("prod/api", "AWSPREVIOUS", None)]  # one call per secret


def test_unresolvable_references_fail_before_any_command(tmp_path: Path) -> None:
    spec = """
version: 0.2
env:
  parameter-store: {A: /missing}
  secrets-manager: {B: "prod/db:nokey"}
phases:
  build:
    commands: [echo should-not-run]
"""
    with pytest.raises(ArtifactError) as info:
        run_build(tmp_path, spec, ssm=FakeSsm(), secrets=FakeSecrets({("prod/db", None, None): "{}"}))
    assert [p.path for p in info.value.problems] == ["env.parameter-store.A"]
    with pytest.raises(ArtifactError) as info:
        run_build(tmp_path, spec, ssm=FakeSsm({"/missing": "x"}), secrets=FakeSecrets({("prod/db", None, None): "{}"}))
    assert (
        str(info.value.problems[0]) == "buildspec.yml: env.secrets-manager.B: secret 'prod/db' has no JSON key 'nokey'"
    )
    with pytest.raises(UsageError) as usage:
        run_build(tmp_path, spec)
    assert usage.value.hint and "--env" in usage.value.hint


def test_secrets_cannot_be_exported(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as info:
        run_build(
            tmp_path,
            """
version: 0.2
env:
  parameter-store: {TOKEN: /t}
  exported-variables: [TOKEN]
phases:
  build:
    commands: [echo]
""",
            ssm=FakeSsm({"/t": "x"}),
        )
    assert info.value.problems[0].path == "env.exported-variables[0]"


def test_no_command_runs_when_a_reference_cannot_be_resolved(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        run_build(
            tmp_path,
            "version: 0.2\nenv:\n  secrets-manager: {A: s}\nphases:\n  install:\n    commands: [touch ../ran]\n",
        )
    assert (tmp_path / "src").is_dir()
    assert not (tmp_path / "ran").exists()
    run_build(tmp_path, "version: 0.2\nphases:\n  install:\n    commands: [touch ../ran]\n")
    assert (tmp_path / "ran").exists()  # the same command does run once nothing blocks it


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("prod/db", SecretRef("prod/db")),
        ("prod/db:password", SecretRef("prod/db", "password")),
        ("prod/db::AWSPREVIOUS", SecretRef("prod/db", None, "AWSPREVIOUS")),
        ("prod/db:::v-123", SecretRef("prod/db", None, None, "v-123")),
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password",
            SecretRef("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", "password"),
        ),
    ],
)
def test_secret_reference_forms(reference: str, expected: SecretRef) -> None:
    assert SecretRef.parse(reference) == expected
