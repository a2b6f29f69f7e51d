from __future__ import annotations

import pytest

from ecsflow.artifacts.buildspec import parse_buildspec
from ecsflow.errors import ArtifactError

FULL = """\
version: 0.2
run-as: root
env:
  shell: bash
  variables:
    PORT: 8080
    MODE: on
  parameter-store:
    DB_HOST: /app/db/host
  secrets-manager:
    DB_PASSWORD: prod/db:password
  exported-variables: [IMAGE_TAG]
  git-credential-helper: yes
proxy:
  upload-artifacts: no
  logs: yes
phases:
  install:
    runtime-versions:
      python: 3.12
  pre_build:
    on-failure: ABORT
    commands:
      - echo pre
  build:
    on-failure: CONTINUE
    commands:
      - make
    finally:
      - echo done
  post_build:
    on-failure: RETRY-2
    commands: echo single command
reports:
  unit:
    files: ["**/*.xml"]
    base-directory: reports
    file-format: JUNITXML
artifacts:
  files:
    - imagedefinitions.json
  discard-paths: yes
  secondary-artifacts:
    appspec:
      files: [appspec.yaml]
cache:
  paths:
    - /root/.cache/pip/**/*
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ArtifactError) as exc:
        parse_buildspec(text)
    return [f"{p.path}: {p.message}" for p in exc.value.problems]


def test_full_buildspec() -> None:
    spec = parse_buildspec(FULL)
    assert spec.version == "0.2" and spec.warnings == ()
    assert spec.phase_commands("build") == ["make"]
    assert spec.phase_commands("post_build") == ["echo single command"]
    assert spec.phase_commands("install") == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("version: 0.2", "version: 0.3", "version: must be 0.2 (or the older 0.1), got 0.3"),
        ("version: 0.2\n", "", "version: required field is missing; use version: 0.2"),
        ("  pre_build:", "  prebuild:", "phases.prebuild: unknown phase 'prebuild'; phases are install, pre_build, build, post_build"),  # noqa: E501
        ("    commands:\n      - make\n", "", "phases.build.commands: required field is missing"),
        ("on-failure: ABORT", "on-failure: STOP", 'phases.pre_build.on-failure: expected ABORT, CONTINUE or a RETRY form, got "STOP"'),  # noqa: E501
        ("  files:\n    - imagedefinitions.json\n", "", "artifacts.files: required field is missing"),
        ("      files: [appspec.yaml]", "      name: x", "artifacts.secondary-artifacts.appspec.files: required field is missing"),  # noqa: E501
        ("file-format: JUNITXML", "file-format: XML",
         'reports.unit.file-format: expected one of JUNITXML, CUCUMBERJSON, NUNITXML, NUNIT3XML, TESTNGXML, '
         'VISUALSTUDIOTRX, CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV, got "XML"'),
        ('    files: ["**/*.xml"]\n', "", "reports.unit.files: required field is missing"),
        ("exported-variables: [IMAGE_TAG]", "exported-variables: [AWS_REGION]",
         "env.exported-variables: AWS_REGION: variables starting with AWS_ cannot be exported"),
        ("    PORT: 8080", "    PORT: [1]", "env.variables.PORT: expected a single value, got array"),
        ("  logs: yes", "  logs: maybe", 'proxy.logs: expected yes or no, got "maybe"'),
        ("    finally:\n      - echo done\n", "    finally:\n", "phases.build.finally: required field is missing"),
        ("      python: 3.12", "      python: [3]", "phases.install.runtime-versions.python: expected a single value, got array"),  # noqa: E501
        ("  build:\n    on-failure", "  build:\n    runtime-versions: {}\n    on-failure",
         "phases.build.runtime-versions: unknown key 'runtime-versions' in a phase; use run-as, on-failure, commands, finally"),  # noqa: E501
    ],
)  # fmt: skip
def test_rules(old: str, new: str, expected: str) -> None:
    assert old in FULL
    found = problems(FULL.replace(old, new))
    assert expected in found, found


def test_unknown_top_level_keys_and_version_0_1_are_warnings() -> None:
    spec = parse_buildspec(FULL.replace("version: 0.2", "version: 0.1") + "extra: 1\n")
    messages = [f"{w.path}: {w.message}" for w in spec.warnings]
    assert messages == [
        "extra: unknown key 'extra'; CodeBuild may ignore or refuse it",
        "version: version 0.1 runs each command in its own shell; ecsflow runs 0.2 semantics",
    ]


def test_phases_required_and_top_level_mapping() -> None:
    assert problems("version: 0.2\n") == ["phases: required field is missing"]
    with pytest.raises(ArtifactError) as exc:
        parse_buildspec("- a\n")
    assert "must be an object at the top level" in str(exc.value.problems[0])
