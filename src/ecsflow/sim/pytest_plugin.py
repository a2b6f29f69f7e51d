"""pytest fixtures for the local AWS (loaded by ``tests/conftest.py``).

* ``local_aws_server`` (session): one HTTP server per test process, i.e. per xdist
  worker, on a free port of 127.0.0.1.
* ``local_aws`` (function): that server, reset (seed 0, poll clock, no faults) before the
  test; returns the ``LocalAWS`` handle. A marker changes the reset::

      @pytest.mark.local_aws(clock="manual", poll_step=5, seed=7, scenario={...})

* ``local_world``: ``local_aws`` plus the standard example world (``ecsflow.sim.world``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "local_aws(clock=, speed=, poll_step=, seed=, scenario=): how the local_aws fixture resets the local AWS",
    )


@pytest.fixture(scope="session")
def local_aws_server() -> Iterator[LocalAWS]:
    aws = LocalAWS().start()
    try:
        yield aws
    finally:
        aws.stop()


@pytest.fixture
def local_aws(local_aws_server: LocalAWS, request: pytest.FixtureRequest) -> LocalAWS:
    marker = request.node.get_closest_marker("local_aws")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    local_aws_server.reset(
        options.pop("seed", 0),
        clock=options.pop("clock", "poll"),
        speed=options.pop("speed", 1.0),
        poll_step=options.pop("poll_step", 15.0),
        scenario=options.pop("scenario", {}),
        # Real time unless the test injects its own: never a fake left by an earlier test.
        monotonic=options.pop("monotonic", time.monotonic),
    )
    if options:
        raise pytest.UsageError(f"unknown local_aws marker options: {sorted(options)}")
    return local_aws_server


@pytest.fixture
def local_world(local_aws: LocalAWS) -> World:
    from ecsflow.sim.world import create_world

    return create_world(local_aws.client)
