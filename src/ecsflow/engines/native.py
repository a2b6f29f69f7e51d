"""The judge of ECS-native BLUE_GREEN / LINEAR / CANARY deployments (AWS-SEMANTICS.md §7).

It follows *our* service deployment (the ARN UpdateService returned as
``currentServiceDeployment``) through DescribeServiceDeployments on every poll: lifecycle
stage, production and test traffic on green, hook statuses and the bake time, shown live
as ``StageReached`` / ``DeploymentProgress`` / ``Message`` events. It never falls back to
"services stable", which passes only after the whole bake (or after a rollback).

Outcomes, from the service deployment's status (§6.6) and its hooks (§7.3, §7.4):

* SUCCEEDED    - ``SUCCESSFUL``.
* ROLLED_BACK  - ``ROLLBACK_SUCCESSFUL``; the reason names the failing hook, the stop, the
  circuit breaker, the alarm or ecsflow's own gate.
* FAILED       - ``ROLLBACK_FAILED``, or ``STOPPED`` without a rollback.
* SUPERSEDED   - ``STOPPED`` because a newer service deployment replaced ours.
* PAUSED       - a PAUSE hook of the service's own configuration waits (``AWAITING_ACTION``).
* REACHED      - the ``--until`` stop point was reached (the deployment is held at ecsflow's
  PAUSE hook, or goes on for ``bake``).
* TIMED_OUT    - decided by the waiter at the deadline, which is derived from the deployment's
  own settings (``timeouts.native_timeout``) once its configuration is known.

At a ``--test-command`` gate the judge runs the command, then continues the deployment
(ContinueServiceDeployment CONTINUE) or rolls it back (ContinueServiceDeployment ROLLBACK),
and keeps following it.
"""

from __future__ import annotations

import time

from ecsflow.diff import Masker
from ecsflow.engines.gates import NATIVE_STAGES, PAUSE_STAGES, GateContext, StopPoint, TestCommand, run_gate
from ecsflow.engines.native_setup import without_gates
from ecsflow.engines.outcome import Verdict, judge, short_td
from ecsflow.engines.timeouts import native_timeout
from ecsflow.engines.tracking import Tracked
from ecsflow.events import DeploymentProgress, EventSink, Message, StageReached
from ecsflow.lifecycle import (
    ROLLING_BACK,
    STAGES,
    NativeDeployment,
    ServiceDeploymentPort,
    stage_index,
)
from ecsflow.model import DeploymentSnapshot, Outcome, TrafficWeights
from ecsflow.ports import Clock, ServiceState

BAKE_POLL = 30.0  # seconds between polls during a bake time (AWS-SEMANTICS §7.2: nothing shifts then)


def continue_commands(key: str) -> str:
    return f"continue: ecsflow continue {key}   roll back: ecsflow rollback {key}"


class NativeJudge:
    """A strategy judge (``engines.strategy.Judge``) bound to the ports it needs."""

    def __init__(
        self,
        port: ServiceDeploymentPort,
        clock: Clock,
        sink: EventSink,
        *,
        tests: TestCommand | None = None,
        masker: Masker | None = None,
    ) -> None:
        self.port = port
        self.clock = clock
        self.sink = sink
        self.tests = tests
        self.masker = masker or Masker()

    def __call__(self, t: Tracked, state: ServiceState, now: float) -> Verdict | None:
        if state.status in ("DRAINING", "INACTIVE"):
            return Verdict(Outcome.FAILED, f"the service is {state.status} (being deleted)")
        if t.service_deployment_arn is None and t.attached_late:
            # Attached by an ecs-svc id no longer listed: judged from what replaced it.
            return judge(t, state, now)
        if t.service_deployment_arn is None:
            # Attached to a deployment started elsewhere: the service names its current one.
            t.service_deployment_arn = state.current_service_deployment
        if t.service_deployment_arn is None:
            return None
        d = self.port.describe_native(t.service_deployment_arn)
        if d is None:
            return None
        self._show(t, d)
        self._quiet(t, d, now)
        if t.timeout_derived:
            # The deployment's own configuration is known now: bake, steps, hook timeouts.
            t.deadline = t.started_at + native_timeout(d.settings, state.health_check_grace_seconds)
            t.timeout_derived = False
        return self._decide(t, d, state)

    # --- what the user sees ---------------------------------------------------------
    def _show(self, t: Tracked, d: NativeDeployment) -> None:
        now = self.clock.now()
        stage = d.lifecycle_stage
        previous = t.native_seen[0] if t.native_seen else None
        if stage and stage != previous:
            # Stages run in a fixed order (§7.2): those passed between two polls happened too.
            first = stage_index(str(previous)) + 1 if previous else STAGES.index("PRE_SCALE_UP")
            for skipped in STAGES[first : stage_index(stage)] if not _rolled_back(d) else ():
                self.sink(StageReached(now, t.key, skipped, "IN_PROGRESS"))
            self.sink(StageReached(now, t.key, stage, "IN_PROGRESS"))
        seen = (stage, d.production_weight, d.test_weight, (d.requested, d.running, d.pending), d.status)
        if t.native_seen != seen:
            t.native_seen = seen
            snapshot = DeploymentSnapshot(
                deployment_id=t.deployment_id,
                status=d.status,
                task_definition=t.task_definition,
                desired=d.requested,
                running=d.running,
                pending=d.pending,
                stage=stage,
                traffic=TrafficWeights(production=d.production_weight, test=d.test_weight),
            )
            self.sink(DeploymentProgress(now, t.key, snapshot))
        for hook in d.hooks:
            if t.hooks_seen.get(hook.hook_id) != hook.status:
                t.hooks_seen[hook.hook_id] = hook.status
                where = f" at {hook.stage}" if hook.stage else ""
                name = _hook_name(hook.target_type, hook.target_arn)
                self.sink(Message(now, t.key, f"{name}{where}: {hook.status}"))

    def _quiet(self, t: Tracked, d: NativeDeployment, now: float) -> None:
        """During BAKE_TIME nothing changes unless something rolls it back: poll every
        ``BAKE_POLL`` seconds (a rollback is still seen within that), fast again near its end."""
        t.quiet_until = None
        if d.lifecycle_stage != "BAKE_TIME" or d.status != "IN_PROGRESS":
            t.bake_seen_at = None
            return
        if t.bake_seen_at is None:
            t.bake_seen_at = now
        ends = t.bake_seen_at + d.settings.bake_minutes * 60.0
        if ends - now > 2 * BAKE_POLL:
            t.quiet_until = min(now + BAKE_POLL, ends - BAKE_POLL)

    # --- the outcome ----------------------------------------------------------------
    def _decide(self, t: Tracked, d: NativeDeployment, state: ServiceState) -> Verdict | None:
        if d.status == "SUCCESSFUL":
            if t.gate and t.gate.test_command and not t.gate_ran:
                t.notes.append("the test command did not run: the deployment completed before ecsflow saw its gate")
            return Verdict(Outcome.SUCCEEDED, f"production traffic is on {short_td(t.task_definition)}; blue removed")
        if d.status == "ROLLBACK_SUCCESSFUL":
            return Verdict(Outcome.ROLLED_BACK, self._rollback_reason(t, d, state))
        if d.status == "ROLLBACK_FAILED":
            return Verdict(Outcome.FAILED, f"the rollback failed too: {d.status_reason or d.rollback_reason or '?'}")
        if d.status == "STOPPED":
            newer = state.current_service_deployment not in (None, d.arn)
            if newer or "supersed" in (d.status_reason or "").lower():
                return Verdict(Outcome.SUPERSEDED, f"a newer service deployment replaced ours: {d.status_reason}")
            return Verdict(Outcome.FAILED, f"ECS stopped the deployment without a rollback: {d.status_reason}")
        if d.status in ROLLING_BACK or d.status == "STOP_REQUESTED":
            return None
        return self._stop_points(t, d, state)

    def _rollback_reason(self, t: Tracked, d: NativeDeployment, state: ServiceState) -> str:
        back = f"traffic is back on {short_td(state.task_definition)}"
        if t.gate_failure:
            return f"{t.gate_failure}; ecsflow rolled back: {back}"
        failed = [h for h in d.hooks if h.status in ("FAILED", "TIMED_OUT")]
        reason = d.rollback_reason or d.status_reason or "rolled back"
        if failed:
            hook = failed[0]
            what = "timed out" if hook.status == "TIMED_OUT" else "failed"
            return f"lifecycle {_hook_name(hook.target_type, hook.target_arn)} {what} ({reason}); {back}"
        if d.triggered_alarms:
            return f"alarm {', '.join(d.triggered_alarms)} ({reason}); {back}"
        return f"{reason}; {back}"

    def _stop_points(self, t: Tracked, d: NativeDeployment, state: ServiceState) -> Verdict | None:
        gate = t.gate
        point = gate.point if gate else None
        awaiting = d.awaiting()
        # Held at the gate's stage: by ecsflow's PAUSE hook, or by the user's own PAUSE hook on
        # that stage (native_setup adds none then), which the gate adopts.
        ours = point is not None and point in PAUSE_STAGES and d.lifecycle_stage == PAUSE_STAGES[point]
        if awaiting and ours:
            assert gate is not None and point is not None
            if gate.test_command and not t.gate_ran:
                self._run_gate(t, d, point, gate.test_command, held=True)
                return None
            if not gate.test_command:
                t.notes.append(f"held by ecsflow's PAUSE hook at {d.lifecycle_stage}; {continue_commands(t.key)}")
                return Verdict(Outcome.REACHED, f"{point.words} ({d.lifecycle_stage}); the deployment waits for you")
        passed = point is not None and stage_index(d.lifecycle_stage) > stage_index(NATIVE_STAGES[point])
        if passed and gate and gate.test_command and not t.gate_ran and d.lifecycle_stage != "CLEAN_UP":
            # Nothing held the deployment at the gate (a hook configuration changed meanwhile):
            # test now, while blue still runs and a rollback is instant (§7.5).
            assert point is not None
            stage = NATIVE_STAGES[point]
            warning = f"the deployment did not wait at {stage}: testing now"
            self.sink(Message(self.clock.now(), t.key, warning, "warning"))
            self._run_gate(t, d, point, gate.test_command, held=False)
            return None
        if awaiting and not (ours and t.gate_ran):
            hook = awaiting[0]
            until = _clock(hook.expires_at)
            action = (hook.timeout_action or "ROLLBACK").lower()
            t.notes.append(continue_commands(t.key))
            return Verdict(
                Outcome.PAUSED,
                f"paused at {d.lifecycle_stage} by PAUSE hook {hook.hook_id}; ECS waits for you"
                + (f" until {until}, then it will {action}" if until else ""),
            )
        until = gate.until if gate and not gate.test_command else None
        if until in NATIVE_STAGES and stage_index(d.lifecycle_stage) >= stage_index(NATIVE_STAGES[until]):
            assert until is not None
            if until is StopPoint.BAKE:
                minutes = d.settings.bake_minutes
                t.notes.append(
                    f"the bake goes on ({minutes} min) and ECS then removes the old revision by itself; "
                    f"until then `ecsflow rollback {t.key}` returns traffic to it at once"
                )
            else:
                t.notes.append(f"the deployment goes on; {continue_commands(t.key)}")
            return Verdict(Outcome.REACHED, f"{until.words} ({d.lifecycle_stage})")
        return None

    def _run_gate(self, t: Tracked, d: NativeDeployment, point: StopPoint, command: str, *, held: bool) -> None:
        """Run the test command; ``held``: the deployment waits at the gate's PAUSE hook(s), which
        are continued or rolled back; else (it went on) a failure stops it with a rollback."""
        t.gate_ran = True
        listener = next(iter(_listeners(self.port, t)), None)
        context = GateContext(
            service=t.key,
            cluster=t.cluster,
            ecs_service=t.service,
            deployment_id=t.deployment_id,
            point=point,
            task_definition=t.task_definition,
            test_listener=listener,
            test_url=self.port.listener_url(listener) if listener else None,
        )
        runner = self.tests
        if runner is None:
            from ecsflow.errors import InternalError

            raise InternalError("a --test-command gate was reached but no test command runner was configured")
        remaining = max(t.deadline - self.clock.now(), 60.0)
        result = run_gate(
            runner, command, context, sink=self.sink, clock=self.clock, masker=self.masker, timeout=remaining
        )
        remove_gates(self.port, t.cluster, t.service)
        now = self.clock.now()
        action = "CONTINUE" if result.passed else "ROLLBACK"
        if result.passed:
            self.sink(Message(now, t.key, f"{result.summary}: continuing the deployment"))
        else:
            t.gate_failure = result.summary
            self.sink(Message(now, t.key, f"{result.summary}: rolling the deployment back", "error"))
        if held:
            for hook in d.awaiting():
                self.port.continue_hook(d.arn, hook.hook_id, action)
        elif not result.passed:
            self.port.stop(d.arn, "ROLLBACK")  # blue still runs until CLEAN_UP: the rollback is instant


def remove_gates(port: ServiceDeploymentPort, cluster: str, service: str) -> bool:
    """Take ecsflow's PAUSE hooks out of the service's configuration (the user's own stay).
    Assumed (AWS does not say): a hook execution already waiting is not cancelled by this;
    ContinueServiceDeployment still releases it. Returns whether anything changed."""
    live = port.native_service(cluster, service)
    if live is None:
        return False
    hooks = live.raw_configuration.get("lifecycleHooks") or []
    kept = without_gates(hooks)
    if len(kept) == len(hooks):
        return False
    port.configure(cluster, service, {"lifecycleHooks": kept})
    return True


def _listeners(port: ServiceDeploymentPort, t: Tracked) -> list[str]:
    """The test listener rules (ALB) or listeners (NLB) of the service's load balancers."""
    live = port.native_service(t.cluster, t.service)
    if live is None:
        return []
    return [lb.test_listener_rule for lb in live.listeners if lb.test_listener_rule]


def _rolled_back(d: NativeDeployment) -> bool:
    return d.status.startswith("ROLLBACK")


def _hook_name(target_type: str, target_arn: str | None) -> str:
    if target_type == "PAUSE":
        return "PAUSE hook"
    return f"hook {(target_arn or '?').rsplit(':', 1)[-1]}"


def _clock(at: float | None) -> str | None:
    if not at:
        return None
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))
