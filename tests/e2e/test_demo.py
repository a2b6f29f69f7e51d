"""``ecsflow demo`` end to end: its own local AWS in a fresh process, a fast clock, every act as expected."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ecsflow.cli.demo_project import demo_taskdef

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECSFLOW_", "GITHUB_"))}
    env["CI"] = "true"  # plain lines, as in a CI log
    # A fresh process: the demo starts its own local AWS (one per process), on a free port.
    return subprocess.run(
        [sys.executable, "-m", "ecsflow", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=240,
        check=False,
    )


def test_demo_acts_behave_as_expected(tmp_path: Path) -> None:
    proc = _demo(tmp_path, "--output", "json", "demo", "--speed", "300", "--keep", str(tmp_path / "project"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    final = lines[-1]
    assert final["ok"] is True
    assert [(a["act"], a["ok"]) for a in final["demo"]] == [(n, True) for n in range(1, 12)]
    acts = {a["act"]: a["actual"] for a in final["demo"]}
    assert acts[2].startswith("succeeded")
    assert acts[3].startswith("rolled_back") and "would exit 4" in acts[3]
    assert acts[4] == "web is steady on web:2, drift: none"
    assert acts[5] == "newest first: rolled back, succeeded, succeeded"
    # The pipeline acts in a throwaway Git repository: what each change triggers, and a promotion.
    assert acts[6] == "app Succeeded"
    assert acts[7] == "taskdef Succeeded"
    assert acts[8].startswith("promote Succeeded; test and staging run sha256:")
    # Blue/green: ECS-native linear, a CodeDeploy canary, and one whose test command fails.
    assert re.fullmatch(r"succeeded: production (\d+ → )*100 % on web:\d+", acts[9]), acts[9]
    assert acts[10].startswith("succeeded: production ") and acts[10].endswith("100 %, runs nginx:1.28"), acts[10]
    assert acts[11] == "rolled_back: production never moved, runs nginx:1.28", acts[11]
    stages = [
        line["stage"] for line in lines if line.get("event") == "stage_reached" and line["service"] == "web-linear"
    ]
    assert stages[0] == "PRE_SCALE_UP" and "PRODUCTION_TRAFFIC_SHIFT" in stages and stages[-1] == "CLEAN_UP"
    # The deploy acts report through the usual JSON lines: events, then a result object each.
    results = [line["result"] for line in lines if "result" in line and "event" not in line]
    outcomes = [r["services"][0]["outcome"] for r in results]
    assert outcomes == ["succeeded", "rolled_back", "succeeded", "succeeded", "rolled_back"]
    assert results[1]["exit_code"] == 4
    assert results[1]["services"][0]["failures"], "the rollback names the failing tasks"
    assert (tmp_path / "project" / "ecsflow.yml").exists()
    assert (tmp_path / "project" / ".ecsflow" / "runs.sqlite").exists()  # the runs are recorded


def test_demo_refuses_an_endpoint_that_is_not_a_local_aws(tmp_path: Path) -> None:
    proc = _demo(tmp_path, "--endpoint-url", "http://127.0.0.1:9", "demo")
    assert proc.returncode == 1
    assert "is not a local AWS" in proc.stderr


def test_demo_project_is_the_example_taskdef() -> None:
    example = json.loads((ROOT / "examples" / "taskdef.json").read_text())
    world = SimpleNamespace(
        family="web",
        execution_role_arn=example["executionRoleArn"],
        container="web",
        container_port=8080,
        log_group="/ecs/web",
    )
    assert demo_taskdef(world) == example


def test_demo_on_a_running_local_aws(run_cli, local_aws, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CI", "true")
    code, out, err = run_cli("--endpoint-url", local_aws.endpoint_url, "demo", "--speed", "300")
    assert code == 0, out[-3000:] + err[-3000:]
    assert "every act behaved as expected" in out
    assert "exit code 4 (rolled_back)" in out  # act 3, said honestly
    # A second run finds the world there and says what to do instead of failing half-way.
    code, _, err = run_cli("--endpoint-url", local_aws.endpoint_url, "demo")
    assert code == 1 and "has the demo world already" in err and "ecsflow local reset" in err
