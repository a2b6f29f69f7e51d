"""The deploy engine: prepare (no mutation) → plan → execute → wait, and attach for ``wait``.

This is the library entry point: ``DeployEngine(ecs=..., ecr=..., clock=..., sink=...)``
with any implementation of the ports (boto3 adapters, or fakes in tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ecsflow.artifacts.appspec import AppSpec
from ecsflow.artifacts.taskdef import TaskDefinitionInput
from ecsflow.config import ServiceConfig
from ecsflow.diff import Masker
from ecsflow.engines.attach import AttachTarget, attach, find_deployment
from ecsflow.engines.codedeploy import CodeDeployExecutor, MixedWaiter
from ecsflow.engines.codedeploy_prepare import (
    STRATEGY as CODE_DEPLOY,
)
from ecsflow.engines.codedeploy_prepare import (
    AppSpecLoader,
    CodeDeployPreparer,
    CodeDeploySpec,
    GroupMemo,
    MemoryGroupMemo,
)
from ecsflow.engines.codedeploy_wait import CodeDeployWaiter
from ecsflow.engines.diagnosis import Diagnoser
from ecsflow.engines.executor import Executor
from ecsflow.engines.gates import Gate, StopPoint, TestCommand
from ecsflow.engines.native import NativeJudge
from ecsflow.engines.native_setup import NativeStart, needs_service_view, plan_native
from ecsflow.engines.orchestrator import Orchestrator, RunOptions
from ecsflow.engines.prepare import DeployRequest, Preparer, TemplateLoader, announce
from ecsflow.engines.strategy import NATIVE, Judge
from ecsflow.engines.timeouts import native_timeout
from ecsflow.engines.waiter import PollPolicy, RollingWaiter
from ecsflow.errors import OperationFailed, UsageError
from ecsflow.events import EventSink, Message, PlanReady, null_sink
from ecsflow.lifecycle import ServiceDeploymentPort
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.plan import DeployPlan
from ecsflow.ports import Clock, EcrPort, EcsPort, ElbPort, LogsPort
from ecsflow.ports_codedeploy import CodeDeployPort


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
        codedeploy: CodeDeployPort | None = None,
        group_memo: GroupMemo | None = None,
        load_appspec: AppSpecLoader | None = None,
        test_runner: TestCommand | None = None,
        native: ServiceDeploymentPort | None = None,
    ) -> None:
        self.ecs = ecs
        self.ecr = ecr
        self.clock = clock
        self.sink = sink
        self.masker = masker or Masker()
        self.load_template = load_template or _no_templates
        self.diagnoser = Diagnoser(ecs, logs, elb, log_lines=log_lines, masker=self.masker)
        self.policy = policy
        # CodeDeploy blue/green (CODE_DEPLOY services): port, remembered groups, AppSpec files,
        # the per-deploy configuration (--deployment-config) and stop point / test command.
        self.codedeploy = codedeploy
        self.group_memo = group_memo or MemoryGroupMemo()
        self.load_appspec = load_appspec or _no_appspec
        self.test_runner = test_runner
        self.gate: Gate | None = None  # a default stop point / test command (RunOptions.gate wins)
        self._codedeploy_specs: dict[str, CodeDeploySpec] = {}
        # ECS-native strategies (engines/native*.py): the service deployments port (the ECS
        # adapter when it offers it) and what each deployment's UpdateService sends.
        self.native = native if native is not None else (ecs if isinstance(ecs, ServiceDeploymentPort) else None)
        self._native_starts: dict[str, NativeStart] = {}

    def judges(self) -> dict[str, Judge]:
        """Judges bound to this engine's ports, by strategy (engines/strategy.py)."""
        if self.native is None:
            return {}
        judge = NativeJudge(self.native, self.clock, self.sink, tests=self.test_runner, masker=self.masker)
        return dict.fromkeys(NATIVE, judge)

    def _orchestrator(self) -> Orchestrator:
        waiter = RollingWaiter(
            self.ecs, self.clock, self.sink, self.diagnoser, self.policy, self.masker, judges=self.judges()
        )
        if self.codedeploy is None or not self._codedeploy_specs:
            executor = Executor(self.ecs, self.clock, self.sink, self.native, self._native_starts)
            return Orchestrator(executor, waiter, self.clock, self.sink)
        specs = self._codedeploy_specs
        groups = {key: spec.group for key, spec in specs.items()}
        cd_waiter = CodeDeployWaiter(
            self.codedeploy, self.clock, self.sink, groups, runner=self.test_runner, masker=self.masker
        )
        executor = CodeDeployExecutor(
            self.ecs, self.clock, self.sink, self.codedeploy, specs, self.native, self._native_starts
        )
        return Orchestrator(executor, MixedWaiter(waiter, cd_waiter), self.clock, self.sink)

    def plan(self, request: DeployRequest, options: RunOptions | None = None) -> DeployPlan:
        """Observe, render, pin and compare: everything before a mutation, nothing changed."""
        plan = Preparer(self.ecs, self.ecr, self.clock, self.sink, self.load_template, self.masker).prepare(request)
        if not any(p.strategy == CODE_DEPLOY for p in plan.services):
            return plan
        if self.codedeploy is None:
            raise OperationFailed(
                "this engine was built without a CodeDeploy port; CODE_DEPLOY services need one",
                hint="build DeployEngine(codedeploy=...) (ecsflow.factory does). Nothing was changed.",
            )
        preparer = CodeDeployPreparer(self.codedeploy, self.group_memo, self.load_appspec, self.clock, self.sink)
        gate = (options or RunOptions()).gate or self.gate
        until_complete = gate is None or gate.until in (None, StopPoint.COMPLETE)
        plan, self._codedeploy_specs = preparer.prepare(
            plan,
            request.services,
            deployment_config=(options or RunOptions()).deployment_config,
            until_complete=until_complete,
        )
        return plan

    def deploy(
        self, request: DeployRequest, options: RunOptions | None = None, *, dry_run: bool = False
    ) -> tuple[DeployPlan, list[DeploymentResult]]:
        options = options or RunOptions()
        plan = self.plan(request, options)
        plan = self.plan_strategies(plan, request, options.gate or self.gate)
        announce(plan, self.sink, self.clock, dry_run=dry_run)
        for key, start in self._native_starts.items():
            if start.lines:
                self.sink(PlanReady(self.clock.now(), key, start.lines, dry_run=dry_run))
        if dry_run:
            results = [
                DeploymentResult(service=p.key, outcome=Outcome.NOT_STARTED, reason="dry run: nothing changed")
                for p in plan.services
            ]
            return plan, results
        return plan, self._orchestrator().run(plan, options)

    def plan_strategies(self, plan: DeployPlan, request: DeployRequest, gate: Gate | None) -> DeployPlan:
        """The strategy each ECS-controller deployment runs (``strategy:`` in ecsflow.yml) and what
        its UpdateService sends (engines/native_setup.py); refuses before any mutation."""
        configs = {svc.key: svc for svc in request.services}
        self._native_starts = {}
        services = []
        for p in plan.services:
            override = getattr(configs.get(p.key), "strategy", None)
            live = None
            if needs_service_view(p.strategy, override, gate):
                if self.native is None:
                    raise OperationFailed(
                        f"{p.key}: this engine was built without the service deployments port",
                        hint="build DeployEngine(native=...) (ecsflow.factory does). Nothing was changed.",
                    )
                live = self.native.native_service(p.cluster, p.service)
            start = plan_native(p.key, p.service, p.strategy, override, gate, live)
            if start is not None:
                if start.strategy in NATIVE and self.native is None:
                    raise OperationFailed(
                        f"{p.key}: the {start.strategy} strategy needs the service deployments API",
                        hint="build DeployEngine(native=...) (ecsflow.factory does). Nothing was changed.",
                    )
                self._native_starts[p.key] = start
                p = replace(p, strategy=start.strategy)  # noqa: PLW2901 - the effective strategy
                if start.strategy in NATIVE and live is not None and p.timeout_derived:
                    # The plan shows the native limit (refined from the deployment itself at its first poll).
                    settings = replace(live.settings, strategy=start.strategy)
                    timeout = native_timeout(settings, live.health_check_grace_seconds)
                    p = replace(p, timeout=timeout)  # noqa: PLW2901
            services.append(p)
        return DeployPlan(tuple(services), plan.groups)

    def find(self, candidates: Sequence[AttachTarget], deployment_id: str) -> AttachTarget:
        """Which of ``candidates`` runs ``deployment_id`` (``ecsflow wait ecs-svc/…``)."""
        return find_deployment(self.ecs, candidates, deployment_id)

    def wait(self, targets: Sequence[AttachTarget], *, gate: Gate | None = None) -> list[DeploymentResult]:
        """Follow the targets' deployments; ``gate``: stop at a point (``ecsflow continue --until``)."""
        tracked, known = attach(self.ecs, self.clock, targets)
        for t in tracked:
            t.gate = gate
            self.sink(Message(self.clock.now(), t.key, f"following {t.deployment_id}"))
        results = known + self._orchestrator().follow(tracked)
        order = {g.key: i for i, g in enumerate(targets)}
        return sorted(results, key=lambda r: order.get(r.service, 0))


def _no_appspec(svc: ServiceConfig) -> AppSpec:
    raise UsageError("this engine was built without an AppSpec loader; leave codedeploy.appspec unset to generate one")


def _no_templates(svc: ServiceConfig) -> TaskDefinitionInput:
    raise UsageError("this engine was built without a template loader; deploy with --base service or latest")
