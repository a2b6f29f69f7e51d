"""CodeDeploy ECS blue/green for the local AWS, on top of moto's CodeDeploy.

``install(ctx)`` patches moto's ``CodeDeployResponse`` once per process (wrapping
CreateDeployment and CreateDeploymentGroup, adding the operations moto lacks), points it
at a simulator bound to ``ctx`` and registers that simulator as a machine. Catalogue of
what is simulated, and which parts are assumptions: docs/local-codedeploy.md.
"""

from __future__ import annotations

from typing import Any

from ecsflow.sim.context import SimContext

OBSERVING_OPERATIONS = frozenset(
    {
        "codedeploy:GetDeployment",
        "codedeploy:BatchGetDeployments",
        "codedeploy:ListDeploymentTargets",
        "codedeploy:GetDeploymentTarget",
        "codedeploy:BatchGetDeploymentTargets",
        "ecs:DescribeTaskSets",
    }
)

_ADDED = (
    "stop_deployment",
    "continue_deployment",
    "put_lifecycle_event_hook_execution_status",
    "list_deployment_targets",
    "get_deployment_target",
    "batch_get_deployment_targets",
    "batch_get_deployment_groups",
    "update_deployment_group",
    "create_deployment_config",
    "get_deployment_config",
    "list_deployment_configs",
    "delete_deployment_config",
)


def _patch_moto() -> None:
    from moto.codedeploy import responses

    from ecsflow.sim.codedeploy import deployments_api, groups_api, targets

    cls: Any = responses.CodeDeployResponse
    if getattr(cls, "_ecsflow_patched", False):
        return
    sources = {**vars(deployments_api), **vars(groups_api), **vars(targets)}
    for name in _ADDED:
        setattr(cls, name, sources[name])
    cls.create_deployment = deployments_api.create_deployment(cls.create_deployment)
    cls.create_deployment_group = groups_api.create_deployment_group(cls.create_deployment_group)
    # moto's response methods look these module functions up at call time.
    module: Any = responses
    module._deployment_info = deployments_api.deployment_info(module._deployment_info)
    module._deployment_group_info = groups_api.deployment_group_info(module._deployment_group_info)
    cls._ecsflow_patched = True


def install(ctx: SimContext) -> None:
    """Simulate CodeDeploy ECS blue/green for ``ctx``. Idempotent per context."""
    from ecsflow.sim.codedeploy.simulator import CodeDeploySimulator
    from ecsflow.sim.codedeploy.state import active, set_active

    _patch_moto()
    with ctx.lock:
        current = active()
        if current is not None and current.ctx is ctx:
            simulator = current
        else:
            simulator = CodeDeploySimulator(ctx)
            set_active(simulator)
        if not any(m is simulator for m in ctx.machines):
            ctx.register(simulator)
            # Older contexts lack these attributes; the framework's SimContext declares them.
            holder: Any = ctx
            if getattr(holder, "observing_operations", None) is None:
                holder.observing_operations = set()
            if hasattr(holder, "hook_sources"):
                holder.hook_sources.append(lambda: pending_hooks(ctx))
            if hasattr(holder, "on_reset"):
                holder.on_reset(simulator.forget)
        ctx_any: Any = ctx
        ctx_any.observing_operations.update(OBSERVING_OPERATIONS)


def pending_hooks(ctx: SimContext) -> list[dict[str, Any]]:
    """Hook executions waiting for PutLifecycleEventHookExecutionStatus (served at
    ``/_ecsflow/hooks``): the local stand-in for the Lambda payload CodeDeploy would send."""
    from ecsflow.sim.codedeploy.state import active

    simulator = active()
    if simulator is None or simulator.ctx is not ctx:
        return []
    out: list[dict[str, Any]] = []
    with ctx.lock:
        for run in simulator.runs.values():
            if not simulator.alive(run):
                continue
            for hook in run.machine.pending_hooks():
                out.append(
                    {
                        "DeploymentId": run.machine.deployment_id,
                        "LifecycleEventHookExecutionId": hook.execution_id,
                        "lifecycleEventName": hook.event,
                        "functionName": hook.function,
                        "outcome": hook.outcome,
                        "startedAt": hook.started,
                    }
                )
    return out
