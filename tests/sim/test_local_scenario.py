"""Scenario files: YAML/JSON loading, every problem reported with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsflow.errors import InputError
from ecsflow.sim.context import OperationFaults, ServiceScenario
from ecsflow.sim.scenario import load_scenario_file, scenario_from_dict, scenario_to_dict

EXAMPLE = """
seed: 7
failing_images: ["*:broken*"]
services:
  demo/web:
    task_start_seconds: 30
    fail_first_tasks: 2
    log_lines: ["boom"]
    hook_results: {AfterAllowTestTraffic: FAILED}
faults:
  "ecs:DescribeServices": {throttle_every: 3}
  "ecs:*": {rate: 20, burst: 50}
  "codedeploy:GetDeployment": {drop_attempts: [1]}
"""


def test_yaml_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yml"
    path.write_text(EXAMPLE)
    scenario = load_scenario_file(path)
    assert scenario.seed == 7
    assert scenario.failing_images == ["*:broken*"]
    web = scenario.for_service("arn:aws:ecs:us-east-1:123456789012:cluster/demo", "web")
    assert web == ServiceScenario(
        task_start_seconds=30.0,
        fail_first_tasks=2,
        log_lines=("boom",),
        hook_results={"AfterAllowTestTraffic": "FAILED"},
    )
    assert scenario.for_service("demo", "api") == ServiceScenario()
    assert scenario.faults["ecs:*"] == OperationFaults(rate=20.0, burst=50)
    assert scenario.faults["codedeploy:GetDeployment"].drop_attempts == (1,)


def test_round_trip_through_json(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yml"
    path.write_text(EXAMPLE)
    scenario = load_scenario_file(path)
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario


def test_every_problem_is_reported_with_its_path() -> None:
    with pytest.raises(InputError) as bad:
        scenario_from_dict(
            {
                "seed": "x",
                "service": {},
                "services": {"web": {"task_start_secs": 3, "fail_new_tasks": "yes"}},
                "faults": {"ecs:*": {"throttle_every": 1.5}, "ecs:List*": []},
            },
            file="s.yml",
        )
    listed = [str(p) for p in bad.value.problems]
    assert "s.yml: seed: expected an integer" in listed
    assert any(p.startswith("s.yml: service: unknown key") for p in listed)
    assert any(p.startswith("s.yml: services.web.task_start_secs: unknown key") for p in listed)
    assert "s.yml: services.web.fail_new_tasks: expected true or false" in listed
    assert "s.yml: faults.ecs:*.throttle_every: expected an integer" in listed
    assert "s.yml: faults.ecs:List*: expected a mapping" in listed
    assert bad.value.message == "s.yml is invalid (6 problems)"


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the scenario file"):
        load_scenario_file(tmp_path / "nope.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("faults: [unclosed")
    with pytest.raises(InputError, match="not valid YAML or JSON"):
        load_scenario_file(broken)
    empty = tmp_path / "empty.yml"
    empty.write_text("")
    assert load_scenario_file(empty).faults == {}
