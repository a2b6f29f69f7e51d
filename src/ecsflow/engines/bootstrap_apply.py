"""The port bootstrap talks to AWS through, and the one executor that applies a ``BootstrapPlan``.

The executor walks the steps in order (the planners put them in dependency order:
creation bottom-up, deletion top-down), fills ``Ref`` values from earlier steps, and
reports every resource it creates through ``on_created`` at once, so the record in
``.ecsflow/`` is right even when a later step fails. A failure stops the run with a
``BootstrapFailed`` error that names the step, AWS's reason, and what was created before:
re-running bootstrap continues, because what exists is then planned as ``unchanged``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ecsflow.engines.bootstrap_plan import Action, BootstrapPlan, Step, resolve
from ecsflow.errors import EcsflowError, ExitCode, OperationFailed
from ecsflow.events import EventSink, Message
from ecsflow.ports import Clock, RegisteredTaskDefinition

SERVICE_DRAIN_POLL = 15.0  # seconds between DescribeServices while a deleted service drains
SERVICE_DRAIN_TIMEOUT = 900.0


class ProvisionPort(Protocol):
    """Reads return AWS's own shapes (dicts) with a ``tags`` mapping added, or None when
    the resource does not exist. ``create`` returns at least ``{"id": ARN-or-name}``."""

    def describe_cluster(self, name: str) -> dict[str, Any] | None: ...
    def list_services(self, cluster: str) -> list[str]: ...
    def describe_service(self, cluster: str, name: str) -> dict[str, Any] | None: ...
    def newest_task_definition(self, family: str) -> RegisteredTaskDefinition | None: ...
    def task_definition_tags(self, arn: str) -> dict[str, str] | None: ...
    def log_group(self, name: str, region: str | None) -> dict[str, Any] | None: ...
    def subnet_vpcs(self, ids: Sequence[str]) -> dict[str, str]: ...
    def missing_security_groups(self, ids: Sequence[str]) -> list[str]: ...
    def target_group(self, ref: str) -> dict[str, Any] | None: ...
    def listeners(self, load_balancer_arn: str) -> list[dict[str, Any]]: ...
    def listener(self, arn: str) -> dict[str, Any] | None: ...
    def rules(self, listener_arn: str) -> list[dict[str, Any]]: ...
    def rule(self, arn: str) -> dict[str, Any] | None: ...
    def role(self, name: str) -> dict[str, Any] | None: ...
    def application(self, name: str) -> dict[str, Any] | None: ...
    def deployment_group(self, application: str, name: str) -> dict[str, Any] | None: ...
    def deployment_groups(self, application: str) -> list[str]: ...
    def create(self, kind: str, params: Mapping[str, Any]) -> dict[str, Any]: ...
    def update(self, kind: str, params: Mapping[str, Any]) -> None: ...
    def delete(self, kind: str, params: Mapping[str, Any]) -> None: ...


class BootstrapFailed(EcsflowError):
    """A step failed mid-apply. ``created`` lists what this run created before it."""

    def __init__(self, step: Step, cause: EcsflowError, created: Sequence[str], *, hint: str) -> None:
        super().__init__(f"{step.action.value} {step.kind} {step.name} failed: {cause.message}", hint=hint)
        self.step = step
        self.cause = cause
        self.created = tuple(created)
        self.exit_code = cause.exit_code if cause.exit_code is not ExitCode.INVALID else ExitCode.FAILED

    def details(self) -> Sequence[str]:
        if not self.created:
            return [f"nothing was {'deleted' if self.step.action is Action.DELETE else 'created'} before the failure"]
        verb = "deleted" if self.step.action is Action.DELETE else "created"
        return [f"{verb} before the failure (recorded, re-running continues): {c}" for c in self.created]


def apply_plan(
    plan: BootstrapPlan,
    port: ProvisionPort,
    *,
    clock: Clock,
    sink: EventSink,
    on_created: Callable[[Step, str, Mapping[str, Any]], None],
    on_deleted: Callable[[Step], None] = lambda step: None,
    rerun: str,
) -> dict[str, str]:
    """Apply ``plan``; returns the identifier of every resource by step id."""
    outputs: dict[str, Any] = {}
    created: list[str] = []
    for step in plan.steps:
        try:
            outputs[step.id] = _apply_step(step, port, outputs, clock, sink)
        except EcsflowError as exc:
            deleting = any(s.action is Action.DELETE for s in plan.changes)
            what = "deletes the rest" if deleting else "continues"
            raise BootstrapFailed(step, exc, created, hint=f"fix the cause, then `{rerun}` {what}") from exc
        if step.action is Action.CREATE:
            ident = str(outputs[step.id]["id"])
            created.append(f"{step.kind} {ident}")
            on_created(step, ident, resolve(step.undo, outputs))
            sink(Message(clock.now(), None, f"created {step.kind} {step.name}"))
        elif step.action is Action.UPDATE:
            sink(Message(clock.now(), None, f"updated {step.kind} {step.name}"))
        elif step.action is Action.DELETE:
            created.append(f"{step.kind} {step.name}")
            on_deleted(step)
            sink(Message(clock.now(), None, f"deleted {step.kind} {step.name}"))
    return {k: str(v["id"]) for k, v in outputs.items() if v.get("id")}


def _apply_step(
    step: Step, port: ProvisionPort, outputs: Mapping[str, Any], clock: Clock, sink: EventSink
) -> dict[str, Any]:
    # Keys starting with "_" are ecsflow's own notes in a record, never part of a request.
    params = {k: v for k, v in resolve(step.params, outputs).items() if not str(k).startswith("_")}
    if step.action is Action.CREATE:
        return port.create(step.kind, params)
    if step.action is Action.UPDATE:
        port.update(step.kind, params)
    elif step.action is Action.DELETE:
        port.delete(step.kind, params)
        if step.kind == "service":
            _wait_inactive(port, str(params["cluster"]), str(params["service"]), clock, sink)
    return {"id": step.existing}


def _wait_inactive(port: ProvisionPort, cluster: str, service: str, clock: Clock, sink: EventSink) -> None:
    """DeleteService leaves the service DRAINING while its tasks stop; the cluster (and the
    target groups) can only go once it is INACTIVE."""
    deadline = clock.now() + SERVICE_DRAIN_TIMEOUT
    announced = False
    while True:
        found = port.describe_service(cluster, service)
        if found is None or found.get("status") == "INACTIVE":
            return
        if clock.now() >= deadline:
            raise OperationFailed(
                f"service {service} is still {found.get('status')} after {int(SERVICE_DRAIN_TIMEOUT)} s",
                hint="its tasks are still stopping; re-run the delete later",
            )
        if not announced:
            sink(Message(clock.now(), None, f"waiting for service {service} to drain"))
            announced = True
        clock.sleep(SERVICE_DRAIN_POLL)
