"""Rolling deployments and the circuit breaker through boto3 over HTTP (poll clock, 15 s a poll)."""

from __future__ import annotations

import botocore.exceptions
import pytest
from ecs_helpers import create_service, describe, register_revision, service_deployments, steady

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

BREAKER_ROLLBACK = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}


def test_create_service_keeps_configuration_and_normalises_the_task_definition(
    local_aws: LocalAWS, local_world: World
) -> None:
    service = create_service(local_aws, local_world, deploymentConfiguration={"maximumPercent": 150})
    assert service["taskDefinition"] == local_world.task_definition_arn  # family -> latest ACTIVE ARN
    assert service["deploymentConfiguration"] == {
        "maximumPercent": 150,
        "minimumHealthyPercent": 100,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "strategy": "ROLLING",
    }
    [deployment] = service["deployments"]
    assert deployment["status"] == "PRIMARY" and deployment["rolloutState"] == "IN_PROGRESS"
    assert deployment["id"].startswith("ecs-svc/") and len(deployment["id"]) == 27
    assert service["currentServiceDeployment"].startswith(
        "arn:aws:ecs:us-east-1:123456789012:service-deployment/demo/web/"
    )


def test_rolling_update_progresses_within_limits_until_steady(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, deploymentConfiguration={"maximumPercent": 150})
    steady(local_aws, local_world)
    second = register_revision(local_aws, local_world, "public.ecr.aws/nginx/nginx:1.27")
    updated = local_aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:2")["service"]
    assert updated["taskDefinition"] == second
    assert [d["status"] for d in updated["deployments"]] == ["PRIMARY", "ACTIVE"]
    seen_two = False
    for _ in range(20):
        service = describe(local_aws, local_world)
        assert service["runningCount"] + service["pendingCount"] <= 6  # floor(4 × 150 %)
        seen_two = seen_two or len(service["deployments"]) == 2
        if len(service["deployments"]) == 1 and service["deployments"][0]["rolloutState"] == "COMPLETED":
            break
    else:
        pytest.fail("the rollout did not complete")
    assert seen_two
    [deployment] = service["deployments"]
    assert deployment["taskDefinition"] == second and deployment["runningCount"] == 4
    messages = [e["message"] for e in service["events"]]
    assert messages[0] == "(service web) has reached a steady state."
    assert messages[1] == f"(service web) (deployment {deployment['id']}) deployment completed."
    assert any(m.startswith("(service web) has started 2 tasks: (task ") for m in messages)
    assert any(m.startswith("(service web) has stopped 2 running tasks: (task ") for m in messages)
    steady(local_aws, local_world, attempts=1)


def test_desired_count_only_update_starts_no_deployment(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    steady(local_aws, local_world)
    local_aws.client("ecs").update_service(cluster="demo", service="web", desiredCount=3)
    service = describe(local_aws, local_world)
    assert len(service["deployments"]) == 1 and service["desiredCount"] == 3
    assert len(service_deployments(local_aws, local_world)) == 1
    steady(local_aws, local_world)
    assert describe(local_aws, local_world)["runningCount"] == 3


def test_force_new_deployment_creates_a_service_deployment(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    steady(local_aws, local_world)
    local_aws.client("ecs").update_service(cluster="demo", service="web", forceNewDeployment=True)
    service = describe(local_aws, local_world)
    assert len(service["deployments"]) == 2
    assert {d["taskDefinition"] for d in service["deployments"]} == {local_world.task_definition_arn}
    steady(local_aws, local_world)
    statuses = [d["status"] for d in service_deployments(local_aws, local_world)]
    assert statuses == ["SUCCESSFUL", "SUCCESSFUL"]


def test_task_definition_forms_and_inactive_revisions(local_aws: LocalAWS, local_world: World) -> None:
    ecs = local_aws.client("ecs")
    create_service(local_aws, local_world, desired=1)
    second = register_revision(local_aws, local_world, "nginx:2")
    assert (
        ecs.update_service(cluster="demo", service="web", taskDefinition="web")["service"]["taskDefinition"] == second
    )
    assert (
        ecs.update_service(cluster="demo", service="web", taskDefinition=local_world.task_definition_arn)["service"][
            "taskDefinition"
        ]
        == local_world.task_definition_arn
    )
    ecs.deregister_task_definition(taskDefinition="web:2")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        ecs.update_service(cluster="demo", service="web", taskDefinition="web:2")
    assert refused.value.response["Error"]["Code"] == "ClientException"
    assert refused.value.response["Error"]["Message"] == "TaskDefinition is inactive"
    # The family alone means the latest ACTIVE revision: web:1 again.
    assert ecs.update_service(cluster="demo", service="web", taskDefinition="web")["service"]["taskDefinition"] == (
        local_world.task_definition_arn
    )


def test_code_deploy_service_refuses_a_task_definition_change(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1, deploymentController={"type": "CODE_DEPLOY"})
    register_revision(local_aws, local_world, "nginx:2")
    ecs = local_aws.client("ecs")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        ecs.update_service(cluster="demo", service="web", taskDefinition="web:2")
    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Unable to update task definition on services with a CODE_DEPLOY deployment controller. "
        "Use AWS CodeDeploy to trigger a new deployment.",
    }
    assert ecs.update_service(cluster="demo", service="web", desiredCount=2)["service"]["desiredCount"] == 2


def test_circuit_breaker_rollback_then_the_waiter_passes(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, deploymentConfiguration=BREAKER_ROLLBACK)
    steady(local_aws, local_world)
    register_revision(local_aws, local_world, f"{local_world.repository_uri}:broken")
    local_aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:2")
    # AWS's real and misleading behaviour: the waiter only looks at deployments and
    # counts, so it succeeds once the rollback is done (AWS-SEMANTICS 6.5).
    steady(local_aws, local_world)
    service = describe(local_aws, local_world)
    assert service["taskDefinition"] == local_world.task_definition_arn
    assert [(d["status"], d["rolloutState"]) for d in service["deployments"]] == [("PRIMARY", "COMPLETED")]
    assert any("deployment failed: tasks failed to start." in e["message"] for e in service["events"])
    latest, first = service_deployments(local_aws, local_world)
    assert latest["status"] == "ROLLBACK_SUCCESSFUL"
    assert latest["deploymentCircuitBreaker"] == {"status": "TRIGGERED", "failureCount": 4, "threshold": 3}
    assert latest["rollback"]["reason"] == "Circuit breaker triggered"
    assert latest["rollback"]["serviceRevisionArn"] == first["targetServiceRevision"]["arn"]
    assert first["status"] == "SUCCESSFUL"


def test_circuit_breaker_without_rollback_never_gets_stable(local_aws: LocalAWS, local_world: World) -> None:
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": False}}
    create_service(local_aws, local_world, deploymentConfiguration=breaker)
    steady(local_aws, local_world)
    register_revision(local_aws, local_world, f"{local_world.repository_uri}:broken")
    local_aws.client("ecs").update_service(cluster="demo", service="web", taskDefinition="web:2")
    with pytest.raises(botocore.exceptions.WaiterError, match="Max attempts exceeded"):
        steady(local_aws, local_world, attempts=12)
    service = describe(local_aws, local_world)
    primary, old = service["deployments"]
    assert (primary["rolloutState"], primary["failedTasks"]) == ("FAILED", 4)
    assert primary["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert (old["rolloutState"], old["runningCount"]) == ("COMPLETED", 4)
    assert service_deployments(local_aws, local_world)[0]["status"] == "STOPPED"


def test_waiter_fails_on_missing_service(local_aws: LocalAWS, local_world: World) -> None:
    with pytest.raises(botocore.exceptions.WaiterError, match="terminal failure state"):
        steady(local_aws, local_world, name="nope")


@pytest.mark.local_aws(clock="manual")
def test_waiter_fails_on_a_draining_service(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    local_aws.advance(60)
    local_aws.client("ecs").delete_service(cluster="demo", service="web", force=True)
    assert describe(local_aws, local_world)["status"] == "DRAINING"
    with pytest.raises(botocore.exceptions.WaiterError, match="terminal failure state"):
        steady(local_aws, local_world)
    local_aws.advance(60)
    assert describe(local_aws, local_world)["status"] == "INACTIVE"


@pytest.mark.local_aws(clock="manual")
def test_update_of_a_deleted_service_is_refused(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    ecs = local_aws.client("ecs")
    ecs.delete_service(cluster="demo", service="web", force=True)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        ecs.update_service(cluster="demo", service="web", desiredCount=2)
    assert refused.value.response["Error"]["Code"] == "ServiceNotActiveException"


def test_invalid_strategy_is_refused(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        local_aws.client("ecs").update_service(
            cluster="demo", service="web", deploymentConfiguration={"strategy": "NOT_A_STRATEGY"}
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert describe(local_aws, local_world)["deploymentConfiguration"]["strategy"] == "ROLLING"
