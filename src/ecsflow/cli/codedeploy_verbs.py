"""The CodeDeploy side of ``ecsflow rollback`` and ``ecsflow continue`` (CODE_DEPLOY services).

* rollback, while a CodeDeploy deployment runs: ``StopDeployment(autoRollbackEnabled=True)``,
  then follow it until CodeDeploy has moved traffic back (AWS-SEMANTICS.md §5.5); a stop
  that rolled back is what the user asked for, so it reports ``succeeded``.
* rollback, when none runs: a new CodeDeploy deployment of the last good revision (the newest
  succeeded CodeDeploy deployment of another revision), or of ``--to``.
* continue: ``ContinueDeployment`` with the wait type the deployment is in (ready wait or
  termination wait).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ecsflow.cli.context import CliContext
from ecsflow.cli.service_targets import Target
from ecsflow.config import BaseMode, ProjectConfig, ServiceConfig
from ecsflow.engines.attach import AttachTarget
from ecsflow.engines.codedeploy import (
    continue_deployment,
    last_good_revision,
    running_deployment,
    stop_with_rollback,
    task_definition_of,
)
from ecsflow.engines.codedeploy_judge import judge, snapshot
from ecsflow.engines.codedeploy_prepare import resolve_group
from ecsflow.engines.codedeploy_wait import CodeDeployWaiter
from ecsflow.engines.deploy import DeployEngine
from ecsflow.engines.executor import Executor
from ecsflow.engines.inspect import short
from ecsflow.engines.orchestrator import Orchestrator, RunOptions
from ecsflow.engines.prepare import DeployRequest
from ecsflow.engines.rollback_target import find_rollback_target
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import EcsflowError, OperationFailed
from ecsflow.events import Message, null_sink
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.ports import ServiceState, SystemClock
from ecsflow.ports_codedeploy import CodeDeployPort, DeploymentGroup, target_id

STOP_TIMEOUT = 900.0  # StopDeployment then traffic back: minutes at most (ready for a slow drain)
ATTACH_TIMEOUT = 3600.0  # `ecsflow wait` on a running deployment: plus the group's termination wait


def _port(engine: DeployEngine) -> CodeDeployPort:
    if engine.codedeploy is None:
        raise OperationFailed("this engine was built without a CodeDeploy port", hint="use ecsflow.factory")
    return engine.codedeploy


def _config(target: Target) -> ServiceConfig:
    return target.config or ServiceConfig(
        key=target.key, cluster=target.cluster, service=target.service, base=BaseMode.SERVICE
    )


def group_of(engine: DeployEngine, target: Target) -> DeploymentGroup:
    return resolve_group(_port(engine), engine.group_memo, _config(target), engine.sink, engine.clock)


def rollback_codedeploy(
    engine: DeployEngine,
    target: Target,
    state: ServiceState,
    *,
    to: str | None,
    dry_run: bool,
    timeout: float | None,
) -> list[DeploymentResult]:
    port = _port(engine)
    group = group_of(engine, target)
    running = running_deployment(port, group)
    if running is not None:
        if dry_run:
            reason = f"dry run: would stop {running.id} with rollback (StopDeployment)"
            return [DeploymentResult(target.key, Outcome.NOT_STARTED, reason, deployment_id=running.id)]
        stop_with_rollback(port, group, target.key, engine.sink, engine.clock)
        return [_follow_stop(engine, target, state, group, running.id, timeout)]
    current = state.task_definition
    if to is not None:
        arn = find_rollback_target(engine.ecs, target.cluster, target.service, to=to, state=state).task_definition
        why = f"requested with --to {to}"
    else:
        found = last_good_revision(port, group, current)
        if found is None:
            raise OperationFailed(
                f"no earlier succeeded CodeDeploy deployment of {target.key} names another revision",
                hint=f"name the revision: `ecsflow rollback {target.key} --to N` "
                f"(`ecsflow revisions {target.key}` lists them)",
            )
        arn, why = found, "last succeeded CodeDeploy deployment other than the running revision"
    engine.sink(Message(engine.clock.now(), target.key, f"rollback {short(current)} → {short(arn)}: {why}"))
    if dry_run:
        reason = f"dry run: would deploy {short(arn)} with CodeDeploy"
        return [DeploymentResult(target.key, Outcome.NOT_STARTED, reason, task_definition_arn=arn)]
    svc = _config(target)
    request = DeployRequest(services=(svc,), groups=((svc.key,),), revision=arn, timeout=timeout)
    _, results = engine.deploy(request, RunOptions(concurrency=1))
    return results


def _follow_stop(
    engine: DeployEngine,
    target: Target,
    state: ServiceState,
    group: DeploymentGroup,
    deployment_id: str,
    timeout: float | None,
) -> DeploymentResult:
    now = engine.clock.now()
    tracked = Tracked(
        key=target.key,
        cluster=target.cluster,
        service=target.service,
        deployment_id=deployment_id,
        task_definition=None,
        previous_task_definition=state.task_definition,
        started_at=now,
        deadline=now + (timeout or STOP_TIMEOUT),
        strategy="CODE_DEPLOY",
    )
    waiter = CodeDeployWaiter(_port(engine), engine.clock, engine.sink, {target.key: group}, masker=engine.masker)
    orchestrator = Orchestrator(Executor(engine.ecs, engine.clock, engine.sink), waiter, engine.clock, engine.sink)
    (result,) = orchestrator.follow([tracked])
    if result.outcome is Outcome.ROLLED_BACK:
        after = engine.ecs.describe_services(target.cluster, [target.service]).get(target.service)
        back = after.task_definition if after is not None else state.task_definition
        return replace(
            result,
            outcome=Outcome.SUCCEEDED,
            reason=f"stopped {deployment_id}; CodeDeploy moved traffic back to {short(back)}",
            task_definition_arn=back,
        )
    return result


def continue_codedeploy(engine: DeployEngine, target: Target) -> DeploymentResult:
    """ContinueDeployment of the service's waiting CodeDeploy deployment (exit 0 once accepted)."""
    port = _port(engine)
    group = group_of(engine, target)
    d = continue_deployment(port, group, target.key, engine.sink, engine.clock)
    what = "ready wait" if d.status == "Ready" else "termination wait"
    return DeploymentResult(
        target.key,
        Outcome.SUCCEEDED,
        f"continued {d.id} past the {what}",
        deployment_id=d.id,
        notes=(f"CodeDeploy goes on; `ecsflow status {target.key}` shows the service",),
    )


def wait_codedeploy(
    engine: DeployEngine, targets: list[AttachTarget]
) -> tuple[list[DeploymentResult], list[AttachTarget]]:
    """``ecsflow wait`` for CODE_DEPLOY services: follow the group's running deployment (or report
    how the last one ended); returns those results and the targets left for the ECS waiter."""
    rest: list[AttachTarget] = []
    known: list[DeploymentResult] = []
    tracked: list[Tracked] = []
    groups: dict[str, DeploymentGroup] = {}
    port = engine.codedeploy
    for a in targets:
        state = engine.ecs.describe_services(a.cluster, [a.service]).get(a.service)
        if port is None or state is None or state.controller != "CODE_DEPLOY" or a.deployment_id:
            rest.append(a)
            continue
        target = Target(a.key, a.cluster, a.service)
        group = groups[a.key] = group_of(engine, target)
        d = running_deployment(port, group)
        now = engine.clock.now()
        if d is None:
            if not group.last_attempted:
                known.append(DeploymentResult(a.key, Outcome.SUCCEEDED, "no CodeDeploy deployment to wait for"))
                continue
            last = port.get_deployment(group.last_attempted)
            verdict = judge(
                last,
                port.get_target(last.id, f"{a.cluster.rsplit('/', 1)[-1]}:{a.service}"),
                auto_rollback=group.auto_rollback,
            )
            outcome, reason = (verdict.outcome, verdict.reason) if verdict else (Outcome.SUCCEEDED, last.status)
            arn = task_definition_of(last.appspec_content)
            known.append(
                DeploymentResult(
                    a.key, outcome, reason, deployment_id=last.id, task_definition_arn=arn, finished_at=now
                )
            )
            continue
        engine.sink(Message(now, a.key, f"following {d.id} ({d.status})"))
        limit = a.timeout or ATTACH_TIMEOUT + group.termination_wait_minutes * 60.0
        tracked.append(
            Tracked(
                key=a.key,
                cluster=a.cluster,
                service=a.service,
                deployment_id=d.id,
                task_definition=task_definition_of(d.appspec_content),
                previous_task_definition=state.task_definition,
                started_at=now,
                deadline=now + limit,
                strategy="CODE_DEPLOY",
                attached_late=True,
            )
        )
    if tracked:
        assert port is not None
        waiter = CodeDeployWaiter(port, engine.clock, engine.sink, groups, masker=engine.masker)
        executor = Executor(engine.ecs, engine.clock, engine.sink)
        known += Orchestrator(executor, waiter, engine.clock, engine.sink).follow(tracked)
    return known, rest


def codedeploy_status(
    cli_ctx: CliContext, config: ProjectConfig | None, targets: Sequence[Target], states: Mapping[str, ServiceState]
) -> dict[str, dict[str, Any]]:
    """``ecsflow status``: the running CodeDeploy deployment of each CODE_DEPLOY service (key ->
    id, status, stage, production traffic on the new revision). One GetDeploymentGroup per such
    service (the group remembered or configured), plus GetDeployment and GetDeploymentTarget
    only while a deployment runs."""
    wanted = [t for t in targets if (s := states.get(t.key)) is not None and s.controller == "CODE_DEPLOY"]
    if not wanted:
        return {}
    from ecsflow.aws.codedeploy import CodeDeployAdapter
    from ecsflow.cli.deploy import cli_clients
    from ecsflow.factory import group_memo

    port = CodeDeployAdapter(cli_clients(cli_ctx, config))
    memo = group_memo(config)
    out: dict[str, dict[str, Any]] = {}
    for t in wanted:
        try:
            group = resolve_group(port, memo, _config(t), null_sink, SystemClock())
            d = running_deployment(port, group)
        except EcsflowError as exc:
            out[t.key] = {"error": exc.message}
            continue
        entry: dict[str, Any] = {"application": group.application, "deployment_group": group.name, "running": None}
        if d is not None:
            target = port.get_target(d.id, target_id(t.cluster, t.service))
            snap = snapshot(d, target, None, test=group.test_listener)
            entry["running"] = {
                "id": d.id,
                "status": d.status,
                "stage": snap.stage,
                "production_traffic": snap.traffic.production,
            }
        out[t.key] = entry
    return out


def status_lines(entry: Mapping[str, Any]) -> list[str]:
    if "error" in entry:
        return [f"  codedeploy: {entry['error']}"]
    where = f"{entry['application']}/{entry['deployment_group']}"
    running = entry.get("running")
    if not running:
        return [f"  codedeploy {where}: no deployment running"]
    weight = running.get("production_traffic")
    traffic = f", production {weight:.0f}% on the new revision" if weight is not None else ""
    return [f"  codedeploy {where}: {running['id']} {running['status']} ({running['stage']}{traffic})"]
