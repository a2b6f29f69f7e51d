"""The deploy engine: prepare (no mutation) → plan → execute → wait, and attach for ``wait``.

This is the library entry point: ``DeployEngine(ecs=..., ecr=..., clock=..., sink=...)``
with any implementation of the ports (boto3 adapters, or fakes in tests).
"""

from __future__ import annotations

from collections.abc import Sequence

from ecsflow.artifacts.taskdef import TaskDefinitionInput
from ecsflow.config import ServiceConfig
from ecsflow.diff import Masker
from ecsflow.engines.attach import AttachTarget, attach, find_deployment
from ecsflow.engines.diagnosis import Diagnoser
from ecsflow.engines.executor import Executor
from ecsflow.engines.orchestrator import Orchestrator, RunOptions
from ecsflow.engines.prepare import DeployRequest, Preparer, TemplateLoader, announce
from ecsflow.engines.waiter import PollPolicy, RollingWaiter
from ecsflow.errors import UsageError
from ecsflow.events import EventSink, Message, null_sink
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.plan import DeployPlan
from ecsflow.ports import Clock, EcrPort, EcsPort, ElbPort, LogsPort


class DeployEngine:
    def __init__(
        self,
        *,
        ecs: EcsPort,
        ecr: EcrPort,
        clock: Clock,
        sink: EventSink = null_sink,
        load_template: TemplateLoader | None = None,
        logs: LogsPort | None = None,
        elb: ElbPort | None = None,
        masker: Masker | None = None,
        policy: PollPolicy | None = None,
        log_lines: int = 20,
    ) -> None:
        self.ecs = ecs
        self.ecr = ecr
        self.clock = clock
        self.sink = sink
        self.masker = masker or Masker()
        self.load_template = load_template or _no_templates
        self.diagnoser = Diagnoser(ecs, logs, elb, log_lines=log_lines, masker=self.masker)
        self.policy = policy

    def _orchestrator(self) -> Orchestrator:
        waiter = RollingWaiter(self.ecs, self.clock, self.sink, self.diagnoser, self.policy, self.masker)
        return Orchestrator(Executor(self.ecs, self.clock, self.sink), waiter, self.clock, self.sink)

    def plan(self, request: DeployRequest) -> DeployPlan:
        """Observe, render, pin and compare: everything before a mutation, nothing changed."""
        return Preparer(self.ecs, self.ecr, self.clock, self.sink, self.load_template, self.masker).prepare(request)

    def deploy(
        self, request: DeployRequest, options: RunOptions | None = None, *, dry_run: bool = False
    ) -> tuple[DeployPlan, list[DeploymentResult]]:
        plan = self.plan(request)
        announce(plan, self.sink, self.clock, dry_run=dry_run)
        if dry_run:
            results = [
                DeploymentResult(service=p.key, outcome=Outcome.NOT_STARTED, reason="dry run: nothing changed")
                for p in plan.services
            ]
            return plan, results
        return plan, self._orchestrator().run(plan, options or RunOptions())

    def find(self, candidates: Sequence[AttachTarget], deployment_id: str) -> AttachTarget:
        """Which of ``candidates`` runs ``deployment_id`` (``ecsflow wait ecs-svc/…``)."""
        return find_deployment(self.ecs, candidates, deployment_id)

    def wait(self, targets: Sequence[AttachTarget]) -> list[DeploymentResult]:
        tracked, known = attach(self.ecs, self.clock, targets)
        for t in tracked:
            self.sink(Message(self.clock.now(), t.key, f"following {t.deployment_id}"))
        results = known + self._orchestrator().follow(tracked)
        order = {g.key: i for i, g in enumerate(targets)}
        return sorted(results, key=lambda r: order.get(r.service, 0))


def _no_templates(svc: ServiceConfig) -> TaskDefinitionInput:
    raise UsageError("this engine was built without a template loader; deploy with --base service or latest")
