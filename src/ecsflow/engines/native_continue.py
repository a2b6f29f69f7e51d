"""``ecsflow continue`` for ECS-native deployments: release the PAUSE hooks a deployment
waits at (ContinueServiceDeployment, AWS-SEMANTICS.md §7.4), and ``ecsflow rollback``'s
stop of a running native deployment (StopServiceDeployment ROLLBACK, §6.6).

ecsflow's own gate hooks are taken out of the service's configuration at the same time,
so the next deployment (by ecsflow or anyone) does not stop there again.
"""

from __future__ import annotations

from ecsflow.engines.native import remove_gates
from ecsflow.errors import OperationFailed
from ecsflow.events import EventSink, Message
from ecsflow.lifecycle import NativeDeployment, ServiceDeploymentPort
from ecsflow.ports import Clock


def continue_native(
    port: ServiceDeploymentPort, key: str, cluster: str, service: str, *, sink: EventSink, clock: Clock
) -> NativeDeployment:
    """ContinueServiceDeployment(CONTINUE) on every PAUSE hook the service's ongoing deployment
    waits at; raises ``OperationFailed`` (nothing changed) when nothing waits."""
    d = port.ongoing_native(cluster, service)
    if d is None:
        raise OperationFailed(
            f"{key}: no deployment of {service} is in progress, so nothing waits to be continued",
            hint=f"`ecsflow status {key}` shows the service; nothing was changed",
        )
    awaiting = d.awaiting()
    if not awaiting:
        raise OperationFailed(
            f"{key}: the deployment is at {d.lifecycle_stage or d.status} and waits for no one",
            hint=f"follow it with `ecsflow wait {key}`, or stop it with `ecsflow rollback {key}`; nothing was changed",
        )
    if remove_gates(port, cluster, service):
        sink(Message(clock.now(), key, "took ecsflow's PAUSE hook out of the service's deployment configuration"))
    for hook in awaiting:
        port.continue_hook(d.arn, hook.hook_id, "CONTINUE")
        sink(Message(clock.now(), key, f"continued PAUSE hook {hook.hook_id} at {d.lifecycle_stage}"))
    return d


def stop_native(
    port: ServiceDeploymentPort, key: str, cluster: str, service: str, arn: str, *, sink: EventSink, clock: Clock
) -> None:
    """StopServiceDeployment(ROLLBACK) of a running deployment; ecsflow's gate hooks go too."""
    remove_gates(port, cluster, service)
    sink(Message(clock.now(), key, f"stopping {arn} (ROLLBACK): traffic goes back to the previous revision"))
    port.stop(arn, "ROLLBACK")
