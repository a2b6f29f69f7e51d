"""The simulator the patched moto classes talk to.

moto's response classes are patched once per process; each ``install(ctx)`` points them
at that context's simulator (the last one installed wins: one local AWS per process).
"""

from __future__ import annotations

from ecsflow.sim.codedeploy.simulator import CodeDeploySimulator

_ACTIVE: list[CodeDeploySimulator] = []


def active() -> CodeDeploySimulator | None:
    return _ACTIVE[-1] if _ACTIVE else None


def set_active(simulator: CodeDeploySimulator) -> None:
    _ACTIVE[:] = [simulator]
