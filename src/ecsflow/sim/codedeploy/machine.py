"""One CodeDeploy ECS blue/green deployment as a state machine over simulated time.

Pure: no moto, no clock of its own. ``advance_to(now)`` processes everything that is
due up to ``now`` and stamps each change with the simulated moment it happened, so a
client polling rarely sees the same history as one polling often. Side effects on ECS
and ELBv2 go through ``Effects`` (the moto adapter in production, a recorder in tests).

Order and meaning of the lifecycle events follow "Deployments on an Amazon ECS compute
platform" and the AppSpec hooks reference (AWS-SEMANTICS 4.2); statuses follow the API
model's ``DeploymentStatus`` and ``LifecycleEventStatus``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ecsflow.sim.codedeploy.errors import error
from ecsflow.sim.codedeploy.timing import Plan

EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
TERMINAL = ("Succeeded", "Failed", "Stopped")
HOOK_TIMEOUT_SECONDS = 3600.0  # CodeDeploy quota: a lifecycle event fails after one hour


class Effects(Protocol):
    """What a deployment does to ECS and ELBv2."""

    def create_green(self) -> None: ...
    def route_test(self, to_green: bool) -> None: ...
    def route_production(self, green_weight: float) -> None: ...
    def make_primary(self, label: str) -> None: ...
    def delete_task_set(self, label: str) -> None: ...
    def render_task_set(self, state: TaskSetState) -> None: ...
    def alarm(self, names: tuple[str, ...], ignore_missing: bool) -> tuple[str, float] | None:
        """(why, since when) if a watched alarm is in ALARM (or cannot be read)."""
        ...


@dataclass
class TaskSetState:
    label: str  # Blue | Green
    desired: int
    pending: int = 0
    running: int = 0
    stable: bool = True
    weight: float = 0.0
    primary: bool = False
    exists: bool = True


@dataclass
class HookExecution:
    execution_id: str
    event: str
    function: str
    outcome: str  # SUCCEEDED | FAILED | manual | timeout
    started: float
    result: str | None = None  # Succeeded | Failed once known
    reported: float | None = None


@dataclass
class LifecycleEvent:
    name: str
    status: str = "Pending"
    start: float | None = None
    end: float | None = None
    hook: HookExecution | None = None
    diagnostics: dict[str, str] | None = None


@dataclass
class Deployment:
    deployment_id: str
    created: float
    plan: Plan
    effects: Effects
    new_execution_id: Callable[[str], str]
    status: str = "Created"
    started: float | None = None
    completed: float | None = None
    events: list[LifecycleEvent] = field(default_factory=lambda: [LifecycleEvent(n) for n in EVENTS])
    index: int = 0  # the event being run (len(EVENTS): all done)
    error: tuple[str, str] | None = None
    rollback_message: str | None = None
    termination_wait_started: float | None = None
    ready_since: float | None = None
    released: set[str] = field(default_factory=set)  # READY_WAIT / TERMINATION_WAIT
    stop_requested: tuple[float, bool] | None = None  # (at, roll back)
    traffic_step: int = 0
    messages: list[str] = field(default_factory=list)
    blue: TaskSetState = field(init=False)
    green: TaskSetState = field(init=False)

    def __post_init__(self) -> None:
        desired = self.plan.desired_count
        self.blue = TaskSetState("Blue", desired, running=desired, weight=100.0, primary=True)
        self.green = TaskSetState("Green", desired, exists=False)

    # --- queries -------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def target_status(self) -> str:
        """``TargetStatus`` of the one ECS target; a stopped deployment's target reports Failed
        [assumed: the enum has no Stopped]."""
        return {"Created": "Pending", "Stopped": "Failed"}.get(self.status, self.status)

    def pending_hooks(self) -> list[HookExecution]:
        return [e.hook for e in self.events if e.hook and e.hook.result is None and e.status == "InProgress"]

    # --- requests ------------------------------------------------------------------

    def put_hook_status(self, execution_id: str, status: str, at: float) -> None:
        self.advance_to(at)  # a hook that timed out before this call stays timed out
        if status not in ("Succeeded", "Failed"):
            raise error(
                "InvalidLifecycleEventHookExecutionStatusException",
                f"The status {status} is not valid: only Succeeded or Failed can be reported.",
            )
        hook = next((e.hook for e in self.events if e.hook and e.hook.execution_id == execution_id), None)
        if hook is None:
            raise error(
                "InvalidLifecycleEventHookExecutionIdException",
                f"Lifecycle event hook execution {execution_id} is not part of deployment {self.deployment_id}.",
            )
        if hook.result is not None or self.done:
            raise error(
                "LifecycleEventAlreadyCompletedException",
                f"The lifecycle event {hook.event} of deployment {self.deployment_id} is already complete.",
            )
        hook.result, hook.reported = status, at
        self.advance_to(at)

    def stop(self, at: float, rollback: bool) -> str:
        """StopDeployment: "Pending" while the stop is carried out, "Succeeded" when asked again."""
        self.advance_to(at)
        self._refuse_if_done()
        if self.stop_requested is not None:
            return "Succeeded"
        self.stop_requested = (at, rollback)
        self.advance_to(at)
        return "Pending"

    def continue_(self, wait_type: str, at: float) -> None:
        self.advance_to(at)
        self._refuse_if_done()
        if wait_type == "READY_WAIT":
            if self.status != "Ready":
                raise error(
                    "DeploymentIsNotInReadyStateException",
                    f"Deployment {self.deployment_id} is not waiting for a reroute (status {self.status}).",
                )
        elif wait_type == "TERMINATION_WAIT":
            if self.termination_wait_started is None:
                raise error(
                    "InvalidDeploymentStatusException",
                    f"Deployment {self.deployment_id} is not waiting to terminate the original task set.",
                )
        else:
            raise error("InvalidDeploymentWaitTypeException", f"The wait type {wait_type} is invalid.")
        self.released.add(wait_type)
        self.advance_to(at)

    def _refuse_if_done(self) -> None:
        if self.done:
            raise error(
                "DeploymentAlreadyCompletedException",
                f"The deployment {self.deployment_id} has already completed.",
            )

    # --- time ----------------------------------------------------------------------

    def advance_to(self, now: float) -> None:
        alarm = None
        if self.plan.alarms and not self.done:
            alarm = self.effects.alarm(self.plan.alarms, self.plan.ignore_alarm_poll_failure)
        if alarm is not None:
            # Stop at the moment the alarm fired (not before the deployment started), after
            # everything that was due earlier: the history does not depend on polling.
            why, since = alarm
            at = max(since, self.created + self.plan.start_seconds)
            if at <= now:
                begin = self.created + self.plan.start_seconds
                if self.status == "Created" and at <= begin:  # already firing at the start
                    self.started = at
                else:
                    self._run_until(at)
                if not self.done:
                    self._finish("Stopped", at, ("ALARM_ACTIVE", why), rollback=self.plan.rollback_on_alarm)
        self._run_until(now)
        for state in (self.blue, self.green):
            if state.exists:
                self.effects.render_task_set(state)

    def _run_until(self, now: float) -> None:
        while not self.done and self._step(now):
            pass

    def _step(self, now: float) -> bool:
        """Make the next due transition (stamped with the moment it was due); False if none."""
        plan = self.plan
        if self.stop_requested is not None:
            at, rollback = self.stop_requested
            stop_at = at + plan.stop_seconds
            if stop_at > now:
                return False
            self._finish("Stopped", stop_at, ("MANUAL_STOP", "The deployment was stopped by a user."), rollback)
            return True
        if self.status == "Created":
            begin = self.created + plan.start_seconds
            if begin > now:
                return False
            if plan.problem is not None:
                self.started = begin
                self._finish("Failed", begin, plan.problem, rollback=False)
                return True
            self.status, self.started = "InProgress", begin
            return self._start_event(begin)
        if self.index >= len(self.events):
            return self._termination_wait(now)
        event = self.events[self.index]
        if event.start is None:  # BeforeAllowTraffic held back by the ready wait
            return self._ready_wait(now)
        if event.name == "Install":
            return self._install(event, now)
        if event.name == "AllowTraffic":
            return self._allow_traffic(event, now)
        if event.name == "AllowTestTraffic":
            due = event.start + plan.route_seconds
            return due <= now and self._succeed(event, due)
        return self._hook(event, now)

    def _start_event(self, at: float) -> bool:
        event = self.events[self.index]
        if event.name == "BeforeAllowTraffic" and self.plan.ready_wait_seconds is not None:
            if "READY_WAIT" not in self.released:
                if self.ready_since is None:
                    self.ready_since, self.status = at, "Ready"
                    return True
                return False  # _ready_wait handles the timeout
            if self.status == "Ready":
                self.status = "InProgress"
        event.status, event.start = "InProgress", at
        if event.name == "Install":
            self.green.exists, self.green.pending, self.green.stable = True, self.green.desired, False
            self.effects.create_green()
        elif event.name == "AllowTestTraffic" and self.plan.has_test_listener:
            self.effects.route_test(to_green=True)
        elif event.name in self.plan.hooks:
            function = self.plan.hooks[event.name]
            event.hook = HookExecution(
                self.new_execution_id(event.name), event.name, function, self.plan.hook_outcome(event.name), at
            )
        return True

    def _succeed(self, event: LifecycleEvent, at: float) -> bool:
        event.status, event.end = "Succeeded", at
        self.index += 1
        if self.index < len(self.events):
            self._start_event(at)
        else:
            self.termination_wait_started = at
            self.messages.append("Waiting to terminate the original task set.")
        return True

    def _install(self, event: LifecycleEvent, now: float) -> bool:
        assert event.start is not None
        running_at = event.start + self.plan.task_start_seconds
        if self.plan.install_failure is not None:
            if running_at > now:
                return False
            # [assumed] CodeDeploy gives up once the replacement tasks fail to start; AWS does
            # not document how long it keeps trying.
            self.green.pending = 0
            message = f"The replacement task set could not start its tasks: {self.plan.install_failure}"
            return self._fail_event(event, running_at, ("ECS_UPDATE_ERROR", message))
        if self.green.pending and running_at <= now:
            self.green.pending, self.green.running = 0, self.green.desired
            return True
        stable_at = running_at + self.plan.healthy_after_seconds
        if stable_at > now:
            return False
        self.green.stable = True
        return self._succeed(event, stable_at)

    def _allow_traffic(self, event: LifecycleEvent, now: float) -> bool:
        assert event.start is not None
        steps = self.plan.traffic_steps
        if self.traffic_step < len(steps):
            offset, weight = steps[self.traffic_step]
            if event.start + offset > now:
                return False
            self.traffic_step += 1
            self.green.weight, self.blue.weight = weight, 100.0 - weight
            self.effects.route_production(weight)
            return True
        # The replacement becomes PRIMARY once it takes all production traffic.
        end = event.start + steps[-1][0]
        self.green.primary, self.blue.primary = True, False
        self.effects.make_primary("Green")
        return self._succeed(event, end)

    def _hook(self, event: LifecycleEvent, now: float) -> bool:
        assert event.start is not None
        hook = event.hook
        if hook is None:  # no hook in the AppSpec: the event passes at once
            return self._succeed(event, event.start)
        if hook.result is None and hook.outcome in ("SUCCEEDED", "FAILED"):
            due = hook.started + self.plan.hook_seconds
            if due <= now:
                hook.result, hook.reported = hook.outcome.capitalize(), due
        if hook.result == "Succeeded":
            assert hook.reported is not None
            return self._succeed(event, hook.reported)
        if hook.result == "Failed":
            assert hook.reported is not None
            return self._fail_event(
                event,
                hook.reported,
                ("HOOK_EXECUTION_FAILURE", f"The {event.name} lifecycle event hook {hook.function} failed."),
            )
        timeout_at = hook.started + HOOK_TIMEOUT_SECONDS
        if timeout_at > now:
            return False
        # [assumed] error code: AWS documents the one-hour limit, not the code it reports.
        return self._fail_event(
            event,
            timeout_at,
            ("TIMEOUT", f"The {event.name} lifecycle event hook {hook.function} reported no status within 1 hour."),
        )

    def _ready_wait(self, now: float) -> bool:
        if "READY_WAIT" in self.released:
            # ContinueDeployment advances the deployment to the moment it was called.
            return self._start_event(now)
        wait = self.plan.ready_wait_seconds
        assert wait is not None and self.ready_since is not None
        deadline = self.ready_since + wait
        if deadline > now:
            return False
        # AWS-SEMANTICS 5.2: with STOP_DEPLOYMENT, no reroute within waitTimeInMinutes -> Stopped.
        message = "The deployment timed out while waiting for someone to reroute traffic (ContinueDeployment)."
        self._finish("Stopped", deadline, ("TIMEOUT", message), rollback=True)
        return True

    def _termination_wait(self, now: float) -> bool:
        assert self.termination_wait_started is not None
        due = self.termination_wait_started + self.plan.termination_wait_seconds
        if "TERMINATION_WAIT" in self.released:
            due = min(due, now)
        if due > now:
            return False
        self.blue.exists = False
        self.effects.delete_task_set("Blue")
        self._finish("Succeeded", due, None, rollback=False)
        return True

    def _fail_event(self, event: LifecycleEvent, at: float, reason: tuple[str, str]) -> bool:
        event.status, event.end = "Failed", at
        event.diagnostics = {"errorCode": "ScriptFailed", "message": reason[1]}
        self._finish("Failed", at, reason, rollback=self.plan.rollback_on_failure)
        return True

    def _finish(self, status: str, at: float, reason: tuple[str, str] | None, rollback: bool) -> None:
        for event in self.events:
            if event.status in ("Pending", "InProgress"):
                # [assumed] events that never ran (or were cut short) are reported Skipped.
                event.status = "Skipped"
                if event.start is not None:
                    event.end = at
        if rollback and self.green.exists:
            self._roll_back()
        self.status, self.completed, self.error = status, at, reason
        self.ready_since = None
        if status == "Succeeded":
            self.messages.append("The deployment succeeded.")

    def _roll_back(self) -> None:
        """ECS rollback: production (and test) traffic back to the original task set, which is
        PRIMARY again, then the replacement task set is deleted (AWS-SEMANTICS 5.2)."""
        self.effects.route_production(0.0)
        if self.plan.has_test_listener:
            self.effects.route_test(to_green=False)
        if self.green.primary:
            self.effects.make_primary("Blue")
        self.blue.weight, self.blue.primary = 100.0, True
        self.green.weight, self.green.primary, self.green.exists = 0.0, False, False
        self.effects.delete_task_set("Green")
        self.rollback_message = (
            f"Deployment {self.deployment_id} was rolled back: production traffic was rerouted to the "
            "original task set and the replacement task set was deleted."
        )
        self.messages.append(self.rollback_message)
