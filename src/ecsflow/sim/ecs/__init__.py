"""ECS rollout simulation for the local AWS.

Rolling deployments within minimumHealthyPercent / maximumPercent, the deployment
circuit breaker with rollback, the service deployments API, and native BLUE_GREEN /
LINEAR / CANARY deployments with lifecycle stages, hooks and rollback, on top of
moto's static ECS. The behaviour catalogue is ``docs/local-ecs.md``.

Modules: ``state`` (dataclasses), ``config`` (defaults and rules), ``tasks`` (task
lifecycle and events), ``rolling`` (scheduler and circuit breaker), ``native``
(lifecycle stages and hooks), ``machine`` (the clock loop and operations), ``env`` and
``render`` (moto side effects and rendering), ``adapter`` (wrapped moto operations),
``responses`` (operations moto lacks).
"""

from __future__ import annotations

from ecsflow.sim.context import SimContext

# Operations that observe rollout state: in poll mode each moves the clock one step.
OBSERVING_OPERATIONS = frozenset(
    {
        "ecs:DescribeServices",
        "ecs:DescribeServiceDeployments",
        "ecs:ListServiceDeployments",
        "ecs:DescribeTasks",
    }
)


def install(ctx: SimContext) -> None:
    """Patch moto's ECS for ``ctx``; installing again does not patch twice."""
    from ecsflow.sim.ecs import adapter, responses

    adapter.patch(ctx)
    responses.add_operations()
    if not any(isinstance(m, adapter.EcsMachine) for m in ctx.machines):
        ctx.register(adapter.EcsMachine())
    sources = getattr(ctx, "hook_sources", None)
    if sources is not None and adapter.pending_hooks not in sources:
        sources.append(adapter.pending_hooks)
    observing: set[str] | None = getattr(ctx, "observing_operations", None)
    if observing is None:
        observing = set()
        ctx.observing_operations = observing
    observing.update(OBSERVING_OPERATIONS)


__all__ = ["OBSERVING_OPERATIONS", "install"]
