"""Probe plain moto (nothing of ecsflow installed) and print what it does as JSON.

Run in a fresh interpreter by test_cd_moto_contracts.py: ecsflow's patches to moto are
process-wide, so moto's own behaviour can only be observed in a process without them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import moto
from botocore.exceptions import ClientError
from moto.core.exceptions import ServiceException

REGION = "us-east-1"


class ProbeError(ServiceException):
    """Raised from a response method: which error shape does moto give it?"""


def _client(name: str) -> Any:
    return boto3.client(name, region_name=REGION)


def _world() -> dict[str, Any]:
    # No EC2/ELBv2 resources: CodeDeploy in moto checks neither, and EC2's backend is slow to load.
    ecs, cd = _client("ecs"), _client("codedeploy")
    ecs.create_cluster(clusterName="c")
    td = ecs.register_task_definition(
        family="p", containerDefinitions=[{"name": "p", "image": "nginx", "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="c", serviceName="p", taskDefinition=td, desiredCount=2, deploymentController={"type": "CODE_DEPLOY"}
    )
    ts = ecs.create_task_set(cluster="c", service="p", taskDefinition=td, launchType="FARGATE")["taskSet"]
    cd.create_application(applicationName="a", computePlatform="ECS")
    cd.create_deployment_group(
        applicationName="a",
        deploymentGroupName="g",
        serviceRoleArn="arn:aws:iam::123456789012:role/r",
        alarmConfiguration={"enabled": True, "alarms": [{"name": "x"}]},
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        ecsServices=[{"serviceName": "p", "clusterName": "c"}],
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "p-blue"}, {"name": "p-green"}],
                    "prodTrafficRoute": {
                        "listenerArns": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/p/1/2"]
                    },
                }
            ]
        },
    )
    return {"td": td, "task_set": ts}


def _not_implemented(call: Any) -> str:
    try:
        call()
    except NotImplementedError:
        return "NotImplementedError"
    except ClientError as exc:
        return f"ClientError:{exc.response['Error']['Code']}"
    return "implemented"


def probe() -> dict[str, Any]:
    out: dict[str, Any] = {"moto_version": moto.__version__}
    with moto.mock_aws():
        _world()
        cd, ecs = _client("codedeploy"), _client("ecs")
        group = cd.get_deployment_group(applicationName="a", deploymentGroupName="g")["deploymentGroupInfo"]
        out["group_alarm_configuration"] = group.get("alarmConfiguration")
        out["group_default_config"] = group.get("deploymentConfigName")
        out["group_last_attempted"] = group.get("lastAttemptedDeployment")
        content = json.dumps({"version": 0.0, "Resources": []})
        dep = cd.create_deployment(
            applicationName="a",
            deploymentGroupName="g",
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
        )["deploymentId"]
        out["deployment_id_is_uuid"] = bool(re.fullmatch(r"[0-9a-f-]{36}", dep))
        statuses = [cd.get_deployment(deploymentId=dep)["deploymentInfo"]["status"] for _ in range(3)]
        out["statuses_over_polls"] = statuses
        deployment = cd.get_deployment(deploymentId=dep)["deploymentInfo"]
        out["error_information"] = deployment.get("errorInformation")
        out["rollback_info"] = deployment.get("rollbackInfo")
        out["overview"] = deployment.get("deploymentOverview")
        out["second_deployment_accepted"] = bool(
            cd.create_deployment(
                applicationName="a",
                deploymentGroupName="g",
                revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
            )["deploymentId"]
        )
        out["task_sets_after_create_deployment"] = len(ecs.describe_task_sets(cluster="c", service="p")["taskSets"])
        task_set = ecs.describe_task_sets(cluster="c", service="p")["taskSets"][0]
        out["task_set_has_counts"] = any(
            k in task_set for k in ("runningCount", "pendingCount", "computedDesiredCount")
        )
        out["task_set_stability"] = task_set["stabilityStatus"]
        calls = {
            "StopDeployment": lambda: cd.stop_deployment(deploymentId=dep),
            "ContinueDeployment": lambda: cd.continue_deployment(deploymentId=dep),
            "ListDeploymentTargets": lambda: cd.list_deployment_targets(deploymentId=dep),
            "GetDeploymentTarget": lambda: cd.get_deployment_target(deploymentId=dep, targetId="c:p"),
            "BatchGetDeploymentTargets": lambda: cd.batch_get_deployment_targets(deploymentId=dep, targetIds=["c:p"]),
            "PutLifecycleEventHookExecutionStatus": lambda: cd.put_lifecycle_event_hook_execution_status(
                deploymentId=dep, lifecycleEventHookExecutionId="x", status="Succeeded"
            ),
            "GetDeploymentConfig": lambda: cd.get_deployment_config(
                deploymentConfigName="CodeDeployDefault.ECSAllAtOnce"
            ),
            "CreateDeploymentConfig": lambda: cd.create_deployment_config(deploymentConfigName="x"),
            "ListDeploymentConfigs": cd.list_deployment_configs,
            "BatchGetDeploymentGroups": lambda: cd.batch_get_deployment_groups(
                applicationName="a", deploymentGroupNames=["g"]
            ),
            "UpdateDeploymentGroup": lambda: cd.update_deployment_group(
                applicationName="a", currentDeploymentGroupName="g"
            ),
        }
        out["operations"] = {name: _not_implemented(call) for name, call in calls.items()}
        # The primary task set decides the service's task definition.
        td2 = ecs.register_task_definition(
            family="p", containerDefinitions=[{"name": "p", "image": "nginx:2", "memory": 128}]
        )["taskDefinition"]["taskDefinitionArn"]
        ts2 = ecs.create_task_set(cluster="c", service="p", taskDefinition=td2, launchType="FARGATE")["taskSet"]
        ecs.update_service_primary_task_set(cluster="c", service="p", primaryTaskSet=ts2["taskSetArn"])
        service = ecs.describe_services(cluster="c", services=["p"])["services"][0]
        out["service_task_definition_follows_primary"] = service["taskDefinition"] == td2
        # Errors raised from a response method, by a ServiceException subclass outside moto.
        from moto.codedeploy.responses import CodeDeployResponse

        def raising(self: Any) -> Any:
            raise ProbeError("DeploymentAlreadyCompletedException", "done")

        CodeDeployResponse.stop_deployment = raising  # type: ignore[attr-defined]
        try:
            cd.stop_deployment(deploymentId=dep)
        except ClientError as exc:
            out["foreign_service_exception"] = [
                exc.response["Error"]["Code"],
                exc.response["ResponseMetadata"]["HTTPStatusCode"],
            ]
        from moto.codedeploy import responses
        from moto.codedeploy.models import codedeploy_backends

        internals = {
            "responses._deployment_info": hasattr(responses, "_deployment_info"),
            "responses._deployment_group_info": hasattr(responses, "_deployment_group_info"),
        }

        backend = codedeploy_backends["123456789012"][REGION]
        info = backend.deployments[dep]
        for attribute in (
            "status",
            "start_time",
            "complete_time",
            "deployment_overview",
            "instance_termination_wait_time_started",
            "deployment_status_messages",
            "deployment_group",
            "create_time",
        ):
            internals[f"DeploymentInfo.{attribute}"] = hasattr(info, attribute)
        internals["DeploymentGroup.alarm_configuration is the request dict"] = isinstance(
            backend.deployment_groups["a"]["g"].alarm_configuration, dict
        )
        out["internals"] = internals
    return out


if __name__ == "__main__":
    print(json.dumps(probe(), sort_keys=True))
