"""The ``run`` action: a shell command (``CommandHandler``) or a one-off ECS task."""

from __future__ import annotations

from ecsflow.config.pipelines import RunAction
from ecsflow.pipeline.stages import ActionContext, ActionHandler, ActionOutcome


class RunActionHandler:
    """Dispatches ``run: "command"`` and ``run: {task: …}`` to their handlers."""

    def __init__(self, *, command: ActionHandler, task: ActionHandler) -> None:
        self.command = command
        self.task = task

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = ctx.action.spec
        assert isinstance(spec, RunAction)
        return self.task(ctx) if spec.task is not None else self.command(ctx)
