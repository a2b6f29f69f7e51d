"""Waiting that tells the truth: follow *our* deployments, all services of a run in one
batched poll, until each has exactly one outcome.

One ``poll_once`` makes ceil(N/10) DescribeServices calls per cluster for N services, so
calls per service fall as services grow. New service events are emitted once (dedupe by
event id; events older than the deployment are skipped). Throttling or a dropped
connection that outlasts botocore's retries skips one poll with a warning; it never
changes an outcome (only the deadline ends a wait). The interval is adaptive: fast while
a deployment starts and when it is nearly done (new tasks all running, old ones
stopping), then steady, then slower for long waits; sleeping is the injected clock's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecsflow.diff import Masker
from ecsflow.engines.diagnosis import Diagnoser
from ecsflow.engines.outcome import Verdict, judge, refine_with_service_deployment
from ecsflow.engines.strategy import JUDGES, NATIVE, Judge
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import AwsConnectionError, EcsflowError, ThrottledError
from ecsflow.events import (
    DeploymentFinished,
    DeploymentProgress,
    EventSink,
    Message,
    ServiceEventSeen,
    TaskStopped,
)
from ecsflow.model import DeploymentResult, Outcome, TaskFailure
from ecsflow.ports import Clock, EcsPort, ServiceDeploymentInfo, ServiceState

_TRANSIENT = (ThrottledError, AwsConnectionError)


@dataclass(frozen=True)
class PollPolicy:
    fast: float = 3.0  # while a deployment starts: the first events and counts show up quickly
    fast_period: float = 15.0
    finishing: float = 1.0  # new tasks all running, waiting for old ones to drain
    finishing_period: float = 60.0  # at most this long at the finishing rate (ELB drain can take 300 s)
    steady: float = 6.0
    slow: float = 10.0
    slow_after: float = 900.0


class RollingWaiter:
    def __init__(
        self,
        ecs: EcsPort,
        clock: Clock,
        sink: EventSink,
        diagnoser: Diagnoser,
        policy: PollPolicy | None = None,
        masker: Masker | None = None,
        judges: Mapping[str, Judge] | None = None,
    ) -> None:
        self.ecs = ecs
        # Judges bound to ports (engines.native), over the port-less ones of engines.strategy.
        self.judges: dict[str, Judge] = {**JUDGES, **(judges or {})}
        self.clock = clock
        self.sink = sink
        self.diagnoser = diagnoser
        self.policy = policy or PollPolicy()
        self.masker = masker or Masker()
        self.active: dict[str, Tracked] = {}
        self._finishing_since: dict[str, float] = {}

    def add(self, t: Tracked) -> None:
        self.active[t.key] = t

    def poll_once(self) -> list[DeploymentResult]:
        """One batched look at every followed deployment; returns those that ended."""
        by_cluster: dict[str, list[Tracked]] = {}
        for t in self.active.values():
            by_cluster.setdefault(t.cluster, []).append(t)
        finished: list[DeploymentResult] = []
        for cluster, group in by_cluster.items():
            try:
                states = self.ecs.describe_services(cluster, [t.service for t in group])
            except _TRANSIENT as exc:
                now = self.clock.now()
                self.sink(Message(now, None, f"{exc.message}; trying again at the next poll", "warning"))
                for t in group:
                    if now >= t.deadline:
                        finished.append(self._finish(t, None, Verdict(Outcome.TIMED_OUT, _timeout_reason(t, exc))))
                continue
            now = self.clock.now()
            for t in group:
                state = states.get(t.service)
                if state is None:
                    verdict: Verdict | None = Verdict(Outcome.FAILED, f"service {t.service} no longer exists")
                else:
                    self._observe(t, state)
                    verdict = self.judges.get(t.strategy, judge)(t, state, now)
                    if verdict is None and now >= t.deadline:
                        verdict = Verdict(Outcome.TIMED_OUT, _timeout_reason(t))
                if verdict is not None:
                    finished.append(self._finish(t, state, verdict))
        return finished

    def _observe(self, t: Tracked, state: ServiceState) -> None:
        fresh = [e for e in reversed(state.events) if e.id not in t.seen_events and e.created_at >= t.started_at - 1]
        for e in fresh:
            t.seen_events.add(e.id)
            self.sink(ServiceEventSeen(self.clock.now(), t.key, self.masker.scrub(e.message), e.created_at))
        ours = state.deployment(t.deployment_id)
        if ours is None:
            return
        if t.created_at is None and ours.created_at:
            t.created_at = ours.created_at
        snapshot = ours.snapshot()
        # Native strategies: the judge shows stages and traffic from the service deployment.
        if snapshot != t.last_snapshot and t.strategy not in NATIVE:
            t.last_snapshot = snapshot
            previous = next((d.snapshot() for d in state.deployments if d.id != ours.id), None)
            self.sink(DeploymentProgress(self.clock.now(), t.key, snapshot, previous))
        # Nearly done: all new tasks run and ECS has begun stopping the old ones (their running
        # count fell below desired); COMPLETED follows once they are gone (§6.4), so poll fast.
        others = [d for d in state.deployments if d.id != ours.id]
        nearly_done = (
            ours.rollout_state == "IN_PROGRESS"
            and ours.running >= ours.desired
            and ours.pending == 0
            and all(d.running < max(state.desired, 1) for d in others)
        )
        if nearly_done:
            self._finishing_since.setdefault(t.key, self.clock.now())
        else:
            self._finishing_since.pop(t.key, None)

    def _finish(self, t: Tracked, state: ServiceState | None, verdict: Verdict) -> DeploymentResult:
        self.active.pop(t.key, None)
        self._finishing_since.pop(t.key, None)
        failures: tuple[TaskFailure, ...] = ()
        notes = list(t.notes)
        refine = t.strategy not in NATIVE  # the native judge read the service deployment already
        if refine and verdict.outcome in (Outcome.FAILED, Outcome.ROLLED_BACK, Outcome.SUPERSEDED):
            verdict = refine_with_service_deployment(verdict, self._service_deployment(t))
        if verdict.outcome not in (Outcome.SUCCEEDED, Outcome.PAUSED, Outcome.REACHED):
            failures, extra = self.diagnoser.diagnose(t, state)
            notes += extra
            for f in failures:
                self.sink(TaskStopped(self.clock.now(), t.key, f))
        if verdict.outcome is Outcome.TIMED_OUT:
            notes += [
                "the deployment goes on in ECS; ecsflow only stopped waiting",
                f"keep waiting: ecsflow wait {t.key}   roll back: ecsflow rollback {t.key}",
            ]
        result = t.result(
            verdict.outcome,
            self.masker.scrub(verdict.reason),
            finished_at=self.clock.now(),
            failures=failures,
            notes=notes,
        )
        self.sink(DeploymentFinished(self.clock.now(), t.key, result))
        return result

    def _service_deployment(self, t: Tracked) -> ServiceDeploymentInfo | None:
        """Ours in the service deployments API ([uncertain]: the API does not carry the ecs-svc
        id, so creation times match them: the one closest to our deployment's createdAt, else
        the first created once UpdateService ran, else - attaching late - the newest)."""
        after = None if t.attached_late else t.started_at - 5
        try:
            found = self.ecs.service_deployments(t.cluster, t.service, created_after=after)
        except EcsflowError:
            return None
        if not found:
            return None
        if t.created_at is not None:
            created = t.created_at
            return min(found, key=lambda d: abs(d.created_at - created))
        if t.attached_late:
            return max(found, key=lambda d: d.created_at)
        return min(found, key=lambda d: d.created_at)

    def interrupt(self) -> list[DeploymentResult]:
        """Stop following every deployment; each goes on in ECS."""
        results = []
        now = self.clock.now()
        for t in list(self.active.values()):
            results.append(
                t.result(
                    Outcome.INTERRUPTED,
                    f"stopped waiting; {t.deployment_id} goes on in ECS",
                    finished_at=now,
                    notes=(f"attach again: ecsflow wait {t.key}   roll back: ecsflow rollback {t.key}",),
                )
            )
            self.sink(DeploymentFinished(now, t.key, results[-1]))
        self.active.clear()
        return results

    def next_interval(self) -> float:
        if not self.active:
            return 0.0
        p = self.policy
        now = self.clock.now()
        ages = [now - t.started_at for t in self.active.values()]
        if any(now - since < p.finishing_period for since in self._finishing_since.values()):
            interval = p.finishing
        elif min(ages) < p.fast_period:
            interval = p.fast
        elif min(ages) > p.slow_after:
            interval = p.slow
        else:
            interval = p.steady
        # A judge may say nothing can change for a while (a native deployment's bake time):
        # then poll no faster than that, when every followed deployment says so.
        quiet = [t.quiet_until for t in self.active.values()]
        if all(q is not None and q > now for q in quiet):
            interval = max(interval, min(q for q in quiet if q is not None) - now)
        until_deadline = min(t.deadline for t in self.active.values()) - now
        return max(min(interval, until_deadline), 0.0)


def _timeout_reason(t: Tracked, exc: EcsflowError | None = None) -> str:
    minutes = (t.deadline - t.started_at) / 60
    why = f" (the last poll failed: {exc.message})" if exc else ""
    return f"{t.deployment_id} did not finish within {minutes:.0f} minutes{why}"
