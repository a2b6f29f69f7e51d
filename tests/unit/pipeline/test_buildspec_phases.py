"""Buildspec runner: one shell session, phase transitions, finally, on-failure (AWS-SEMANTICS §9.2-9.3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from buildspec_helpers import FakeClock, run_build

from ecsflow.errors import ArtifactError
from ecsflow.events import CommandFinished, CommandStarted, Message, PhaseStarted


def test_one_shell_session_keeps_cd_export_and_variables_across_commands_and_phases(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  install:
    commands:
      - mkdir -p sub/dir && cd sub
      - export FROM_INSTALL=one
      - PLAIN=two
      - greet() { echo "hello $1"; }
  build:
    commands:
      - cd dir
      - echo "$(pwd | sed 's|.*/src/||') $FROM_INSTALL $PLAIN"
      - greet build
""",
    )
    assert run.result.status == "SUCCEEDED"
    assert run.output("BUILD") == ["sub/dir one two", "hello build"]


def test_multiline_command_status_is_the_last_command_unless_set_e(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - |
        false
        echo after-false
      - |
        set -e
        false
        echo not-reached
    finally:
      - echo "session still here"
""",
    )
    results = run.result.phase("BUILD")
    assert results is not None
    assert [c.exit_code for c in results.commands] == [0, 1, 0]
    assert run.output() == ["after-false", "session still here"]
    assert run.result.status == "FAILED"


def test_exit_in_a_command_fails_it_and_the_next_commands_keep_the_environment(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - mkdir -p keep && cd keep && export KEPT=yes
      - exit 3
  post_build:
    commands:
      - echo "$KEPT $(basename "$PWD") $CODEBUILD_BUILD_SUCCEEDING"
""",
    )
    build = run.result.phase("BUILD")
    assert build is not None and build.commands[-1].exit_code == 3
    assert build.message == "Error while executing command: exit 3. Reason: exit status 3"
    assert run.output("POST_BUILD") == ["yes keep 0"]


def test_finally_runs_after_a_failure_and_the_rest_of_commands_is_skipped(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - echo one
      - "false"
      - echo skipped
    finally:
      - echo cleanup
      - echo cleanup-2
""",
    )
    assert run.output() == ["one", "cleanup", "cleanup-2"]
    build = run.result.phase("BUILD")
    assert build is not None and build.status == "FAILED"
    assert [(c.section, c.command) for c in build.commands] == [
        ("commands", "echo one"),
        ("commands", "false"),
        ("finally", "echo cleanup"),
        ("finally", "echo cleanup-2"),
    ]


def test_a_failing_finally_fails_the_phase_and_stops_finally(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: [echo ok]
    finally: ["false", echo not-run]
""",
    )
    assert run.statuses() == {"BUILD": "FAILED"}
    assert run.output() == ["ok"]


def test_post_build_runs_after_failed_build_with_succeeding_zero(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  pre_build:
    commands: ['echo "pre $CODEBUILD_BUILD_SUCCEEDING"']
  build:
    commands: ['echo "build $CODEBUILD_BUILD_SUCCEEDING"', "false"]
  post_build:
    commands: ['echo "post $CODEBUILD_BUILD_SUCCEEDING"']
""",
    )
    assert run.output() == ["pre 1", "build 1", "post 0"]
    assert run.statuses() == {"PRE_BUILD": "SUCCEEDED", "BUILD": "FAILED", "POST_BUILD": "SUCCEEDED"}
    assert run.result.status == "FAILED"


def test_install_or_pre_build_failure_skips_build_post_build_and_upload(tmp_path: Path) -> None:
    for failing in ("install", "pre_build"):
        run = run_build(
            tmp_path / failing,
            f"""
version: 0.2
phases:
  {failing}:
    commands: ["false"]
  build:
    commands: [echo build, "echo x > out.txt"]
  post_build:
    commands: [echo post]
artifacts:
  files: [out.txt]
""",
        )
        assert run.output() == []
        assert run.statuses()[failing.upper()] == "FAILED"
        assert run.statuses()["BUILD"] == "SKIPPED"
        assert run.statuses()["POST_BUILD"] == "SKIPPED"
        assert run.statuses()["UPLOAD_ARTIFACTS"] == "SKIPPED"
        assert not run.artifacts.exists()
        assert run.result.status == "FAILED"


def test_on_failure_continue_goes_on_but_the_build_fails(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  install:
    on-failure: CONTINUE
    commands: ["false"]
  build:
    commands: ['echo "build runs, succeeding=$CODEBUILD_BUILD_SUCCEEDING"']
""",
    )
    assert run.output() == ["build runs, succeeding=0"]
    assert run.statuses() == {"INSTALL": "FAILED", "BUILD": "SUCCEEDED"}
    assert run.result.status == "FAILED"


def test_on_failure_abort_in_build_skips_post_build_and_upload(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    on-failure: ABORT
    commands: ["echo x > a.txt", "false"]
    finally: [echo finally-still-runs]
  post_build:
    commands: [echo post]
artifacts:
  files: [a.txt]
""",
    )
    assert run.output() == ["finally-still-runs"]
    assert run.statuses() == {"BUILD": "FAILED", "POST_BUILD": "SKIPPED", "UPLOAD_ARTIFACTS": "SKIPPED"}
    assert not run.artifacts.exists()


def test_post_build_failure_fails_the_build_but_artifacts_are_uploaded(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: ["echo data > a.txt"]
  post_build:
    commands: ["false"]
artifacts:
  files: [a.txt]
""",
    )
    assert run.statuses() == {"BUILD": "SUCCEEDED", "POST_BUILD": "FAILED", "UPLOAD_ARTIFACTS": "SUCCEEDED"}
    assert (run.artifacts / "primary" / "a.txt").read_text() == "data\n"
    assert run.result.status == "FAILED"


def test_retry_forms_run_the_default_transition_with_a_warning(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  pre_build:
    on-failure: RETRY-2
    commands: ["false"]
  build:
    commands: [echo no]
""",
    )
    assert run.statuses() == {"PRE_BUILD": "FAILED", "BUILD": "SKIPPED"}
    assert any(isinstance(e, Message) and "RETRY-2 is not run locally" in e.text for e in run.events)


def test_output_is_streamed_in_order_with_stderr_and_partial_lines(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - echo out1; echo err1 >&2; printf no-newline
      - exec >/dev/null; echo hidden
      - echo still-hidden-but-command-ends
""",
    )
    assert run.output() == ["out1", "err1", "no-newline"]
    assert run.result.status == "SUCCEEDED"
    kinds = [type(e).__name__ for e in run.events if not isinstance(e, Message)]
    assert kinds[:3] == ["PhaseStarted", "CommandStarted", "CommandOutput"]
    assert kinds[-2:] == ["PhaseFinished", "BuildFinished"]
    assert [e.exit_code for e in run.events if isinstance(e, CommandFinished)] == [0, 0, 0]
    assert [e.phase for e in run.events if isinstance(e, PhaseStarted)] == ["BUILD"]


def test_posix_sh_session_and_keys_without_local_meaning_warn(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
run-as: builder
env:
  shell: /bin/sh
phases:
  install:
    runtime-versions: {python: 3.12}
    commands: [cd /, X=kept]
  build:
    run-as: other
    commands: ['echo "$PWD $X $0"']
cache:
  paths: [/root/.cache/**/*]
artifacts:
  files: [buildspec-never-there]
  enable-symlinks: yes
""",
    )
    assert run.output() == ["/ kept /bin/sh"]
    warnings = sorted(e.text for e in run.events if isinstance(e, Message))
    assert warnings == [
        "artifact primary: enable-symlinks has no effect when running locally",
        "build: run-as has no effect when running locally",
        "buildspec.yml: cache has no effect when running locally",
        "buildspec.yml: run-as has no effect when running locally",
        "install: runtime-versions has no effect when running locally",
    ]


def test_succeeding_is_zero_already_in_the_failing_phase_finally(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: ["false"]
    finally: ['echo "finally sees $CODEBUILD_BUILD_SUCCEEDING"']
""",
    )
    assert run.output() == ["finally sees 0"]


def test_timeout_kills_the_running_command_and_skips_the_rest(tmp_path: Path) -> None:
    def jump(event: object, clock: FakeClock) -> None:
        # Two hours pass as soon as the long command starts: the 60-minute build timeout expires.
        if isinstance(event, CommandStarted) and event.command.startswith("sleep"):
            clock.t += 7200

    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  exported-variables: [A]
phases:
  build:
    commands: [export A=1, echo before, sleep 30, echo never]
    finally: [echo never-either]
  post_build:
    commands: [echo skipped]
artifacts:
  files: ['**/*']
""",
        files={"x.txt": "x"},
        timeout_seconds=3600,
        on_event=jump,
    )
    assert run.result.status == "TIMED_OUT"
    assert run.statuses() == {"BUILD": "TIMED_OUT", "POST_BUILD": "SKIPPED", "UPLOAD_ARTIFACTS": "SKIPPED"}
    assert run.output() == ["before"]
    build = run.result.phase("BUILD")
    assert build is not None and build.message == "Build timed out while running: sleep 30"
    assert dict(run.result.exported_variables) == {}


def test_version_0_1_runs_with_0_2_semantics_and_says_so(tmp_path: Path) -> None:
    run = run_build(tmp_path, "version: 0.1\nphases:\n  build:\n    commands: [export A=1, 'echo $A']\n")
    assert run.output() == ["1"]
    assert any(
        isinstance(e, Message) and "version 0.1 runs each command in its own shell" in e.text for e in run.events
    )


def test_local_run_problems_name_the_file_and_entry(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as info:
        run_build(
            tmp_path,
            """
version: 0.2
env:
  shell: powershell.exe
  exported-variables: [1BAD]
phases:
  build:
    commands: ["true"]
artifacts:
  files: [a]
  secondary-artifacts:
    primary: {files: [b]}
""",
        )
    assert info.value.message == "buildspec.yml is invalid (3 problems)"
    assert sorted(str(p) for p in info.value.problems) == [
        "buildspec.yml: artifacts.secondary-artifacts.primary: `primary` names the primary artifact here; rename it",
        "buildspec.yml: env.exported-variables[0]: not a valid variable name",
        "buildspec.yml: env.shell: shell 'powershell.exe' cannot run here; use bash or /bin/sh",
    ]


def test_commands_may_use_their_own_file_descriptors(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - exec 3>fd3.txt 4>&1; echo to-three >&3; echo to-four >&4; exec 3>&- 4>&-
      - cat fd3.txt
""",
    )
    assert run.result.status == "SUCCEEDED"
    assert run.output() == ["to-four", "to-three"]


def test_set_x_traces_only_the_users_commands(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - set -x
      - echo traced
      - "false"
    finally:
      - set +x
      - echo quiet
""",
    )
    build = run.result.phase("BUILD")
    assert build is not None
    assert [c.exit_code for c in build.commands] == [0, 0, 1, 0, 0]
    lines = run.output()
    assert lines[-1] == "quiet"
    assert "traced" in lines
    assert [line.lstrip("+ ") for line in lines if line.startswith("+")] == ["echo traced", "false", "set +x"]
    assert not any("ecsflow" in line for line in lines)  # no trace of the session's own bookkeeping


def test_set_v_echoes_only_the_users_commands(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - set -v
      - |
        echo one
        echo two
""",
    )
    assert run.result.status == "SUCCEEDED"
    assert not any("ecsflow" in line for line in run.output())
    assert run.output() == ["one", "echo two", "two"]  # the first line was read before -v came back on
