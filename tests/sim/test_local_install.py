"""install(): the moto version guard, idempotence, one context per process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecsflow.errors import OperationFailed
from ecsflow.sim.api import LocalAWS, process_context
from ecsflow.sim.context import SimContext
from ecsflow.sim.install import PINNED_MOTO, MotoVersionError, check_moto_version, install, installed_context


def test_an_untested_moto_version_is_refused() -> None:
    with pytest.raises(MotoVersionError) as refused:
        check_moto_version("5.3.0")
    assert "needs moto 5.2.5" in refused.value.message
    assert "5.3.0 is installed" in refused.value.message
    assert refused.value.hint is not None
    assert f"moto[server]=={PINNED_MOTO}" in refused.value.hint


def test_the_pinned_version_is_accepted() -> None:
    check_moto_version(PINNED_MOTO)
    check_moto_version()  # the installed one


def test_install_is_idempotent_and_keeps_one_context(local_aws: LocalAWS) -> None:
    ctx = process_context()
    assert installed_context() is ctx is local_aws.context
    before = list(ctx.machines[: ctx._installed_machines])
    install(ctx)
    assert ctx.machines[: ctx._installed_machines] == before
    with pytest.raises(OperationFailed, match="another SimContext"):
        install(SimContext())


def test_a_second_server_in_the_same_process_is_refused(local_aws: LocalAWS) -> None:
    with pytest.raises(OperationFailed, match="already running in this process"):
        LocalAWS().start()
    # the running one is unaffected
    assert local_aws.client("ecs").list_clusters()["clusterArns"] == []


def test_the_cli_refuses_an_untested_moto_with_a_clear_error(tmp_path: Path) -> None:
    # A fresh interpreter whose moto claims another version; nothing may start.
    script = (
        "import sys, moto\n"
        "moto.__version__ = '5.3.0'\n"
        "from ecsflow.cli.main import run\n"
        "sys.exit(run(['local', 'up', '--port', '0']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert "error: the local AWS needs moto 5.2.5, but moto 5.3.0 is installed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / ".ecsflow" / "local" / "state.json").exists()
