"""Simulated tasks through ListTasks / DescribeTasks / StopTask, and logs of failing containers."""

from __future__ import annotations

import pytest
from ecs_helpers import create_service, describe, register_revision, steady

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def test_tasks_are_listed_and_described(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=2)
    ecs = local_aws.client("ecs")
    arns = ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"]
    assert len(arns) == 2
    assert ecs.list_tasks(cluster="demo", serviceName="other")["taskArns"] == []
    tasks = ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]
    deployment_id = describe(local_aws, local_world)["deployments"][0]["id"]
    for task in tasks:
        assert task["startedBy"] == deployment_id
        assert task["group"] == "service:web"
        assert task["taskDefinitionArn"] == local_world.task_definition_arn
        assert task["desiredStatus"] == "RUNNING"
        assert [(c["name"], c["image"]) for c in task["containers"]] == [("web", local_world.image)]
    steady(local_aws, local_world)
    tasks = ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]
    assert {t["lastStatus"] for t in tasks} == {"RUNNING"}


@pytest.mark.local_aws(
    scenario={"services": {"web": {"log_lines": ["boot", "panic: no database"], "exit_code": 3}}},
)
def test_failed_tasks_show_reasons_and_log_lines(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    steady(local_aws, local_world)
    register_revision(local_aws, local_world, f"{local_world.repository_uri}:broken")
    ecs = local_aws.client("ecs")
    ecs.update_service(cluster="demo", service="web", taskDefinition="web:2")
    for _ in range(3):
        describe(local_aws, local_world)
    stopped = ecs.list_tasks(cluster="demo", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    assert stopped
    running = ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"]
    assert not set(stopped) & set(running), "ListTasks lists RUNNING tasks unless asked for STOPPED"
    task = ecs.describe_tasks(cluster="demo", tasks=stopped[:1])["tasks"][0]
    assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"
    [container] = task["containers"]
    assert (container["exitCode"], container["reason"]) == (3, "Essential container in task exited")
    task_id = task["taskArn"].rsplit("/", 1)[1]
    events = local_aws.client("logs").get_log_events(logGroupName="/ecs/web", logStreamName=f"web/web/{task_id}")
    assert [e["message"] for e in events["events"]] == ["boot", "panic: no database"]


@pytest.mark.local_aws(
    scenario={"services": {"web": {"fail_first_tasks": 1, "failure_reason": "CannotPullContainerError: not found"}}}
)
def test_failure_to_start_has_no_exit_code_and_no_logs(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    steady(local_aws, local_world)
    ecs = local_aws.client("ecs")
    [arn] = ecs.list_tasks(cluster="demo", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    task = ecs.describe_tasks(cluster="demo", tasks=[arn])["tasks"][0]
    assert task["stopCode"] == "TaskFailedToStart"
    assert "exitCode" not in task["containers"][0]
    streams = local_aws.client("logs").describe_log_streams(logGroupName="/ecs/web")["logStreams"]
    assert streams == []


def test_default_log_line_names_the_image(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    steady(local_aws, local_world)
    image = f"{local_world.repository_uri}:broken"
    register_revision(local_aws, local_world, image)
    local_aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:2")
    for _ in range(3):
        describe(local_aws, local_world)
    logs = local_aws.client("logs")
    stream = logs.describe_log_streams(logGroupName="/ecs/web")["logStreams"][0]["logStreamName"]
    [event] = logs.get_log_events(logGroupName="/ecs/web", logStreamName=stream)["events"]
    assert event["message"] == f"Error: container web ({image}) exited with code 1"


def test_stop_task_is_replaced(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=2)
    steady(local_aws, local_world)
    ecs = local_aws.client("ecs")
    victim = ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"][0]
    stopped = ecs.stop_task(cluster="demo", task=victim, reason="testing")["task"]
    assert (stopped["desiredStatus"], stopped["stopCode"], stopped["stoppedReason"]) == (
        "STOPPED",
        "UserInitiated",
        "testing",
    )
    steady(local_aws, local_world)
    arns = ecs.list_tasks(cluster="demo", serviceName="web")["taskArns"]
    assert len(arns) == 2 and victim not in arns
