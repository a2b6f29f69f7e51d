"""action.yml: every input maps onto a real CLI option, and the outputs come from a real result."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from ecsflow.cli.main import cli
from ecsflow.cli.output.reporter import result_payload
from ecsflow.integrations.github_action import action_outputs, final_result, format_outputs, main
from ecsflow.model import DeploymentResult, Outcome

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
ACTION_ONLY = {"working-directory", "python-version", "version"}  # how the action runs, not what it deploys
_LINE = re.compile(r'^\s*(gopt|opt|multi|flag|unflag) (--[a-z][a-z-]*) "\$(IN_[A-Z_]+)"\s*$')
_ENV = re.compile(r"^\$\{\{ inputs\.([a-z-]+) \}\}$")


def action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    return doc


def deploy_step() -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("id") == "deploy")


def options(command: click.Command) -> dict[str, click.Parameter]:
    return {o: p for p in command.params for o in (*p.opts, *p.secondary_opts)}


def deploy_command() -> click.Command:
    with click.Context(cli) as ctx:
        command = cli.get_command(ctx, "deploy")
    assert command is not None
    return command


def test_every_input_maps_onto_a_real_cli_option() -> None:
    step = deploy_step()
    env_to_input = {}
    for var, value in step["env"].items():
        match = _ENV.match(str(value))
        assert match, f"{var}: {value!r} should be exactly one input"
        env_to_input[var] = match.group(1)
    mapped: dict[str, tuple[str, str]] = {}
    for line in step["run"].splitlines():
        if match := _LINE.match(line):
            kind, option, var = match.groups()
            assert var in env_to_input, f"{var} is used but not set from an input"
            mapped[env_to_input[var]] = (kind, option)
    deploy, root = options(deploy_command()), options(cli)
    inputs = set(action()["inputs"])
    assert inputs - ACTION_ONLY - {"services"} == set(mapped), "inputs without a CLI option, or options without input"
    for name, (kind, option) in mapped.items():
        param = (root if kind == "gopt" else deploy).get(option)
        assert isinstance(param, click.Option), f"input {name}: {option} is not an option of ecsflow deploy"
        assert param.multiple is (kind == "multi"), f"input {name}: {option} multiple={param.multiple}"
        assert param.is_flag is (kind in ("flag", "unflag")), f"input {name}: {option} is_flag={param.is_flag}"
    services = next(p for p in deploy_command().params if p.name == "services")
    assert isinstance(services, click.Argument) and services.nargs == -1
    assert "IN_SERVICES" in step["env"] and "$IN_SERVICES" in step["run"]


def test_outputs_come_from_the_deploy_step() -> None:
    doc = action()
    assert set(doc["outputs"]) >= {"task-definition-arn", "deployment-id", "outcome"}
    for name, spec in doc["outputs"].items():
        assert spec["value"] == "${{ steps.deploy.outputs." + name + " }}"
    emitted = set(action_outputs({"services": [], "exit_code": 0}))
    assert set(doc["outputs"]) == emitted


def result_lines(*results: DeploymentResult) -> list[str]:
    # What `ecsflow --output json deploy` prints: events, then the result object (JsonReporter).
    event = {"event": "deployment_finished", "at": 0, "service": "web", "result": {"outcome": "ignored"}}
    return ["plain text line", json.dumps(event), json.dumps({"result": result_payload(list(results))})]


def test_extraction_of_a_single_service_result() -> None:
    ok = DeploymentResult(
        service="web",
        outcome=Outcome.SUCCEEDED,
        reason="completed",
        deployment_id="ecs-svc/123",
        task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    )
    outputs = action_outputs(final_result(result_lines(ok)))
    assert outputs["outcome"] == "succeeded" and outputs["exit-code"] == "0"
    assert outputs["task-definition-arn"].endswith("task-definition/web:7")
    assert outputs["deployment-id"] == "ecs-svc/123"
    assert json.loads(outputs["result"])["services"][0]["service"] == "web"


def test_extraction_reports_the_first_bad_outcome_of_several() -> None:
    ok = DeploymentResult(service="api", outcome=Outcome.SUCCEEDED, reason="ok", deployment_id="ecs-svc/1")
    bad = DeploymentResult(service="web", outcome=Outcome.ROLLED_BACK, reason="circuit breaker")
    outputs = action_outputs(final_result(result_lines(ok, bad)))
    assert (outputs["outcome"], outputs["exit-code"], outputs["deployment-id"]) == ("rolled_back", "4", "ecs-svc/1")


def test_no_result_is_an_error_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out.jsonl").write_text('{"error": {"message": "bad input"}}\n')
    assert main([str(tmp_path / "out.jsonl")]) == 0
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert printed["outcome"] == "error" and printed["deployment-id"] == ""


def test_output_lines_are_one_per_output() -> None:
    text = format_outputs({"a": "x\ny", "b": "z"})
    assert text == "a=x y\nb=z\n"
