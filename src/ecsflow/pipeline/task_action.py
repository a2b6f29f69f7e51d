"""The ``run`` action: a shell command (``CommandHandler``) or a one-off ECS task (``TaskHandler``).

A one-off task (``run: {task: {service: web, command: [...], container: web}}``) runs the
service's current task definition with the service's launch settings (``RunTask``), is
followed until it stops (``DescribeTasks`` every ``POLL`` seconds on the injected clock),
and the exit code of the chosen container decides: 0 succeeds; any other code, a task that
stopped before its container ran (``TaskFailedToStart``, no exit code), or the timeout
fails the action, naming the task, the container and ECS's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ecsflow.config import ProjectConfig
from ecsflow.config.pipelines import RunAction
from ecsflow.errors import ExitCode, InputError
from ecsflow.events import Message
from ecsflow.pipeline.run_record import FAILED, SUCCEEDED
from ecsflow.pipeline.stages import ActionContext, ActionHandler, ActionOutcome
from ecsflow.ports import Clock, TaskInfo

POLL = 6.0  # seconds between DescribeTasks calls (the ECS tasks-stopped waiter's delay)
DEFAULT_TIMEOUT = 3600.0


class TaskRunPort(Protocol):
    """``ecsflow.aws.tasks.EcsTaskRunner``."""

    def service_launch(self, cluster: str, service: str) -> dict[str, Any]: ...

    def run_task(self, cluster: str, launch: dict[str, Any], overrides: dict[str, Any], started_by: str) -> str: ...

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskInfo]: ...


class RunActionHandler:
    """Dispatches ``run: "command"`` and ``run: {task: …}`` to their handlers."""

    def __init__(self, *, command: ActionHandler, task: ActionHandler) -> None:
        self.command = command
        self.task = task

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = ctx.action.spec
        assert isinstance(spec, RunAction)
        return self.task(ctx) if spec.task is not None else self.command(ctx)


class TaskHandler:
    def __init__(
        self, *, config: ProjectConfig, tasks_for: Callable[[ProjectConfig], TaskRunPort], clock: Clock
    ) -> None:
        self.config = config
        self.tasks_for = tasks_for
        self.clock = clock

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = ctx.action.spec
        assert isinstance(spec, RunAction) and spec.task is not None
        task = spec.task
        config = self.config.for_environment(task.environment or ctx.environment)
        svc = config.services[task.service]
        port = self.tasks_for(config)
        launch = port.service_launch(svc.cluster, svc.service)
        command = ctx.scope.resolve_list(list(task.command), f"{ctx.where}: run.task.command")
        overrides: dict[str, Any] = {}
        if command:
            if task.container is None:
                raise InputError(
                    f"{ctx.where}: run.task.command needs run.task.container (the container whose command it replaces)"
                )
            overrides = {"containerOverrides": [{"name": task.container, "command": command}]}
        arn = port.run_task(svc.cluster, launch, overrides, f"ecsflow/{ctx.pipeline.name}/{ctx.run_id}")
        name = arn.rsplit("/", 1)[-1]
        ctx.sink(Message(self.clock.now(), ctx.label, f"task {name} started ({launch['taskDefinition']})"))
        timeout = task.timeout or spec.timeout or DEFAULT_TIMEOUT
        deadline = self.clock.now() + timeout
        while True:
            found = port.describe_tasks(svc.cluster, [arn])
            info = found[0] if found else None
            if info is not None and info.last_status == "STOPPED":
                return self._judge(info, task.container)
            if self.clock.now() >= deadline:
                status = info.last_status if info else "unknown"
                return ActionOutcome(
                    FAILED,
                    f"task {name} did not stop within {timeout:.0f}s (last status {status}); it goes on",
                    int(ExitCode.TIMED_OUT),
                )
            self.clock.sleep(POLL)

    @staticmethod
    def _judge(info: TaskInfo, container: str | None) -> ActionOutcome:
        name = info.task_id
        chosen = [c for c in info.containers if container is None or c.name == container]
        if container is not None and not chosen:
            listed = ", ".join(c.name for c in info.containers) or "none"
            return ActionOutcome(FAILED, f"task {name} has no container {container!r} (containers: {listed})")
        reason = f" ({info.stop_code}: {info.stopped_reason})" if info.stopped_reason else ""
        for c in chosen:
            if c.exit_code is None:
                why = c.reason or info.stopped_reason or "no exit code"
                return ActionOutcome(FAILED, f"task {name}: container {c.name} did not run to an exit code: {why}")
            if c.exit_code != 0:
                detail = f": {c.reason}" if c.reason else ""
                return ActionOutcome(
                    FAILED, f"task {name}: container {c.name} exited with {c.exit_code}{detail}{reason}"
                )
        codes = ", ".join(f"{c.name}={c.exit_code}" for c in chosen)
        return ActionOutcome(SUCCEEDED, f"task {name} stopped: exit codes {codes}")
