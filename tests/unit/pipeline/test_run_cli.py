"""``ecsflow run`` / ``ecsflow runs`` refuse bad input with exit 2, before any AWS call, and
run pipelines that need no AWS (shell commands) end to end in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecsflow.errors import ExitCode

CONFIG = """
services:
  web: {task_definition: taskdef.json}
pipelines:
  hello:
    variables: {WHO: world}
    stages:
      - name: Say
        actions:
          - {name: Hello, run: "echo hello #{variables.WHO}"}
          - {name: Bye, run: "echo bye; exit 4", run_order: 2}
  triggers_only:
    triggers: [{push: [{branches: {includes: [main]}}]}]
  gated:
    stages:
      - {name: Gate, actions: [{name: Ok, approve: "go?"}]}
      - {name: After, actions: [{name: Done, run: "echo done"}]}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("ECSFLOW_CLOCK", raising=False)
    (tmp_path / "ecsflow.yml").write_text(CONFIG)
    return tmp_path / "ecsflow.yml"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name the pipelines to run, or give --from REV"),
        (("nope",), "no pipeline 'nope'"),
        (("hello", "--var", "NOPE=1"), "--var NOPE: not a variable of hello"),
        (("hello", "--var", "WHO"), "expected NAME=VALUE"),
        (("hello", "--approve", "Gate"), "--approve Gate: no such stage with an approve action"),
        (("hello", "--resume", "x"), "--resume goes on with a recorded run"),
        (("--resume", "x"), "no run 'x'"),
        (("hello", "--env", "prod"), "unknown environment 'prod'"),
        (("triggers_only",), "pipeline triggers_only has no stages"),
    ],
)
def test_bad_input_exits_2(run_cli: Any, project: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run_cli("-c", str(project), "run", *args)
    assert code == ExitCode.INVALID, out + err
    assert message in err
    assert not (project.parent / ".ecsflow" / "runs").exists()  # nothing ran


def test_a_failing_command_fails_the_run_and_both_are_recorded(
    run_cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    code, out, err = run_cli("-c", str(project), "--output", "json", "run", "hello", "--var", "WHO=ecs")
    assert code == ExitCode.FAILED, out + err
    doc = json.loads(out.strip().splitlines()[-1])
    (run,) = doc["runs"]
    assert run["actor"] == "octocat"
    hello, bye = run["stages"][0]["actions"]
    assert hello["status"] == "Succeeded" and hello["message"] == "exit status 0: echo hello ecs"
    assert bye["status"] == "Failed" and bye["message"] == "exit status 4: echo bye; exit 4"
    assert run["message"] == "stage Say, action Bye: exit status 4: echo bye; exit 4"
    events = [json.loads(line) for line in out.splitlines() if line.startswith('{"event"')]
    assert any(e["event"] == "message" and e.get("text") == "hello ecs" for e in events)
    code, out, _ = run_cli("-c", str(project), "runs", "hello")
    assert code == 0 and "Failed" in out and run["run_id"] in out


def test_a_markdown_summary_lists_stages_and_actions(
    run_cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = project.parent / "step-summary.md"
    step.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    summary = project.parent / "summary.md"
    code, _, _ = run_cli("-c", str(project), "run", "hello", "--summary", str(summary))
    assert code == ExitCode.FAILED
    text = summary.read_text()
    assert text.startswith("### ecsflow run `hello`: Failed")
    assert "| Say | Hello (run) | Succeeded |" in text
    assert "| Say | Bye (run) | Failed |" in text and "exit status 4: echo bye; exit 4 |" in text
    assert step.read_text() == "earlier step\n" + text  # appended


def test_a_gate_in_ci_waits_with_exit_7_and_resumes(run_cli: Any, project: Path) -> None:
    code, out, err = run_cli("-c", str(project), "run", "gated")
    assert code == ExitCode.PAUSED, out + err
    assert "waiting for approval (go?)" in out
    run_id = next(line.split()[1] for line in out.splitlines() if line.startswith("gated "))
    assert f"ecsflow run --resume {run_id} --approve Gate" in out
    code, out, err = run_cli("-c", str(project), "run", "--resume", run_id, "--approve", "Gate.Ok")
    assert code == ExitCode.OK, out + err
    assert "done" in out
    code, out, err = run_cli("-c", str(project), "run", "--resume", run_id)
    assert code == ExitCode.INVALID and "nothing to resume" in err
