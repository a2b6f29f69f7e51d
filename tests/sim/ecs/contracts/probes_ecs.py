"""Probes of plain moto 5.2.5 for every ECS behaviour the rollout simulator overrides.

Run in a fresh interpreter by test_ecs_moto_contracts.py (see tests/sim/contracts/plain_moto.py).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError
from plain_moto import main, probe

REGION = "us-east-1"


def _ecs() -> Any:
    return boto3.client("ecs", region_name=REGION)


def _service(ecs: Any, **extra: Any) -> dict[str, Any]:
    ecs.create_cluster(clusterName="c")
    for image in ("nginx:1", "nginx:2"):
        ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": image, "memory": 64}])
    params = {"cluster": "c", "serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2}
    params.update(extra)
    return dict(ecs.create_service(**params)["service"])


@probe
def moto_version() -> str:
    import moto

    return str(moto.__version__)


@probe
def create_service_deployment_configuration() -> Any:
    service = _service(_ecs(), deploymentConfiguration={"maximumPercent": 150})
    return {"echoed": service.get("deploymentConfiguration"), "deployments": len(service["deployments"])}


@probe
def create_service_with_family_only() -> Any:
    ecs = _ecs()
    _service(ecs, taskDefinition="web")
    ecs.deregister_task_definition(taskDefinition="web:2")
    ecs.create_service(cluster="c", serviceName="other", taskDefinition="web", desiredCount=1)
    return ecs.describe_services(cluster="c", services=["web", "other"])["services"][1]["taskDefinition"]


@probe
def update_service_task_definition() -> Any:
    ecs = _ecs()
    _service(ecs)
    service = ecs.update_service(cluster="c", service="web", taskDefinition="web:2")["service"]
    return {
        "taskDefinition": service["taskDefinition"],
        "deployments": [(d["status"], d["taskDefinition"].rsplit("/", 1)[1]) for d in service["deployments"]],
    }


@probe
def update_service_force_new_deployment() -> Any:
    ecs = _ecs()
    first = _service(ecs)["deployments"][0]["id"]
    service = ecs.update_service(cluster="c", service="web", forceNewDeployment=True)["service"]
    return {"deployments": len(service["deployments"]), "same_id": service["deployments"][0]["id"] == first}


@probe
def update_service_deployment_configuration() -> Any:
    ecs = _ecs()
    _service(ecs)
    ecs.update_service(cluster="c", service="web", deploymentConfiguration={"maximumPercent": 150})
    partial = ecs.describe_services(cluster="c", services=["web"])["services"][0]["deploymentConfiguration"]
    bogus = ecs.update_service(cluster="c", service="web", deploymentConfiguration={"strategy": "NOT_A_STRATEGY"})
    return {"partial": partial, "bogus": bogus["service"]["deploymentConfiguration"]}


@probe
def update_service_desired_count() -> Any:
    ecs = _ecs()
    _service(ecs)
    service = ecs.update_service(cluster="c", service="web", desiredCount=5)["service"]
    return {"running": service["runningCount"], "pending": service["pendingCount"], "events": service["events"]}


@probe
def update_code_deploy_task_definition() -> Any:
    ecs = _ecs()
    _service(ecs, deploymentController={"type": "CODE_DEPLOY"})
    try:
        return ecs.update_service(cluster="c", service="web", taskDefinition="web:2")["service"]["taskDefinition"]
    except ClientError as error:
        return error.response["Error"]


@probe
def update_to_inactive_revision() -> Any:
    ecs = _ecs()
    _service(ecs)
    ecs.deregister_task_definition(taskDefinition="web:2")
    return ecs.update_service(cluster="c", service="web", taskDefinition="web:2")["service"]["taskDefinition"]


@probe
def service_tasks() -> Any:
    ecs = _ecs()
    _service(ecs)
    return {
        "by_service": ecs.list_tasks(cluster="c", serviceName="web")["taskArns"],
        "all": ecs.list_tasks(cluster="c")["taskArns"],
    }


@probe
def delete_service_status() -> Any:
    ecs = _ecs()
    _service(ecs)
    return ecs.delete_service(cluster="c", service="web", force=True)["service"]["status"]


def _missing(call: Any, **kwargs: Any) -> Any:
    try:
        call(**kwargs)
    except NotImplementedError as error:
        return {"raised": "NotImplementedError", "message": str(error)}
    return "implemented"


@probe
def service_deployment_operations() -> Any:
    ecs = _ecs()
    _service(ecs)
    arn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/c/web/x"
    return {
        "ListServiceDeployments": _missing(ecs.list_service_deployments, cluster="c", service="web"),
        "DescribeServiceDeployments": _missing(ecs.describe_service_deployments, serviceDeploymentArns=[arn]),
        "StopServiceDeployment": _missing(ecs.stop_service_deployment, serviceDeploymentArn=arn),
        "ContinueServiceDeployment": _missing(ecs.continue_service_deployment, serviceDeploymentArn=arn, hookId="h"),
        "DescribeServiceRevisions": _missing(ecs.describe_service_revisions, serviceRevisionArns=[arn]),
    }


@probe
def extension_points() -> Any:
    """The moto internals the adapter relies on."""
    from moto.core.responses import ActionResult
    from moto.ecs.exceptions import ECSException
    from moto.ecs.models import EC2ContainerServiceBackend, Service, ecs_backends
    from moto.ecs.responses import EC2ContainerServiceResponse

    ecs = _ecs()
    _service(
        ecs,
        loadBalancers=[
            {
                "targetGroupArn": "tg",
                "containerName": "web",
                "containerPort": 80,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": "tg2",
                    "productionListenerRule": "rule",
                    "roleArn": "r",
                },
            }
        ],
    )
    backend = ecs_backends["123456789012"][REGION]
    service = backend.services["c:web"]
    methods = ["create_service", "update_service", "delete_service", "list_tasks", "stop_task"]
    return {
        "response_methods": all(callable(getattr(EC2ContainerServiceResponse, m, None)) for m in methods),
        "backend_lookup": callable(getattr(EC2ContainerServiceBackend, "_get_service", None)),
        "service_attributes": sorted(
            a
            for a in (
                "deployment_controller",
                "load_balancers",
                "network_configuration",
                "cluster_arn",
                "launch_type",
                "desired_count",
                "deployments",
                "events",
            )
            if hasattr(service, a)
        ),
        "service_is_class": isinstance(service, Service),
        "advanced_configuration_kept": service.load_balancers[0]
        .get("advancedConfiguration", {})
        .get("alternateTargetGroupArn"),
        "tasks_table": isinstance(backend.tasks, dict),
        "task_definitions_table": sorted(backend.task_definitions["web"]),
        "action_result_exposes_result": ActionResult({"k": 1}).result == {"k": 1},
        "ecs_exception_module": ECSException.__module__,
    }


@probe
def elbv2_forward_action_shape() -> Any:
    """env._set_weights edits FakeAction.data['ForwardConfig'] in place."""
    from moto.elbv2.models import elbv2_backends

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=c, AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
        for c, z in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))
    ]
    elbv2 = boto3.client("elbv2", region_name=REGION)
    lb = elbv2.create_load_balancer(Name="lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )["Listeners"][0]["ListenerArn"]
    forward = {"TargetGroups": [{"TargetGroupArn": tg, "Weight": 100}]}
    rule_arn = elbv2.create_rule(
        ListenerArn=listener,
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
        Actions=[{"Type": "forward", "ForwardConfig": forward}],
    )["Rules"][0]["RuleArn"]
    backend = elbv2_backends["123456789012"][REGION]
    rule = backend.load_balancers[lb].listeners[listener].rules[rule_arn]
    rule.actions[0].data["ForwardConfig"]["TargetGroups"][0]["Weight"] = 7
    seen = elbv2.describe_rules(RuleArns=[rule_arn])["Rules"][0]["Actions"][0]["ForwardConfig"]["TargetGroups"]
    return {"weight_after_in_place_edit": seen[0]["Weight"]}


@probe
def logs_backend_shape() -> Any:
    from moto.logs.models import logs_backends

    logs = logs_backends["123456789012"][REGION]
    logs.create_log_group("/g", {})
    logs.create_log_stream("/g", "s")
    import time

    logs.put_log_events("/g", "s", [{"timestamp": int(time.time() * 1000), "message": "m"}])
    events = boto3.client("logs", region_name=REGION).get_log_events(logGroupName="/g", logStreamName="s")["events"]
    return {"streams_table": "s" in logs.groups["/g"].streams, "messages": [e["message"] for e in events]}


if __name__ == "__main__":
    main()
