"""Several services in one run: ordered groups, a concurrency limit, fail-fast or keep-going.

One thread does it all: it starts deployments while fewer than ``concurrency`` are in
flight, and one shared ``RollingWaiter`` polls every in-flight service in batches. This
replaces one thread per service (the first design): the poll is shared by construction,
runs are deterministic under a fake clock, and Ctrl-C lands in one place.

Groups run in order; a later group starts only when every service of the earlier groups
succeeded (``after:`` is a dependency). Within a group, ``fail_fast`` stops starting new
services after the first bad outcome; in-flight ones are still followed to their outcome
(they are already changing AWS, and their truth matters). Skipped services get outcome
NOT_STARTED with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ecsflow.engines.executor import Executor
from ecsflow.engines.gates import Gate
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import EcsflowError
from ecsflow.events import DeploymentFinished, EventSink, Message
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.plan import DeployPlan, ServicePlan
from ecsflow.ports import Clock


@dataclass(frozen=True)
class RunOptions:
    concurrency: int = 4
    fail_fast: bool = True
    wait: bool = True
    gate: Gate | None = None  # --until / --test-command: where blue/green deployments stop (engines/gates.py)
    deployment_config: str | None = None  # --deployment-config: a CodeDeploy deployment configuration for this run


class Waiter(Protocol):
    """What the orchestrator needs of a waiter (``RollingWaiter``, or ``engines.codedeploy.MixedWaiter``)."""

    @property
    def active(self) -> Mapping[str, Tracked]: ...

    def add(self, t: Tracked) -> None: ...

    def poll_once(self) -> list[DeploymentResult]: ...

    def next_interval(self) -> float: ...

    def interrupt(self) -> list[DeploymentResult]: ...


class Orchestrator:
    def __init__(self, executor: Executor, waiter: Waiter, clock: Clock, sink: EventSink) -> None:
        self.executor = executor
        self.waiter = waiter
        self.clock = clock
        self.sink = sink

    def run(self, plan: DeployPlan, options: RunOptions) -> list[DeploymentResult]:
        results: dict[str, DeploymentResult] = {}
        stop_reason: str | None = None
        try:
            for group in plan.groups:
                if stop_reason is None:
                    stop_reason = self._group(plan, group, options, results)
                else:
                    for key in group:
                        results[key] = self._skipped(key, stop_reason)
        except EcsflowError as exc:
            # AWS stopped answering for good (access lost, …) while deployments run: say so.
            running = sorted(self.waiter.active)
            if running:
                attach = f"the deployments of {', '.join(running)} go on in ECS: attach with `ecsflow wait`"
                exc.hint = f"{exc.hint}; {attach}" if exc.hint else attach
            raise
        except KeyboardInterrupt:
            for key, t in self.executor.started.items():
                if key not in results and key not in self.waiter.active:
                    self.waiter.add(t)  # started, but the interrupt came before the wait began
            for r in self.waiter.interrupt():
                results[r.service] = r
            for p in plan.services:
                if p.key not in results:
                    results[p.key] = self._skipped(p.key, "interrupted before it started", Outcome.INTERRUPTED)
            self.sink(
                Message(
                    self.clock.now(),
                    None,
                    "interrupted: deployments already started go on in ECS. "
                    "Attach again with `ecsflow wait <service>` or roll back with `ecsflow rollback <service>`.",
                    "warning",
                )
            )
        return [results[p.key] for p in plan.services if p.key in results]

    def _group(
        self, plan: DeployPlan, group: tuple[str, ...], options: RunOptions, results: dict[str, DeploymentResult]
    ) -> str | None:
        queue = [plan.service(k) for k in group]
        failed: str | None = None
        while queue or self.waiter.active:
            while queue and len(self.waiter.active) < options.concurrency:
                p = queue.pop(0)
                if failed is not None and options.fail_fast:
                    results[p.key] = self._skipped(p.key, f"{failed} did not succeed (fail-fast)")
                    continue
                result = self._start(plan, p, options)
                if result is not None:
                    results[p.key] = result
                    if not result.outcome.ok:
                        failed = failed or p.key
            if not self.waiter.active:
                continue
            for r in self.waiter.poll_once():
                results[r.service] = r
                if not r.outcome.ok:
                    failed = failed or r.service
            if self.waiter.active:
                self.clock.sleep(self.waiter.next_interval())
        return f"{failed} did not succeed" if failed else None

    def _start(self, plan: DeployPlan, p: ServicePlan, options: RunOptions) -> DeploymentResult | None:
        sharing = [s.key for s in plan.services if s.shared_with == p.key]
        try:
            started = self.executor.start(p, sharing)
        except EcsflowError as exc:
            result = DeploymentResult(
                service=p.key,
                outcome=Outcome.FAILED,
                reason=exc.message,
                previous_task_definition_arn=p.current,
                started_at=self.clock.now(),
                finished_at=self.clock.now(),
                notes=(exc.hint,) if exc.hint else (),
            )
            self.sink(DeploymentFinished(self.clock.now(), p.key, result))
            return result
        if isinstance(started, DeploymentResult):
            self.sink(DeploymentFinished(self.clock.now(), p.key, started))
            return started
        if not options.wait:
            return self._detached(started)
        started.gate = options.gate
        self.waiter.add(started)
        return None

    def _detached(self, t: Tracked) -> DeploymentResult:
        result = t.result(
            Outcome.NOT_STARTED,
            f"started {t.deployment_id}; not waited for (--no-wait)",
            finished_at=None,
            notes=(f"attach: ecsflow wait {t.key}",),
        )
        self.sink(DeploymentFinished(self.clock.now(), t.key, result))
        return result

    def _skipped(self, key: str, why: str, outcome: Outcome = Outcome.NOT_STARTED) -> DeploymentResult:
        result = DeploymentResult(service=key, outcome=outcome, reason=f"not started: {why}")
        self.sink(DeploymentFinished(self.clock.now(), key, result))
        return result

    def follow(self, tracked: list[Tracked]) -> list[DeploymentResult]:
        """Wait for deployments started elsewhere (``ecsflow wait``); Ctrl-C gives INTERRUPTED."""
        results: list[DeploymentResult] = []
        for t in tracked:
            self.waiter.add(t)
        try:
            while self.waiter.active:
                results += self.waiter.poll_once()
                if self.waiter.active:
                    self.clock.sleep(self.waiter.next_interval())
        except KeyboardInterrupt:
            results += self.waiter.interrupt()
            self.sink(
                Message(
                    self.clock.now(),
                    None,
                    "interrupted: the deployments go on in ECS; run `ecsflow wait` again to attach",
                    "warning",
                )
            )
        order = {t.key: i for i, t in enumerate(tracked)}
        return sorted(results, key=lambda r: order.get(r.service, 0))
