"""SIGTERM (a cancelled CI job) during a wait: exit 130, the deployment goes on, `ecsflow wait` picks it up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from deploy_project import create_service, push, service, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


def test_sigterm_leaves_the_deployment_running_and_wait_attaches(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_service(local_aws, local_world)
    push(local_aws, "v2")
    config = write_project(tmp_path, local_aws, local_world)
    local_aws.set_clock("wall", speed=1.0)  # the deployment takes ~45 s: long enough to be interrupted
    env = {**os.environ, **local_aws.env(), "ECSFLOW_CLOCK": "endpoint"}
    argv = [sys.executable, "-m", "ecsflow", "-c", str(config), "--output", "json", "deploy", "web", "--tag", "v2"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    started: dict[str, Any] | None = None
    deadline = time.monotonic() + 60
    lines: list[str] = []
    while started is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("event") == "deployment_started":
            started = event
    assert started is not None, "".join(lines) + (proc.stderr.read() if proc.stderr else "")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, out + err
    text = "".join(lines) + out
    assert "ecsflow wait web" in text and "ecsflow rollback" in text
    ours = started["deployment_id"]
    assert any(d["id"] == ours for d in service(local_aws)["deployments"]), "the deployment goes on"

    local_aws.set_clock("poll")
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")
    code, out, err = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(config), "wait", "web")
    assert code == ExitCode.OK, out + err
    assert ours in out
