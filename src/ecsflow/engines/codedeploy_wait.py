"""Following CodeDeploy deployments: lifecycle events and traffic weights live, gates, one outcome each.

Per poll and deployment: one GetDeployment, plus one GetDeploymentTarget while lifecycle
events still move (not during the termination wait, where only the status changes). The
interval is 5 s while a deployment starts, 15 s after (the boto waiter's pace), 30 s while
production traffic shifts by a canary or linear configuration (weights move at most once
a minute), and during the termination wait it sleeps until the wait should end (at most
60 s at a time), then looks every 2 s.
Throttling or a dropped connection skips a poll with a warning; only the deadline ends a
wait. Credentials are refreshed by the adapter's session (aws/session.py) during long waits.

Stop points (``engines/gates.py``): ``--until`` returns once the point is reached; a
``--test-command`` runs there, then ``ContinueDeployment(READY_WAIT)`` when the group holds
the deployment at the ready wait (exit 0 at the end), or ``StopDeployment`` with
auto-rollback when the command fails (rolled back, exit 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ecsflow.diff import Masker
from ecsflow.engines.codedeploy_judge import judge, snapshot
from ecsflow.engines.gates import Gate, GateContext, StopPoint, TestCommand, run_gate
from ecsflow.engines.outcome import Verdict
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import AwsConnectionError, AwsError, EcsflowError, ThrottledError
from ecsflow.events import DeploymentFinished, DeploymentProgress, EventSink, Message, StageReached
from ecsflow.model import DeploymentResult, Outcome, TrafficWeights
from ecsflow.ports import Clock
from ecsflow.ports_codedeploy import CodeDeployDeployment, CodeDeployPort, DeploymentGroup, EcsTarget, target_id

_TRANSIENT = (ThrottledError, AwsConnectionError)
FAST, FAST_PERIOD, STEADY, SHIFTING, TERMINATION_WAIT, FINISHING = 5.0, 60.0, 15.0, 30.0, 60.0, 2.0
# LifecycleEventStatus -> the stage statuses the reporters share with ECS native stages.
_STATUS_WORDS = {"InProgress": "IN_PROGRESS", "Succeeded": "SUCCEEDED", "Failed": "FAILED", "Skipped": "SKIPPED"}


@dataclass
class _Progress:
    group: DeploymentGroup
    events: dict[str, str] = field(default_factory=dict)  # lifecycle event -> last status shown
    status: str | None = None
    gate_done: bool = False
    gate_passed: bool = False
    stopped_by_us: str | None = None
    continued: bool = False
    termination_wait: bool = False
    termination_ends: float | None = None  # when the termination wait should end (AfterAllowTraffic's end + wait)
    shifting: bool = False  # AllowTraffic in progress: weights move at most once a minute


def reached(point: StopPoint, d: CodeDeployDeployment, target: EcsTarget | None, *, ready_wait: bool = False) -> bool:
    """Whether the deployment reached ``point``; with ``ready_wait`` (the group holds deployments
    after test traffic) test traffic counts once the hold began (``Ready``) or was passed."""
    if d.status == "Succeeded":
        return True
    if d.final:
        return False
    if point is StopPoint.COMPLETE:
        return False
    if d.termination_wait_started:
        return True  # production is on green and the original task set waits for termination
    if point is StopPoint.BAKE:
        return False
    if point is StopPoint.TEST_TRAFFIC and d.status == "Ready":
        return True
    event = "AfterAllowTestTraffic" if point is StopPoint.TEST_TRAFFIC else "AfterAllowTraffic"
    found = target.event(event) if target else None
    done = found is not None and found.status == "Succeeded"
    if done and ready_wait and point is StopPoint.TEST_TRAFFIC:
        # GetDeployment may lag the target by a moment: test traffic is on green, the hold
        # (Ready) comes next. Run gates at the hold, not just before it.
        after = target.event("BeforeAllowTraffic") if target else None
        return after is not None and after.status != "Pending"
    return done


class CodeDeployWaiter:
    def __init__(
        self,
        codedeploy: CodeDeployPort,
        clock: Clock,
        sink: EventSink,
        groups: Mapping[str, DeploymentGroup],
        *,
        gate: Gate | None = None,
        runner: TestCommand | None = None,
        masker: Masker | None = None,
    ) -> None:
        self.codedeploy = codedeploy
        self.clock = clock
        self.sink = sink
        self.groups = dict(groups)
        self.gate = gate or Gate()
        self.runner = runner
        self.masker = masker or Masker()
        self.active: dict[str, Tracked] = {}
        self._progress: dict[str, _Progress] = {}

    def add(self, t: Tracked) -> None:
        self.active[t.key] = t
        self._progress[t.key] = _Progress(self.groups[t.key])

    def poll_once(self) -> list[DeploymentResult]:
        finished: list[DeploymentResult] = []
        for t in list(self.active.values()):
            p = self._progress[t.key]
            try:
                d = self.codedeploy.get_deployment(t.deployment_id)
                target = None
                # Lifecycle events and weights stop moving once the termination wait began: one
                # last read shows production at 100 %, then GetDeployment alone until the end.
                if not d.termination_wait_started or not p.termination_wait or (d.final and d.status != "Succeeded"):
                    target = self.codedeploy.get_target(t.deployment_id, target_id(t.cluster, t.service))
            except _TRANSIENT as exc:
                now = self.clock.now()
                self.sink(Message(now, t.key, f"{exc.message}; trying again at the next poll", "warning"))
                if now >= t.deadline:
                    finished.append(self._finish(t, Verdict(Outcome.TIMED_OUT, _timeout_reason(t, exc))))
                continue
            self._observe(t, p, d, target)
            verdict = self._gate(t, p, d, target)
            if verdict is None:
                verdict = self._judge(t, p, d, target)
            if verdict is None and self.clock.now() >= t.deadline:
                verdict = Verdict(Outcome.TIMED_OUT, _timeout_reason(t))
            if verdict is not None:
                finished.append(self._finish(t, verdict, d))
        return finished

    def _observe(self, t: Tracked, p: _Progress, d: CodeDeployDeployment, target: EcsTarget | None) -> None:
        now = self.clock.now()
        if target is not None:
            for e in target.lifecycle_events:
                if e.status != "Pending" and p.events.get(e.name) != e.status:
                    p.events[e.name] = e.status
                    self.sink(StageReached(now, t.key, e.name, _STATUS_WORDS.get(e.status, e.status.upper())))
        if target is not None:
            allow = target.event("AllowTraffic")
            p.shifting = allow is not None and allow.status == "InProgress"
        if d.termination_wait_started and not p.termination_wait and not d.final:
            p.termination_wait = True
            minutes = p.group.termination_wait_minutes
            after = target.event("AfterAllowTraffic") if target else None
            began = after.ended_at if after is not None and after.ended_at else now
            p.termination_ends = began + minutes * 60.0
            self.sink(StageReached(now, t.key, "termination wait", "IN_PROGRESS"))
            self.sink(
                Message(
                    now,
                    t.key,
                    f"production is on the new revision; the original task set is "
                    f"terminated after {minutes} min (`ecsflow continue {t.key}` ends the wait now)",
                )
            )
        snap = snapshot(d, target, t.task_definition, test=p.group.test_listener)
        if target is None and t.last_snapshot is not None:
            # Between target reads (termination wait) keep the last counts and weights.
            last = t.last_snapshot
            traffic = last.traffic
            if d.status == "Succeeded":
                traffic = TrafficWeights(production=100.0, test=last.traffic.test)
            snap = replace(last, status=snap.status, stage=snap.stage, traffic=traffic)
        if snap != t.last_snapshot:
            t.last_snapshot = snap
            self.sink(DeploymentProgress(now, t.key, snap))
        if d.status != p.status:
            p.status = d.status
            if p.termination_wait and d.final:
                self.sink(
                    StageReached(now, t.key, "termination wait", "SUCCEEDED" if d.status == "Succeeded" else "STOPPED")
                )

    def _gate(self, t: Tracked, p: _Progress, d: CodeDeployDeployment, target: EcsTarget | None) -> Verdict | None:
        gate = t.gate or self.gate
        point = gate.point
        if gate.test_command and not p.gate_done and d.final:
            # Ended before a poll saw the gate's point (only possible without a ready wait):
            # say so rather than let a success look tested.
            p.gate_done = True
            t.notes.append(f"the test command did not run: {d.id} ended before ecsflow saw {point}")
        if p.gate_passed and not p.continued and d.status == "Ready":
            self._continue(t, p)  # the test passed just before the hold began
        ready_wait = p.group.manual_ready_wait
        if point is None or p.stopped_by_us or d.final or not reached(point, d, target, ready_wait=ready_wait):
            return None
        if gate.test_command and not p.gate_done:
            p.gate_done = True
            if self.runner is None:
                return Verdict(Outcome.FAILED, "a test command was given but this engine has no command runner")
            context = GateContext(
                service=t.key,
                cluster=t.cluster,
                ecs_service=t.service,
                deployment_id=t.deployment_id,
                point=point,
                task_definition=t.task_definition,
                test_listener=p.group.test_listener_arn,
                test_target_group=_green_group(target),
                test_url=self.codedeploy.listener_url(p.group.test_listener_arn) if p.group.test_listener_arn else None,
            )
            if not ready_wait and point is StopPoint.TEST_TRAFFIC:
                self.sink(
                    Message(
                        self.clock.now(),
                        t.key,
                        "the deployment group has no ready wait (actionOnTimeout CONTINUE_DEPLOYMENT): production "
                        "traffic may shift while the test command runs; a failure still rolls it back",
                        "warning",
                    )
                )
            result = run_gate(
                self.runner,
                gate.test_command,
                context,
                sink=self.sink,
                clock=self.clock,
                masker=self.masker,
                timeout=max(t.deadline - self.clock.now(), 1.0),  # the command may use the deployment's time
            )
            if not result.passed:
                p.stopped_by_us = result.summary
                self.sink(
                    Message(
                        self.clock.now(), t.key, f"{result.summary}: stopping {t.deployment_id} with rollback", "error"
                    )
                )
                try:
                    self.codedeploy.stop_deployment(t.deployment_id, auto_rollback=True)
                except AwsError as exc:  # ended meanwhile (DeploymentAlreadyCompleted…): judged below
                    self.sink(Message(self.clock.now(), t.key, f"could not stop it: {exc.message}", "warning"))
                return None
            self.sink(Message(self.clock.now(), t.key, result.summary))
            p.gate_passed = True
            if d.status == "Ready":
                self._continue(t, p)
            if gate.until is None or gate.until is StopPoint.COMPLETE or gate.until is StopPoint.BAKE:
                return None
            return Verdict(Outcome.REACHED, f"{gate.until.words}; the test command passed and the deployment goes on")
        until = gate.until
        if until is None or until is StopPoint.COMPLETE or (p.continued and until is StopPoint.TEST_TRAFFIC):
            return None
        if not reached(until, d, target, ready_wait=ready_wait):
            return None
        # Reached, exit 0, as for every strategy (engines/gates.py); the notes say what waits.
        # (A ready wait met *without* --until is "paused": the group's own hold, judged below.)
        held = d.status == "Ready"
        return Verdict(Outcome.REACHED, f"{until.words} ({t.deployment_id} {'waits' if held else 'goes on'})")

    def _continue(self, t: Tracked, p: _Progress) -> None:
        try:
            self.codedeploy.continue_deployment(t.deployment_id, "READY_WAIT")
        except AwsError as exc:  # stopped or continued by someone else meanwhile: judged below
            self.sink(Message(self.clock.now(), t.key, f"could not continue it: {exc.message}", "warning"))
        else:
            p.continued = True
            self.sink(Message(self.clock.now(), t.key, f"continued {t.deployment_id}: production traffic shifts"))

    def _judge(self, t: Tracked, p: _Progress, d: CodeDeployDeployment, target: EcsTarget | None) -> Verdict | None:
        if d.status == "Ready" and (p.continued or p.stopped_by_us):
            return None  # our ContinueDeployment or StopDeployment is on its way
        superseded_by = None
        if d.status == "Stopped" and not p.stopped_by_us and d.error_code in (None, "MANUAL_STOP"):
            try:
                group = self.codedeploy.get_deployment_group(p.group.application, p.group.name)
                if group.last_attempted and group.last_attempted != d.id:
                    superseded_by = group.last_attempted
            except EcsflowError:
                pass
        return judge(
            d,
            target,
            auto_rollback=p.group.auto_rollback,
            stopped_by_us=p.stopped_by_us,
            superseded_by=superseded_by,
        )

    def _finish(self, t: Tracked, verdict: Verdict, d: CodeDeployDeployment | None = None) -> DeploymentResult:
        self.active.pop(t.key, None)
        p = self._progress.pop(t.key, None)
        notes = list(t.notes)
        if verdict.outcome is Outcome.PAUSED:
            notes.append(f"continue: ecsflow continue {t.key}   roll back: ecsflow rollback {t.key}")
            group = p.group if p else None
            if d is not None and d.status == "Ready" and group is not None and group.ready_wait_minutes:
                notes.append(
                    f"without a continue, CodeDeploy stops {t.deployment_id} {group.ready_wait_minutes} min "
                    "after the ready wait began"
                )
        elif verdict.outcome is Outcome.REACHED and d is not None and d.status == "Ready":
            notes.append(f"it waits at the ready wait: ecsflow continue {t.key}   roll back: ecsflow rollback {t.key}")
        elif verdict.outcome is Outcome.REACHED and d is not None and d.termination_wait_started and not d.final:
            notes.append(
                f"the original task set is terminated when the termination wait ends: ecsflow continue {t.key} "
                f"ends it now, ecsflow rollback {t.key} moves traffic back, ecsflow wait {t.key} follows it"
            )
        elif verdict.outcome is Outcome.REACHED:
            notes.append(
                f"{t.deployment_id} goes on in CodeDeploy: ecsflow wait {t.key}   roll back: ecsflow rollback {t.key}"
            )
        elif verdict.outcome is Outcome.TIMED_OUT:
            notes += [
                "the deployment goes on in CodeDeploy; ecsflow only stopped waiting",
                f"roll back: ecsflow rollback {t.key}",
            ]
        if d is not None and verdict.outcome in (Outcome.FAILED, Outcome.ROLLED_BACK):
            notes += [self.masker.scrub(m) for m in d.status_messages]
        result = t.result(
            verdict.outcome, self.masker.scrub(verdict.reason), finished_at=self.clock.now(), notes=dict.fromkeys(notes)
        )
        self.sink(DeploymentFinished(self.clock.now(), t.key, result))
        return result

    def interrupt(self) -> list[DeploymentResult]:
        results = []
        now = self.clock.now()
        for t in list(self.active.values()):
            result = t.result(
                Outcome.INTERRUPTED,
                f"stopped waiting; {t.deployment_id} goes on in CodeDeploy",
                finished_at=now,
                notes=(f"roll back: ecsflow rollback {t.key}",),
            )
            self.sink(DeploymentFinished(now, t.key, result))
            results.append(result)
        self.active.clear()
        self._progress.clear()
        return results

    def next_interval(self) -> float:
        if not self.active:
            return 0.0
        now = self.clock.now()
        intervals = []
        for t in self.active.values():
            p = self._progress[t.key]
            if now - t.started_at < FAST_PERIOD:
                intervals.append(FAST)
            elif p.termination_wait and p.termination_ends is not None:
                # Nothing to show until the wait ends: sleep to its end (at most a minute at a
                # time, for a continue or stop by someone else), then look again quickly.
                left = p.termination_ends - now
                intervals.append(min(left, TERMINATION_WAIT) if left > FINISHING else FINISHING)
            elif self._gate_pending(t, p):
                intervals.append(FAST)  # nothing holds the deployment at the gate: do not miss it
            elif p.shifting:
                intervals.append(SHIFTING)
            else:
                intervals.append(STEADY)
        until_deadline = min(t.deadline for t in self.active.values()) - now
        return max(min(*intervals, until_deadline), 0.0)

    def _gate_pending(self, t: Tracked, p: _Progress) -> bool:
        gate = t.gate or self.gate
        return bool(gate.test_command) and not p.gate_done and not p.group.manual_ready_wait


def _green_group(target: EcsTarget | None) -> str | None:
    green = target.task_set("Green") if target else None
    return green.target_group if green else None


def _timeout_reason(t: Tracked, exc: EcsflowError | None = None) -> str:
    minutes = (t.deadline - t.started_at) / 60
    why = f" (the last poll failed: {exc.message})" if exc else ""
    return f"{t.deployment_id} did not finish within {minutes:.0f} minutes{why}"
