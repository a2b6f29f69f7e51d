"""CodeDeploy ECS blue/green (deployment controller ``CODE_DEPLOY``): start, follow, continue, stop.

The revision is rendered, pinned and reused-or-registered by the shared ``Preparer`` and
``Executor`` exactly as for rolling deploys; what differs is the start step (CreateDeployment
with the AppSpec, ``<TASK_DEFINITION>`` filled with the revision's ARN, sent as
``AppSpecContent`` with its sha256, AWS-SEMANTICS.md §3.2) and the wait (``codedeploy_wait``).

``MixedWaiter`` lets one run hold rolling and CodeDeploy services together: the orchestrator
sees one waiter; each deployment is polled by the waiter of its strategy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecsflow.artifacts.appspec import TASK_DEFINITION_ARN
from ecsflow.artifacts.serialize import dump
from ecsflow.engines.codedeploy_prepare import STRATEGY, CodeDeploySpec
from ecsflow.engines.codedeploy_wait import CodeDeployWaiter
from ecsflow.engines.executor import Executor
from ecsflow.engines.native_setup import NativeStart
from ecsflow.engines.tracking import Tracked
from ecsflow.engines.waiter import RollingWaiter
from ecsflow.errors import AwsError, OperationFailed
from ecsflow.events import DeploymentStarted, EventSink, Message
from ecsflow.lifecycle import ServiceDeploymentPort
from ecsflow.model import DeploymentResult
from ecsflow.plan import ServicePlan
from ecsflow.ports import Clock, EcsPort
from ecsflow.ports_codedeploy import CodeDeployDeployment, CodeDeployPort, DeploymentGroup
from ecsflow.render.appspec import render_appspec


class CodeDeployExecutor(Executor):
    """The shared executor, with CreateDeployment instead of UpdateService for CODE_DEPLOY services."""

    def __init__(
        self,
        ecs: EcsPort,
        clock: Clock,
        sink: EventSink,
        codedeploy: CodeDeployPort,
        specs: Mapping[str, CodeDeploySpec],
        native: ServiceDeploymentPort | None = None,
        native_starts: Mapping[str, NativeStart] | None = None,
    ) -> None:
        super().__init__(ecs, clock, sink, native, native_starts)
        self.codedeploy = codedeploy
        self.specs = specs

    def start(self, plan: ServicePlan, sharing: Sequence[str] = ()) -> Tracked | DeploymentResult:
        spec = self.specs.get(plan.key)
        if spec is None or not plan.deploys:
            return super().start(plan, sharing)
        target = self._revision(plan, sharing)
        rendered = render_appspec(spec.appspec, target)
        for warning in rendered.warnings:
            self.sink(Message(self.clock.now(), plan.key, str(warning), "warning"))
        content = dump(rendered.data, rendered.format)
        try:
            deployment_id = self.codedeploy.create_deployment(
                spec.application,
                spec.group.name,
                content,
                deployment_config=spec.deployment_config,
                description=f"ecsflow: {target.rsplit('/', 1)[-1]}",
            )
        except AwsError as exc:
            if exc.code == "DeploymentLimitExceededException":
                exc.hint = (
                    f"another deployment of {spec.application}/{spec.group.name} is in progress (one at a time); "
                    f"wait for it, continue it (`ecsflow continue {plan.key}`) or stop it "
                    f"(`ecsflow rollback {plan.key}`). The revision {target.rsplit('/', 1)[-1]} stays registered."
                )
            raise
        tracked = self._track(plan, deployment_id, target, plan.current)
        self.started[plan.key] = tracked
        self.sink(DeploymentStarted(self.clock.now(), plan.key, deployment_id, target, STRATEGY))
        return tracked


class MixedWaiter:
    """Rolling and CodeDeploy deployments of one run behind one waiter interface."""

    def __init__(self, rolling: RollingWaiter, codedeploy: CodeDeployWaiter) -> None:
        self.rolling = rolling
        self.codedeploy = codedeploy

    @property
    def active(self) -> dict[str, Tracked]:
        return {**self.rolling.active, **self.codedeploy.active}

    def add(self, t: Tracked) -> None:
        (self.codedeploy if t.strategy == STRATEGY else self.rolling).add(t)

    def poll_once(self) -> list[DeploymentResult]:
        out: list[DeploymentResult] = []
        if self.rolling.active:
            out += self.rolling.poll_once()
        if self.codedeploy.active:
            out += self.codedeploy.poll_once()
        return out

    def next_interval(self) -> float:
        waits = [w.next_interval() for w in (self.rolling, self.codedeploy) if w.active]
        return min(waits) if waits else 0.0

    def interrupt(self) -> list[DeploymentResult]:
        return self.rolling.interrupt() + self.codedeploy.interrupt()


# --- continue and stop (ecsflow continue / ecsflow rollback) --------------------------------


def running_deployment(codedeploy: CodeDeployPort, group: DeploymentGroup) -> CodeDeployDeployment | None:
    """The group's deployment that has not ended (CodeDeploy runs one per group), if any."""
    if not group.last_attempted:
        return None
    if group.last_attempted_status in ("Succeeded", "Failed", "Stopped"):
        return None
    d = codedeploy.get_deployment(group.last_attempted)
    return None if d.final else d


def continue_deployment(
    codedeploy: CodeDeployPort, group: DeploymentGroup, key: str, sink: EventSink, clock: Clock
) -> CodeDeployDeployment:
    """ContinueDeployment with the wait type the deployment is in: READY_WAIT or TERMINATION_WAIT (§5.5)."""
    d = running_deployment(codedeploy, group)
    if d is None:
        raise OperationFailed(
            f"no CodeDeploy deployment of {key} is running ({group.application}/{group.name})",
            hint=f"`ecsflow status {key}` shows the service; nothing was changed",
        )
    if d.status == "Ready":
        wait_type, words = "READY_WAIT", "production traffic shifts to the new revision"
    elif d.termination_wait_started:
        wait_type, words = "TERMINATION_WAIT", "the original task set is terminated now"
    else:
        raise OperationFailed(
            f"{d.id} of {key} is {d.status} and does not wait for a continue",
            hint=f"follow it with `ecsflow wait {key}`, or stop it with `ecsflow rollback {key}`; nothing was changed",
        )
    codedeploy.continue_deployment(d.id, wait_type)
    sink(Message(clock.now(), key, f"continued {d.id} ({wait_type}): {words}"))
    return d


def stop_with_rollback(
    codedeploy: CodeDeployPort, group: DeploymentGroup, key: str, sink: EventSink, clock: Clock
) -> CodeDeployDeployment | None:
    """StopDeployment(autoRollbackEnabled=True) of the running deployment; ``None`` when none runs."""
    d = running_deployment(codedeploy, group)
    if d is None:
        return None
    status = codedeploy.stop_deployment(d.id, auto_rollback=True)
    sink(Message(clock.now(), key, f"stopping {d.id} with rollback (StopDeployment: {status or 'requested'})"))
    return d


def task_definition_of(appspec: str | None) -> str | None:
    """The TaskDefinition ARN in an AppSpec sent inline (JSON or YAML), if there is one."""
    if not appspec:
        return None
    import re

    for match in re.finditer(r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/[A-Za-z0-9_-]+:\d+", appspec):
        if TASK_DEFINITION_ARN.match(match.group(0)):
            return match.group(0)
    return None


def last_good_revision(codedeploy: CodeDeployPort, group: DeploymentGroup, current: str) -> str | None:
    """The revision of the newest succeeded CodeDeploy deployment other than ``current``."""
    for d in codedeploy.succeeded_deployments(group.application, group.name):
        arn = task_definition_of(d.appspec_content)
        if arn and arn != current:
            return arn
    return None
