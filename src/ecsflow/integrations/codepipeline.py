"""The Lambda handler for CodePipeline's Invoke action: an ecsflow deploy as a pipeline action.

Configure the action with provider ``Lambda``, the function's handler
``ecsflow.integrations.codepipeline.handler`` and UserParameters such as::

    {"cluster": "prod", "service": "web", "mode": "latest"}
    {"cluster": "prod", "services": ["web", "worker"], "image_definitions": "imagedefinitions.json"}

Modes (``ecsflow.integrations.codepipeline_job`` checks every key):

* ``latest``: move each service to the newest ACTIVE revision of its family (the job
  teams write by hand because the ECS deploy action ignores revisions registered
  outside it, AWS-SEMANTICS.md §1.2); nothing is registered.
* ``deploy`` (default): image inputs from the input artifact (``imagedefinitions.json``
  and/or ``imageDetail.json``; a ``task_definition`` template in the artifact makes it
  the base), each ECR tag pinned to its digest, as ``ecsflow deploy`` does. The base is
  the service's running revision by default, as the ECS deploy action does.

The job reports the honest outcome: ``PutJobSuccessResult`` only when every deployment
succeeded (or there was nothing to deploy); a rollback, failure, timeout or supersession
is ``PutJobFailureResult`` with the reason; bad parameters are a ``ConfigurationError``.

Long waits: a Lambda function runs at most 15 minutes. Before its remaining time
(``context.get_remaining_time_in_millis()``) drops under ``reserve_seconds``, the handler
stops waiting and reports ``PutJobSuccessResult`` with a ``continuationToken`` holding
the deployments it waits for and their deadlines; CodePipeline invokes the function
again with that token (``data.continuationToken``) and the wait resumes where it stopped.

The handler never raises once it knows the job: CodePipeline invokes Lambda
asynchronously, and a raised error would make Lambda retry the whole deploy.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ecsflow.config import ServiceConfig
from ecsflow.diff import Masker
from ecsflow.engines.attach import AttachTarget
from ecsflow.engines.codedeploy_prepare import resolve_group
from ecsflow.engines.codedeploy_wait import CodeDeployWaiter
from ecsflow.engines.deploy import DeployEngine
from ecsflow.engines.env_records import record_deploys
from ecsflow.engines.executor import Executor
from ecsflow.engines.orchestrator import Orchestrator, RunOptions
from ecsflow.engines.prepare import DeployRequest
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import EcsflowError, ExitCode, OperationFailed
from ecsflow.events import Event, to_dict
from ecsflow.factory import AwsOptions, deploy_engine, make_clock
from ecsflow.integrations.codepipeline_inputs import job_inputs, record_of
from ecsflow.integrations.codepipeline_job import (
    Finished,
    JobEvent,
    JobEventError,
    JobParameters,
    JobState,
    Waiting,
    parse_event,
    parse_parameters,
)
from ecsflow.model import DeploymentResult, Outcome
from ecsflow.plan import DeployPlan
from ecsflow.ports import Clock

CODE_DEPLOY = "CODE_DEPLOY"


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class OutOfTime(KeyboardInterrupt):
    """The Lambda's time is nearly up. Raised from the clock's ``sleep`` between two polls, it
    takes the waiter's interrupt path: every deployment goes on in ECS and is reported as
    interrupted, which the handler turns into a continuation."""


class BudgetClock:
    """A clock that refuses to sleep into the last ``reserve`` seconds of the invocation."""

    def __init__(self, inner: Clock, remaining_ms: Callable[[], int], reserve: float) -> None:
        self.inner = inner
        self.remaining_ms = remaining_ms
        self.reserve = reserve

    def now(self) -> float:
        return self.inner.now()

    def left(self) -> float:
        return self.remaining_ms() / 1000.0 - self.reserve

    def sleep(self, seconds: float) -> None:
        if self.left() - seconds <= 0:
            raise OutOfTime
        self.inner.sleep(seconds)


@dataclass
class Report:
    """What the job reports: success (final or with a continuation token) or failure."""

    succeeded: bool
    message: str
    kind: str = "JobFailed"  # failure type: JobFailed | ConfigurationError
    continuation: JobState | None = None
    external_id: str | None = None
    output_variables: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": "continue" if self.continuation else ("succeeded" if self.succeeded else "failed"),
            "message": self.message,
            "failure_type": None if self.succeeded else self.kind,
            "continuation_token": self.continuation.encode() if self.continuation else None,
            "output_variables": self.output_variables,
        }


def log_sink(event: Event) -> None:
    """Events as JSON lines on stdout: CloudWatch Logs keeps the function's output."""
    print(json.dumps(to_dict(event), default=str), flush=True)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """The Lambda entry point (``ecsflow.integrations.codepipeline.handler``)."""
    return run_job(event, context, os.environ)


def run_job(
    event: Any, context: Any, environ: Mapping[str, str], *, sink: Callable[[Event], None] = log_sink
) -> dict[str, Any]:
    from ecsflow.aws import AwsClients, AwsSettings
    from ecsflow.aws.codepipeline import TOKEN_MAX, CodePipelineJobs

    try:
        job = parse_event(event)
    except JobEventError as exc:
        print(f"ecsflow: {exc.message}", file=sys.stderr)
        return {"result": "not a job", "message": exc.message}
    endpoint = environ.get("ECSFLOW_ENDPOINT_URL") or None
    region = environ.get("ECSFLOW_REGION") or None
    try:
        params = parse_parameters(job.user_parameters)
        region = params.region or region
        options = AwsOptions(region=region, endpoint_url=endpoint, clock=environ.get("ECSFLOW_CLOCK") or None)
        report = _run(job, params, context, options, environ, sink)
        if report.continuation is not None and len(report.continuation.encode()) > TOKEN_MAX:
            report = Report(False, "too many services for one job's continuation token: split the action")
    except EcsflowError as exc:
        report = Report(
            False, _message(exc), "ConfigurationError" if exc.exit_code is ExitCode.INVALID else "JobFailed"
        )
    except Exception as exc:  # a bug: the job must still end, with what to report
        report = Report(False, f"internal error in ecsflow ({type(exc).__name__}: {exc}); please report it")
    jobs = CodePipelineJobs(AwsClients(AwsSettings(region=region, endpoint_url=endpoint)))
    if report.continuation is not None:
        jobs.succeed(
            job.id,
            summary=report.message,
            external_id=report.external_id,
            continuation_token=report.continuation.encode(),
        )
    elif report.succeeded:
        jobs.succeed(
            job.id, summary=report.message, external_id=report.external_id, output_variables=report.output_variables
        )
    else:
        jobs.fail(job.id, report.message, kind=report.kind, external_id=report.external_id)
    return report.as_dict()


def _message(exc: EcsflowError) -> str:
    lines = [exc.message, *exc.details()]
    if exc.hint:
        lines.append(f"hint: {exc.hint}")
    return "\n".join(lines)


def _run(
    job: JobEvent,
    params: JobParameters,
    context: Any,
    options: AwsOptions,
    environ: Mapping[str, str],
    sink: Callable[[Event], None],
) -> Report:
    remaining: Callable[[], int] = getattr(context, "get_remaining_time_in_millis", lambda: 900_000)
    clock = BudgetClock(make_clock(options), remaining, params.reserve_seconds)
    if job.continuation_token:
        state = JobState.decode(job.continuation_token)
        engine = deploy_engine(options, None, sink=sink, masker=Masker(), clock=clock)
        return _wait(engine, clock, state)
    # The job's files live in a temporary folder (Lambda: /tmp) for the whole invocation.
    with tempfile.TemporaryDirectory(prefix="ecsflow-job-") as folder:
        services, inputs, base, config = job_inputs(job, params, options, Path(folder))
        engine = deploy_engine(options, config, sink=sink, masker=Masker(), clock=clock)
        request = DeployRequest(
            services=services,
            groups=(tuple(s.key for s in services),),
            inputs=inputs,
            revision="latest" if params.mode == "latest" else None,
            base=base,
            timeout=params.timeout,
            variables=dict(environ),
            record=record_of(job, params, environ, clock.now()),
        )
        plan, results = engine.deploy(request, RunOptions(concurrency=len(services), fail_fast=False, wait=False))
        _record_reused(options, plan, results, request, sink, clock)
        started_at = clock.now()
        where = {s.key: s for s in services}
        waiting: list[Waiting] = []
        finished: list[Finished] = []
        failed: list[DeploymentResult] = []
        for r in results:
            if r.outcome is Outcome.NOT_STARTED and r.deployment_id:
                svc = where[r.service]
                deadline = started_at + plan.service(r.service).timeout
                strategy = CODE_DEPLOY if plan.service(r.service).strategy == CODE_DEPLOY else "ECS"
                waiting.append(
                    Waiting(
                        r.service, svc.cluster, svc.service, r.deployment_id, deadline, r.task_definition_arn, strategy
                    )
                )
            elif r.outcome.ok:
                finished.append(Finished(r.service, r.outcome.value, r.task_definition_arn, r.deployment_id))
            else:
                failed.append(r)
        state = JobState(tuple(waiting), tuple(finished), invocation=1, started_at=started_at)
        if failed:
            return _failure(failed, state)
        return _wait(engine, clock, state)


def _record_reused(
    options: AwsOptions,
    plan: DeployPlan,
    results: list[DeploymentResult],
    request: DeployRequest,
    sink: Callable[[Event], None],
    clock: Clock,
) -> None:
    from ecsflow.aws import AwsClients, AwsSettings
    from ecsflow.aws.tags import EcsTagger

    tagger = EcsTagger(AwsClients(AwsSettings(region=options.region, endpoint_url=options.endpoint_url)))
    record_deploys(tagger, plan, results, request.record, sink=sink, clock=clock)


def _wait(engine: DeployEngine, clock: BudgetClock, state: JobState) -> Report:
    finished = list(state.finished)
    failed: list[DeploymentResult] = []
    pending = list(state.waiting)
    # Even with no time left, attach and poll once: the first sleep ends the invocation, and
    # a deployment that finished meanwhile is seen (a continuation never loops blind).
    if pending:
        now = clock.now()
        by_key = {w.key: w for w in pending}
        on_ecs = [w for w in pending if w.strategy != CODE_DEPLOY]
        targets = [
            AttachTarget(w.key, w.cluster, w.service, w.deployment_id, max(w.deadline - now, 0.0)) for w in on_ecs
        ]
        results = engine.wait(targets) if targets else []
        results += _follow_codedeploy(engine, clock, [w for w in pending if w.strategy == CODE_DEPLOY])
        pending = []
        for r in results:
            if r.outcome is Outcome.INTERRUPTED:
                pending.append(by_key[r.service])
            elif r.outcome.ok:
                finished.append(Finished(r.service, r.outcome.value, r.task_definition_arn, r.deployment_id))
            else:
                failed.append(r)
    after = JobState(tuple(pending), tuple(finished), state.invocation + 1, state.started_at)
    if failed:
        return _failure(failed, after)
    if pending:
        names = ", ".join(f"{w.key} ({w.deployment_id})" for w in pending)
        return Report(
            True,
            f"waiting for {names}; continues in the next invocation",
            continuation=after,
            external_id=pending[0].deployment_id,
        )
    return _success(finished)


def _follow_codedeploy(engine: DeployEngine, clock: BudgetClock, waiting: list[Waiting]) -> list[DeploymentResult]:
    """Resume CodeDeploy blue/green deployments by id (the ECS service shows task sets, not them)."""
    if not waiting:
        return []
    if engine.codedeploy is None:
        raise OperationFailed("this engine has no CodeDeploy port to follow a CODE_DEPLOY deployment")
    groups = {
        w.key: resolve_group(
            engine.codedeploy, engine.group_memo, ServiceConfig(w.key, w.cluster, w.service), engine.sink, clock
        )
        for w in waiting
    }
    now = clock.now()
    tracked = [
        Tracked(
            key=w.key,
            cluster=w.cluster,
            service=w.service,
            deployment_id=w.deployment_id,
            task_definition=w.task_definition,
            previous_task_definition=None,
            started_at=now,
            deadline=w.deadline,
            strategy=CODE_DEPLOY,
        )
        for w in waiting
    ]
    waiter = CodeDeployWaiter(engine.codedeploy, clock, engine.sink, groups, masker=engine.masker)
    return Orchestrator(Executor(engine.ecs, clock, engine.sink), waiter, clock, engine.sink).follow(tracked)


def _success(finished: list[Finished]) -> Report:
    parts = []
    for f in finished:
        revision = (f.task_definition or "").rsplit("/", 1)[-1] or "its revision"
        parts.append(f"{f.key}: {'succeeded' if f.deployment_id else 'nothing to deploy'} ({revision})")
    variables = {"outcome": "succeeded"}
    if len(finished) == 1:
        only = finished[0]
        if only.task_definition:
            variables["taskDefinitionArn"] = only.task_definition
        if only.deployment_id:
            variables["deploymentId"] = only.deployment_id
    first = next((f.deployment_id for f in finished if f.deployment_id), None)
    return Report(True, "; ".join(parts) or "nothing to deploy", external_id=first, output_variables=variables)


def _failure(failed: list[DeploymentResult], state: JobState) -> Report:
    lines = [f"{r.service}: {r.outcome.value.replace('_', ' ')}: {r.reason}" for r in failed]
    for r in failed:
        lines += [f"  {n}" for n in r.notes]
    if state.waiting:
        names = ", ".join(w.key for w in state.waiting)
        lines.append(f"still deploying (not waited for): {names}")
    first = next((r.deployment_id for r in failed if r.deployment_id), None)
    return Report(False, "\n".join(lines), external_id=first)
