"""``ecsflow bootstrap codedeploy`` and ``bootstrap native`` end to end on the local AWS:
bootstrap, deploy onto it with the matching strategy, re-run (no mutating call), delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bootstrap_project import Alb, cli, create_alb, mutations, network, write_project
from deploy_project import push

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e
CANARY = "CodeDeployDefault.ECSCanary10Percent5Minutes"


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def boot(world: World, **extra: Any) -> dict[str, Any]:
    lb = {"target_group": "web-tg", "container": "web", "port": 8080}
    return {**network(world), "desired_count": 2, "load_balancer": lb, **extra}


def deploy(run_cli: Any, aws: LocalAWS, config: Path, tag: str) -> None:
    push(aws, tag)
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "deploy", "web", "--tag", tag)
    assert code == ExitCode.OK, out + err


def service(aws: LocalAWS) -> dict[str, Any]:
    found: dict[str, Any] = aws.client("ecs").describe_services(cluster="apps", services=["web"])["services"][0]
    return found


def group_names(aws: LocalAWS) -> set[str]:
    return {g["TargetGroupName"] for g in aws.client("elbv2").describe_target_groups()["TargetGroups"]}


def roles(aws: LocalAWS) -> set[str]:
    return {r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]}


def listener_ports(aws: LocalAWS, alb: Alb) -> set[int]:
    listeners = aws.client("elbv2").describe_listeners(LoadBalancerArn=alb.load_balancer_arn)["Listeners"]
    return {int(x["Port"]) for x in listeners}


def test_codedeploy_bootstrap_deploy_rerun_delete(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    alb = create_alb(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world, bootstrap=boot(local_world, controller="CODE_DEPLOY"))
    assert cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")[0] == ExitCode.OK
    assert service(local_aws)["deploymentController"]["type"] == "CODE_DEPLOY"

    args = ("bootstrap", "codedeploy", "web", "--test-port", "8443", "--deployment-config", CANARY)
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, *args, "--yes")
    assert code == ExitCode.OK, text
    created = mutations(local_aws)
    for op in (
        "elasticloadbalancing:CreateTargetGroup",
        "elasticloadbalancing:CreateListener",
        "iam:CreateRole",
        "codedeploy:CreateApplication",
        "codedeploy:CreateDeploymentGroup",
    ):
        assert created.get(op) == 1, created
    cd = local_aws.client("codedeploy")
    group = cd.get_deployment_group(applicationName="AppECS-apps-web", deploymentGroupName="DgpECS-apps-web")
    info = group["deploymentGroupInfo"]
    assert info["deploymentConfigName"] == CANARY
    assert info["autoRollbackConfiguration"]["enabled"] is True
    pair = info["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    assert [g["name"] for g in pair["targetGroups"]] == ["web-tg", "web-tg-green"]
    assert pair["prodTrafficRoute"]["listenerArns"] == [alb.listener_arn]
    assert 8443 in listener_ports(local_aws, alb)

    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, *args, "--yes")
    assert code == ExitCode.OK, text
    assert doc["plan"]["changes"] == 0
    assert mutations(local_aws) == {}

    linear = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    code, doc, text = cli(run_cli, local_aws, config, *args[:-1], linear, "--yes")
    assert code == ExitCode.OK, text
    assert mutations(local_aws) == {"codedeploy:UpdateDeploymentGroup": 1}, "ecsflow's own group follows the flags"
    group = cd.get_deployment_group(applicationName="AppECS-apps-web", deploymentGroupName="DgpECS-apps-web")
    assert group["deploymentGroupInfo"]["deploymentConfigName"] == linear

    deploy(run_cli, local_aws, config, "v2")  # a CodeDeploy blue/green deployment on what bootstrap made

    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "codedeploy", "web", "--delete", "--yes")
    assert code == ExitCode.OK, text
    kept = {s["name"]: s["details"] for s in doc["plan"]["steps"] if s["action"] == "keep"}
    assert "web-tg-green" in kept, "after the deployment the green group serves production: it stays"
    assert cd.list_applications()["applications"] == []
    assert "ecsflow-apps-web-codedeploy" not in roles(local_aws)
    assert 8443 not in listener_ports(local_aws, alb)
    assert {"web-tg", "web-tg-green"} <= group_names(local_aws)
    assert service(local_aws)["status"] == "ACTIVE", "the service is bootstrap service's, not codedeploy's"


def test_codedeploy_refuses_a_service_with_the_ecs_controller(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_alb(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world, bootstrap=boot(local_world))
    assert cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")[0] == ExitCode.OK
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, config, "bootstrap", "codedeploy", "web", "--yes")
    assert code == ExitCode.INVALID, text
    assert "uses the ECS deployment controller, not CODE_DEPLOY" in text
    assert "controller: CODE_DEPLOY" in text
    assert mutations(local_aws) == {}


def test_codedeploy_refuses_a_name_taken_by_an_unmanaged_resource(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_alb(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world, bootstrap=boot(local_world, controller="CODE_DEPLOY"))
    assert cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")[0] == ExitCode.OK
    local_aws.client("elbv2").create_target_group(
        Name="web-tg-green", Protocol="HTTP", Port=8080, VpcId=local_world.vpc_id, TargetType="ip"
    )
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, config, "bootstrap", "codedeploy", "web", "--yes")
    assert code == ExitCode.INVALID, text
    assert "target group web-tg-green exists and ecsflow does not manage it" in text
    assert mutations(local_aws) == {}


def test_native_on_an_existing_rolling_service_deploy_rerun_delete(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    alb = create_alb(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world, bootstrap=boot(local_world))
    assert cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")[0] == ExitCode.OK

    args = ("bootstrap", "native", "web", "--strategy", "canary", "--canary-percent", "20", "--bake-minutes", "1")
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, *args, "--yes")
    assert code == ExitCode.OK, text
    assert mutations(local_aws).get("ecs:UpdateService") == 1
    svc = service(local_aws)
    assert svc["deploymentConfiguration"]["strategy"] == "CANARY"
    assert svc["deploymentConfiguration"]["canaryConfiguration"] == {"canaryPercent": 20.0}
    advanced = svc["loadBalancers"][0]["advancedConfiguration"]
    assert set(advanced) == {"alternateTargetGroupArn", "productionListenerRule", "roleArn"}
    rules = local_aws.client("elbv2").describe_rules(ListenerArn=alb.listener_arn)["Rules"]
    assert advanced["productionListenerRule"] in {r["RuleArn"] for r in rules}

    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, *args, "--yes")
    assert code == ExitCode.OK, text
    assert doc["plan"]["changes"] == 0
    assert mutations(local_aws) == {}

    deploy(run_cli, local_aws, config, "v2")  # an ECS-native canary deployment

    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "native", "web", "--delete", "--yes")
    assert code == ExitCode.OK, text
    svc = service(local_aws)
    assert svc["deploymentConfiguration"]["strategy"] == "ROLLING"
    assert not svc["loadBalancers"][0].get("advancedConfiguration")
    assert "web-tg-alt" not in group_names(local_aws)
    assert "ecsflow-apps-web-ecs-lb" not in roles(local_aws)
    rules = local_aws.client("elbv2").describe_rules(ListenerArn=alb.listener_arn)["Rules"]
    assert [r["IsDefault"] for r in rules] == [True]


def test_service_created_with_a_native_strategy_deploys_linear(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_alb(local_aws, local_world)
    native = {"step_percent": 50, "step_bake_minutes": 1, "bake_minutes": 1}
    config = write_project(
        tmp_path, local_aws, local_world, bootstrap=boot(local_world, strategy="linear", native=native)
    )
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK, text
    svc = service(local_aws)
    assert svc["deploymentConfiguration"]["strategy"] == "LINEAR"
    assert svc["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"].split("/")[1] == "web-tg-alt"
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--yes")
    assert code == ExitCode.OK and mutations(local_aws) == {}, text
    assert {s["action"] for s in doc["plan"]["steps"]} == {"unchanged"}
    deploy(run_cli, local_aws, config, "v2")
    code, _, text = cli(run_cli, local_aws, config, "bootstrap", "service", "web", "--delete", "--yes")
    assert code == ExitCode.OK, text
    assert "web-tg-alt" not in group_names(local_aws)
    assert "web-tg" in group_names(local_aws), "the user's target group stays"
