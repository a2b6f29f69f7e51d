"""A scripted rollout (events and results) shared by the output tests."""

from __future__ import annotations

from ecsflow.events import (
    DeploymentFinished,
    DeploymentProgress,
    DeploymentStarted,
    Event,
    ImagePinned,
    Message,
    PlanReady,
    RevisionRegistered,
    ServiceEventSeen,
    StageReached,
    TaskStopped,
)
from ecsflow.model import DeploymentResult, DeploymentSnapshot, Outcome, TaskFailure, TrafficWeights

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/{}"
PINNED = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2@sha256:" + "a" * 64
FAILURE = TaskFailure(
    task_id="0123456789abcdef",
    reason="Essential container in task exited",
    containers=(("app", 1, None),),
    log_lines=("booting", "DB_PASSWORD=hunter22 rejected", "panic: cannot connect"),
)

SUCCEEDED = DeploymentResult(
    service="web",
    outcome=Outcome.SUCCEEDED,
    reason="ECS deployment ecs-svc/1 completed.",
    deployment_id="ecs-svc/1",
    task_definition_arn=ARN.format("web:4"),
    previous_task_definition_arn=ARN.format("web:3"),
    images=(("app", PINNED),),
    started_at=T0,
    finished_at=T0 + 95,
)
ROLLED_BACK = DeploymentResult(
    service="worker",
    outcome=Outcome.ROLLED_BACK,
    reason="ECS deployment circuit breaker: tasks failed to start.",
    deployment_id="ecs-svc/2",
    task_definition_arn=ARN.format("worker:8"),
    previous_task_definition_arn=ARN.format("worker:7"),
    images=(("app", "worker:broken"),),
    started_at=T0 + 1,
    finished_at=T0 + 130,
    failures=(FAILURE,),
)


def snap(
    dep: str, running: int, *, state: str = "IN_PROGRESS", td: str = "web:4", failed: int = 0
) -> DeploymentSnapshot:
    return DeploymentSnapshot(
        deployment_id=dep,
        status="PRIMARY",
        task_definition=ARN.format(td),
        rollout_state=state,
        desired=2,
        running=running,
        failed_tasks=failed,
    )


def events() -> list[Event]:
    return [
        PlanReady(T0, None, ("register web", "update service web"), dry_run=False),
        ImagePinned(T0 + 1, "web", "app", "web:v2", PINNED),
        RevisionRegistered(T0 + 2, "web", ARN.format("web:4"), reused=False),
        DeploymentStarted(T0 + 3, "web", "ecs-svc/1", ARN.format("web:4"), "ROLLING"),
        DeploymentStarted(T0 + 4, "worker", "ecs-svc/2", ARN.format("worker:8"), "ROLLING"),
        DeploymentProgress(T0 + 20, "web", snap("ecs-svc/1", 1)),
        DeploymentProgress(T0 + 35, "web", snap("ecs-svc/1", 1)),  # a repeated poll
        ServiceEventSeen(T0 + 36, "web", "(service web) has started 1 tasks: (task abc).", T0 + 36),
        StageReached(T0 + 37, "web", "BAKE_TIME", "IN_PROGRESS"),
        DeploymentProgress(
            T0 + 40,
            "web",
            DeploymentSnapshot(
                "ecs-svc/1",
                "PRIMARY",
                ARN.format("web:4"),
                "IN_PROGRESS",
                None,
                2,
                2,
                traffic=TrafficWeights(100.0, None),
            ),
        ),
        StageReached(T0 + 60, "web", "BAKE_TIME", "SUCCEEDED"),
        TaskStopped(T0 + 50, "worker", FAILURE),
        DeploymentProgress(T0 + 70, "worker", snap("ecs-svc/2", 0, state="FAILED", td="worker:8", failed=3)),
        Message(T0 + 71, "worker", "circuit breaker tripped; ECS rolls back to worker:7", level="warning"),
        DeploymentFinished(T0 + 95, "web", SUCCEEDED),
        DeploymentFinished(T0 + 130, "worker", ROLLED_BACK),
    ]
