"""Install the simulator into moto (once per process) and guard moto's version.

The simulator hooks moto internals that changed in 5.0.6, 5.1.17, 5.2.0 and 5.2.4/5.2.5
(see docs/local.md), so it runs only on the exact version its contract tests
(``tests/sim/contracts/``) pin. An upgrade is a deliberate change: bump
``PINNED_MOTO``, run the contract tests, fix what they report.

moto's backends are process-global, so there is one ``SimContext`` per process:
``install(ctx)`` binds it; installing again with the same context does nothing, and
with another one is refused (the ECS and CodeDeploy installers keep a reference).
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import os
import threading

from ecsflow.errors import OperationFailed
from ecsflow.sim.context import SimContext

PINNED_MOTO = "5.2.5"

_lock = threading.Lock()
_installed: list[SimContext] = []  # at most one per process


class MotoVersionError(OperationFailed):
    """The installed moto is not the version the simulator was tested with."""


def check_moto_version(version: str | None = None) -> None:
    if version is None:
        import moto

        version = str(moto.__version__)
    if version != PINNED_MOTO:
        raise MotoVersionError(
            f"the local AWS needs moto {PINNED_MOTO}, but moto {version} is installed",
            hint=f"install the pinned version: pip install 'ecsflow[local]' (moto[server]=={PINNED_MOTO}); "
            "the simulator hooks moto internals that change between releases",
        )


def installed_context() -> SimContext | None:
    return _installed[0] if _installed else None


def install(ctx: SimContext) -> None:
    """Patch moto for ``ctx``: time, ECR, CodePipeline, CloudFormation types, then ECS and CodeDeploy."""
    with _lock:
        if _installed and _installed[0] is ctx:
            return
        if _installed:
            raise OperationFailed(
                "the local AWS is already installed in this process with another SimContext",
                hint="reuse ecsflow.sim.install.installed_context() (moto's backends are process-global)",
            )
        check_moto_version()
        _configure_moto()
        _patch_time(ctx)
        from ecsflow.sim import cfn_types, codepipeline, ecr

        ecr.install(ctx)
        codepipeline.install(ctx)
        cfn_types.install(ctx)
        # The find_spec guards exist only while the ECS and CodeDeploy simulators are
        # being built; both packages will be there before release.
        for name in ("ecsflow.sim.ecs", "ecsflow.sim.codedeploy", "ecsflow.sim.provisioning"):
            spec = importlib.util.find_spec(name)
            # A folder without __init__.py yet is a namespace package (origin None).
            if spec is not None and spec.origin is not None:
                importlib.import_module(name).install(ctx)
        ctx.mark_installed()
        _installed.append(ctx)


def _configure_moto() -> None:
    from moto.core.config import default_user_config

    # EC2 would load ~1300 default AMIs on every reset (about 1.5 s); ECS on Fargate
    # needs none. moto reads this when a backend is created.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

    # Lambda without Docker: the "simple" backend echoes payloads (POST /moto-api/config).
    default_user_config["lambda"]["use_docker"] = False
    default_user_config["batch"]["use_docker"] = False


def _patch_time(ctx: SimContext) -> None:
    """Every moto timestamp comes from the simulated clock, so runs repeat byte for byte.

    moto's modules import ``utcnow`` by name (``from moto.core.utils import utcnow``),
    many of them lazily on their first request. Rather than import every service
    up front to rebind each reference, the body of the one function object they all
    share is replaced; it reads the clock through a name in its own module globals.
    """
    import moto.core.utils as core_utils

    def now() -> datetime.datetime:
        return datetime.datetime.fromtimestamp(ctx.clock.now(), datetime.UTC).replace(tzinfo=None)

    core_utils._ecsflow_now = now  # type: ignore[attr-defined]
    core_utils.utcnow.__code__ = _sim_utcnow.__code__


def _sim_utcnow() -> datetime.datetime:
    # Runs with moto.core.utils' globals (see _patch_time): ``_ecsflow_now`` is defined there.
    return _ecsflow_now()  # type: ignore[name-defined,no-any-return]  # noqa: F821


def reset_moto(seed: int) -> None:
    """``POST /moto-api/reset`` then ``POST /moto-api/seed?a=<seed>``, in-process."""
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    mock_random.seed(seed)
    _configure_moto()
