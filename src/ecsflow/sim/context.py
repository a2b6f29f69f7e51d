"""Shared state of the local AWS: the simulated clock, the scenario, ids, the lock.

The rollout simulator is a set of *machines* (ECS services, CodeDeploy deployments,
…). Each keeps its state in ecsflow's own dataclasses and exposes
``advance_to(now)``, which processes everything scheduled up to ``now``. Before a
request is served, the server calls ``SimContext.sync()`` under ``SimContext.lock``:
that moves the clock (in poll mode, when the request observes state) and advances
every machine. Machines then render their state onto moto's objects or answer the
request directly.

Clock modes (issue: "a client that polls more often must not make the cloud run faster"):

* ``poll``   - each *observing* request (DescribeServices, GetDeployment, …) moves the
               clock by ``poll_step`` seconds: tests say "completes after K describes".
* ``manual`` - the clock moves only through ``advance(seconds)`` (control plane).
* ``wall``   - simulated time = start + real elapsed time × ``speed``: the demo and the
               benchmarks, where polling faster must not make the cloud faster.

``advance()`` works in every mode.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

# 2026-01-01T00:00:00Z: every id and timestamp derives from the clock and counters, so a
# reset with the same seed repeats a run byte for byte.
DEFAULT_START = 1_767_225_600.0
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class ClockMode(StrEnum):
    POLL = "poll"
    MANUAL = "manual"
    WALL = "wall"


class SimClock:
    """Simulated epoch seconds."""

    def __init__(
        self,
        mode: ClockMode = ClockMode.POLL,
        *,
        start: float = DEFAULT_START,
        poll_step: float = 15.0,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mode = mode
        self.poll_step = poll_step
        self.speed = speed
        self._monotonic = monotonic
        self._start = start
        self._offset = 0.0  # seconds added by observe() and advance()
        self._wall_origin = monotonic()

    def now(self) -> float:
        base = self._start + self._offset
        if self.mode is ClockMode.WALL:
            base += (self._monotonic() - self._wall_origin) * self.speed
        return base

    def observe(self) -> None:
        """An observing request arrived: in poll mode, time moves by one poll step."""
        if self.mode is ClockMode.POLL:
            self._offset += self.poll_step

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._offset += seconds

    def reset(self, *, start: float | None = None) -> None:
        if start is not None:
            self._start = start
        self._offset = 0.0
        self._wall_origin = self._monotonic()


class Machine(Protocol):
    """Anything that changes over simulated time."""

    def advance_to(self, now: float) -> None: ...


@dataclass
class ServiceScenario:
    """How one ECS service behaves (defaults: everything healthy).

    Keys in ``Scenario.services`` are ``cluster/service``, ``service`` or ``*``.
    """

    task_start_seconds: float = 20.0  # PENDING -> RUNNING
    healthy_after_seconds: float = 10.0  # RUNNING -> counted healthy
    task_stop_seconds: float = 10.0  # draining/stopping old tasks
    fail_new_tasks: bool = False  # every new task of a new deployment fails to start
    fail_first_tasks: int = 0  # only the first N new tasks fail, then they start
    failure_reason: str = "Essential container in task exited"
    exit_code: int = 1
    log_lines: tuple[str, ...] = ()  # what a failing container "logged" (CloudWatch Logs)
    # stage / lifecycle event / hook name -> "SUCCEEDED" | "FAILED" | "manual" | "timeout"
    hook_results: dict[str, str] = field(default_factory=dict)
    # ECS native blue/green/linear/canary: how long each lifecycle stage without a wait of
    # its own (PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, ...) lasts.
    stage_seconds: float = 15.0


@dataclass
class OperationFaults:
    """Faults of the API itself (not of the workload), for the operations a pattern matches.

    Keys in ``Scenario.faults`` are fnmatch patterns over ``service:Operation`` names
    (``ecs:DescribeServices``, ``ecs:*``, ``*``); every matching rule applies, in key order.
    Counting is per rule and per operation: ``throttle_every: 3`` throttles the 3rd, 6th, …
    HTTP attempt of each matching operation.
    """

    throttle_every: int = 0  # every Nth attempt answers ThrottlingException / Throttling
    # token bucket (like ECS's API rate limits): ``rate`` tokens per simulated second,
    # ``burst`` tokens at most; an attempt with no token left is throttled.
    rate: float = 0.0
    burst: int = 0
    drop_every: int = 0  # every Nth attempt: the connection closes without a response
    drop_attempts: tuple[int, ...] = ()  # these attempt numbers (1-based) are dropped
    expired_every: int = 0  # every Nth attempt answers ExpiredTokenException / ExpiredToken
    expired_from: float | None = None  # simulated epoch seconds after which credentials expired


@dataclass
class Scenario:
    """Everything that can be set at start (scenario file) or through the control plane."""

    services: dict[str, ServiceScenario] = field(default_factory=dict)
    # Tasks whose image matches one of these fnmatch patterns fail to start, on any
    # service: how the demo (and any tool under test) deploys a "broken image".
    failing_images: list[str] = field(default_factory=lambda: ["*:broken*", "*broken*@sha256:*"])
    seed: int = 0
    faults: dict[str, OperationFaults] = field(default_factory=dict)

    def for_service(self, cluster: str, service: str) -> ServiceScenario:
        cluster_name = cluster.rsplit("/", 1)[-1]
        service_name = service.rsplit("/", 1)[-1]
        for key in (f"{cluster_name}/{service_name}", service_name, "*"):
            if key in self.services:
                return self.services[key]
        return ServiceScenario()


@dataclass
class SimContext:
    clock: SimClock = field(default_factory=SimClock)
    scenario: Scenario = field(default_factory=Scenario)
    account_id: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    lock: threading.RLock = field(default_factory=threading.RLock)
    machines: list[Machine] = field(default_factory=list)
    _counters: dict[str, int] = field(default_factory=dict)
    # Operations (``service:Operation``) that *observe* simulated state: in poll mode each
    # one moves the clock by one poll step. The ECS and CodeDeploy installers add theirs.
    observing_operations: set[str] = field(default_factory=set)
    # Recorded CodePipeline job results (PutJobSuccessResult / PutJobFailureResult).
    job_results: list[dict[str, Any]] = field(default_factory=list)
    # CodePipeline jobs a test made known (moto runs no actions): job id -> job ``data``.
    pipeline_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Callables returning pending lifecycle hooks (served by ``/_ecsflow/hooks``).
    hook_sources: list[Callable[[], list[dict[str, Any]]]] = field(default_factory=list)
    # Called (under the lock) by ``reset()``, after machines and counters are cleared.
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)
    # Machines registered while installing stay across resets; later ones are dropped.
    _installed_machines: int = 0

    def register(self, machine: Machine) -> None:
        self.machines.append(machine)

    def mark_installed(self) -> None:
        """Machines registered so far belong to the installers and survive ``reset()``."""
        with self.lock:
            self._installed_machines = len(self.machines)

    def on_reset(self, hook: Callable[[], None]) -> None:
        self.reset_hooks.append(hook)

    def pending_hooks(self) -> list[dict[str, Any]]:
        with self.lock:
            return [hook for source in self.hook_sources for hook in source()]

    def reset(self, *, scenario: Scenario | None = None, start: float | None = None) -> None:
        """Forget every simulated resource: machines, counters, job results, the clock.

        moto's own backends are reset by ``ecsflow.sim.install.reset_all``, which calls this.
        """
        with self.lock:
            del self.machines[self._installed_machines :]
            self._counters.clear()
            self.job_results.clear()
            self.pipeline_jobs.clear()
            if scenario is not None:
                self.scenario = scenario
            self.clock.reset(start=start)
            for hook in list(self.reset_hooks):
                hook()

    def sync(self, *, observing: bool = False) -> None:
        """Move the clock (if ``observing`` in poll mode) and bring every machine up to now."""
        with self.lock:
            if observing:
                self.clock.observe()
            now = self.clock.now()
            for machine in list(self.machines):
                machine.advance_to(now)

    def next_number(self, kind: str) -> int:
        """1, 2, 3, … per kind: the basis of deterministic ids."""
        with self.lock:
            n = self._counters.get(kind, 0) + 1
            self._counters[kind] = n
            return n

    def reset_counters(self) -> None:
        with self.lock:
            self._counters.clear()
