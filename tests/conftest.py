"""Shared fixtures. Tests are offline and deterministic: fakes with a fake clock for
engines, the embedded local AWS for end-to-end tests."""

from __future__ import annotations

import os

import pytest

# The local AWS fixtures: local_aws_server (per worker), local_aws (reset per test), local_world.
pytest_plugins = ["ecsflow.sim.pytest_plugin"]

# No test may reach real AWS: dummy credentials and a region for any client built.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("CI", None)  # tests choose the output mode explicitly


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``ecsflow`` in-process; returns (exit code, stdout, stderr)."""
    from ecsflow.cli.main import run

    def _run(*argv: str) -> tuple[int, str, str]:
        code = run(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return _run
