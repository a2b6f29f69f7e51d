"""Clock modes: poll (observing requests move time), manual, wall (scaled, injected monotonic)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.context import DEFAULT_START, ClockMode, SimClock, SimContext


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Recorder:
    """A machine that records the times it is advanced to."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def advance_to(self, now: float) -> None:
        self.times.append(now)


def test_poll_clock_moves_only_on_observe() -> None:
    clock = SimClock(ClockMode.POLL, poll_step=10)
    clock.observe()
    clock.observe()
    assert clock.now() == DEFAULT_START + 20
    clock.advance(5)
    assert clock.now() == DEFAULT_START + 25


def test_manual_clock_ignores_polls() -> None:
    clock = SimClock(ClockMode.MANUAL)
    clock.observe()
    assert clock.now() == DEFAULT_START
    clock.advance(30)
    assert clock.now() == DEFAULT_START + 30
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_wall_clock_scales_real_time_and_ignores_polls() -> None:
    fake = FakeMonotonic()
    clock = SimClock(ClockMode.WALL, speed=20, monotonic=fake)
    fake.t += 1.5
    clock.observe()  # polling faster must not make the cloud faster
    assert clock.now() == DEFAULT_START + 30
    clock.advance(10)
    assert clock.now() == DEFAULT_START + 40
    clock.reset()
    assert clock.now() == DEFAULT_START


def test_sync_advances_machines() -> None:
    ctx = SimContext(clock=SimClock(ClockMode.POLL, poll_step=15))
    machine = Recorder()
    ctx.register(machine)
    ctx.sync(observing=True)
    ctx.sync(observing=False)
    assert machine.times == [DEFAULT_START + 15, DEFAULT_START + 15]


def test_reset_keeps_installed_machines_and_runs_hooks() -> None:
    ctx = SimContext()
    installed, later = Recorder(), Recorder()
    forgotten: list[bool] = []
    ctx.register(installed)
    ctx.mark_installed()
    ctx.register(later)
    ctx.on_reset(lambda: forgotten.append(True))
    ctx.next_number("task")
    ctx.reset()
    assert ctx.machines == [installed]
    assert forgotten == [True]
    assert ctx.next_number("task") == 1


@pytest.fixture
def observed(local_aws: LocalAWS) -> Iterator[Recorder]:
    """Make ecs:DescribeClusters an observing operation for the test, with a recording machine."""
    ctx = local_aws.context
    machine = Recorder()
    added = "ecs:DescribeClusters" not in ctx.observing_operations
    ctx.observing_operations.add("ecs:DescribeClusters")
    ctx.register(machine)
    yield machine
    if added:
        ctx.observing_operations.discard("ecs:DescribeClusters")


@pytest.mark.local_aws(clock="poll", poll_step=10)
def test_poll_mode_over_http_counts_observing_requests(local_aws: LocalAWS, observed: Recorder) -> None:
    ecs = local_aws.client("ecs")
    for _ in range(3):
        ecs.describe_clusters(clusters=["demo"])
    ecs.list_clusters()  # not observing: synced, but the clock does not move
    assert local_aws.now() == DEFAULT_START + 30
    assert observed.times == [DEFAULT_START + 10, DEFAULT_START + 20, DEFAULT_START + 30, DEFAULT_START + 30]


@pytest.mark.local_aws(clock="manual")
def test_manual_mode_over_http(local_aws: LocalAWS, observed: Recorder) -> None:
    ecs = local_aws.client("ecs")
    ecs.describe_clusters(clusters=["demo"])
    local_aws.advance(45)
    ecs.describe_clusters(clusters=["demo"])
    assert observed.times == [DEFAULT_START, DEFAULT_START + 45, DEFAULT_START + 45]


def test_wall_mode_over_http_with_injected_monotonic(local_aws: LocalAWS, observed: Recorder) -> None:
    fake = FakeMonotonic()
    local_aws.reset(clock="wall", speed=60, monotonic=fake)
    local_aws.context.register(observed)
    ecs = local_aws.client("ecs")
    for _ in range(5):  # five polls within the same real instant: no simulated time passes
        ecs.describe_clusters(clusters=["demo"])
    assert local_aws.now() == DEFAULT_START
    fake.t += 2  # two real seconds at 60x
    ecs.describe_clusters(clusters=["demo"])
    assert observed.times[-1] == DEFAULT_START + 120


def test_clock_mode_can_change_mid_run(local_aws: LocalAWS) -> None:
    local_aws.advance(100)
    local_aws.set_clock("manual")
    assert local_aws.now() == DEFAULT_START + 100
    assert local_aws.runtime is not None
    assert local_aws.runtime.clock_info()["mode"] == "manual"


def test_moto_timestamps_follow_the_simulated_clock(local_aws: LocalAWS) -> None:
    local_aws.advance(3600)
    repo = local_aws.client("ecr").create_repository(repositoryName="clocked")["repository"]
    assert repo["createdAt"].timestamp() == DEFAULT_START + 3600


def test_an_injected_monotonic_does_not_leak_into_the_next_test(local_aws: LocalAWS) -> None:
    # test_wall_mode_over_http_with_injected_monotonic injected a fake; the fixture put time.monotonic back
    import time

    assert local_aws.context.clock._monotonic is time.monotonic
