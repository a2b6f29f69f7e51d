"""Run contract probes against plain moto, in a fresh interpreter.

The local AWS patches moto for the whole process (and the test session usually runs
it), so what moto *itself* does can only be observed in a process where
``ecsflow.sim`` was never installed. A probe file defines functions decorated with
``@probe``; ``run_probes(file)`` runs each inside ``moto.mock_aws()`` in a subprocess
and returns ``{name: result}`` (JSON values, or ``{"raised": type, "message": …}``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PROBES: dict[str, Callable[[], Any]] = {}


def probe(fn: Callable[[], Any]) -> Callable[[], Any]:
    _PROBES[fn.__name__] = fn
    return fn


def main() -> None:
    """Entry point of a probe file run as a script."""
    from moto import mock_aws

    results: dict[str, Any] = {}
    for name, fn in _PROBES.items():
        try:
            with mock_aws():
                results[name] = fn()
        except Exception as exc:  # the exception is the observation
            results[name] = {"raised": type(exc).__name__, "message": str(exc)}
            if os.environ.get("PROBE_DEBUG"):
                traceback.print_exc()
    results["__ecsflow_sim_installed__"] = "ecsflow.sim.install" in sys.modules
    print(json.dumps(results, default=str))


def run_probes(path: str | Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=180, env=env, check=False
    )
    assert proc.returncode == 0, f"probe run failed:\n{proc.stderr}"
    results: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert results.pop("__ecsflow_sim_installed__") is False, "probes must run against plain moto"
    return results
