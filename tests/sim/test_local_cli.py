"""``ecsflow local`` verbs: a detached server driven from subprocesses, and the error cases."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from ecsflow.sim.state import ServerState, StateDir, pid_alive

ENV_KEYS = ("AWS_ENDPOINT_URL", "ECSFLOW_ENDPOINT_URL")


def ecsflow(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    proc = subprocess.run(
        [sys.executable, "-m", "ecsflow", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert proc.returncode == 0, f"ecsflow {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture
def detached(tmp_path: Path) -> Iterator[ServerState]:
    scenario = tmp_path / "scenario.yml"
    scenario.write_text("faults:\n  'ecs:ListClusters': {throttle_every: 2}\n")
    ecsflow(
        tmp_path,
        "local",
        "up",
        "--detach",
        "--port",
        "0",
        "--clock",
        "manual",
        "--seed",
        "3",
        "--scenario",
        str(scenario),
    )
    state = StateDir(tmp_path).read()
    assert state is not None
    yield state
    if pid_alive(state.pid):  # the test failed before `down`
        os.kill(state.pid, 15)


def test_detached_lifecycle(tmp_path: Path, detached: ServerState) -> None:
    assert detached.endpoint_url == f"http://127.0.0.1:{detached.port}"
    assert pid_alive(detached.pid)
    assert (tmp_path / ".ecsflow" / "local" / "server.log").exists()

    status = ecsflow(tmp_path, "local", "status")
    assert f"running at {detached.endpoint_url} (pid {detached.pid}); clock manual" in status.stdout

    exports = ecsflow(tmp_path, "local", "env").stdout.splitlines()
    assert f"export AWS_ENDPOINT_URL={detached.endpoint_url}" in exports
    assert f"export ECSFLOW_ENDPOINT_URL={detached.endpoint_url}" in exports
    assert "export AWS_REGION=us-east-1" in exports
    env = dict(line.removeprefix("export ").split("=", 1) for line in exports)

    # a client configured only by those exports
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    ecs = session.client("ecs", endpoint_url=env["AWS_ENDPOINT_URL"])
    ecs.list_clusters()  # attempt 1 ok
    ecs.list_clusters()  # attempt 2 throttled by the scenario, 3 ok

    table = ecsflow(tmp_path, "local", "calls").stdout
    assert "ecs:ListClusters" in table
    row = next(line for line in table.splitlines() if line.startswith("ecs:ListClusters")).split()
    assert row[1:] == ["2", "3", "1"]
    counts = json.loads(ecsflow(tmp_path, "--output", "json", "local", "calls", "--reset").stdout)
    assert counts["operations"]["ecs:ListClusters"] == {"calls": 2, "attempts": 3, "errors": 1}
    assert json.loads(ecsflow(tmp_path, "--output", "json", "local", "calls").stdout)["operations"] == {}

    assert "now 1767225630" in ecsflow(tmp_path, "local", "advance", "30").stdout
    assert "reset (seed 4)" in ecsflow(tmp_path, "local", "reset", "--seed", "4").stdout
    calm = tmp_path / "calm.json"
    calm.write_text("{}")
    ecsflow(tmp_path, "local", "scenario", str(calm))
    assert ecs.list_clusters()["clusterArns"] == []

    again = ecsflow(tmp_path, "local", "up", "--detach", "--port", "0", check=False)
    assert again.returncode == 1
    assert "already running" in again.stderr

    assert f"stopped the local AWS (pid {detached.pid})" in ecsflow(tmp_path, "local", "down").stdout
    assert not StateDir(tmp_path).state_file.exists()
    assert not pid_alive(detached.pid)


def test_status_when_nothing_runs(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    code, _, err = run_cli("local", "status")
    assert code == 1
    assert "no local AWS is running for this folder" in err
    assert "ecsflow local up --detach" in err
    code, _, err = run_cli("local", "down")
    assert code == 1
    assert "no local AWS is running" in err


def test_stale_state_is_reported_and_removed(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    StateDir(tmp_path).write(
        ServerState(pid=gone.pid, port=1, endpoint_url="http://127.0.0.1:1", log="", clock="poll", seed=0)
    )
    code, _, err = run_cli("local", "calls")
    assert code == 1
    assert f"(pid {gone.pid}) is no longer running" in err
    assert not StateDir(tmp_path).state_file.exists()


def test_port_in_use_is_a_clear_error(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run_cli("local", "up", "--port", str(port))
    assert code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "--port 0" in err
    assert not StateDir(tmp_path).state_file.exists()


def test_bad_scenario_is_refused_before_start(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.yml"
    bad.write_text("faults:\n  'ecs:*': {throttle: 2}\n")
    code, _, err = run_cli("local", "up", "--scenario", str(bad))
    assert code == 2
    assert "faults.ecs:*.throttle: unknown key" in err
    assert not StateDir(tmp_path).state_file.exists()


def test_port_in_use_with_detach_is_refused_before_starting(  # type: ignore[no-untyped-def]
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run_cli("local", "up", "--detach", "--port", str(port))
    assert code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert not (tmp_path / ".ecsflow" / "local" / "server.log").exists()


def test_state_naming_a_live_pid_that_does_not_answer_is_stale(tmp_path: Path) -> None:
    from ecsflow.sim.service import check_not_running

    state_dir = StateDir(tmp_path)
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    state_dir.write(
        ServerState(pid=os.getpid(), port=port, endpoint_url=f"http://127.0.0.1:{port}", log="", clock="poll", seed=0)
    )
    note = check_not_running(state_dir)
    assert note is not None
    assert f"pid {os.getpid()} is not a local AWS answering" in note
    assert not state_dir.state_file.exists()
