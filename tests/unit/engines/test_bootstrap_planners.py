"""Bootstrap planners and executor against an in-memory port and a fake clock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from bootstrap_fake import FakeProvision, arn

from ecsflow.config import ServiceConfig, parse_config
from ecsflow.config.bootstrap import BootstrapConfig, LoadBalancerConfig, NativeConfig
from ecsflow.engines.bootstrap_apply import BootstrapFailed, apply_plan
from ecsflow.engines.bootstrap_codedeploy import CodeDeployRequest, plan_codedeploy, plan_codedeploy_delete
from ecsflow.engines.bootstrap_common import RecordEntry, delete_steps
from ecsflow.engines.bootstrap_native import NativeRequest, plan_native, plan_native_delete
from ecsflow.engines.bootstrap_plan import MANAGED_TAG, Action, BootstrapPlan, Step
from ecsflow.engines.bootstrap_service import ServiceRequest, plan_service, plan_service_delete
from ecsflow.errors import ConfigError, ExitCode, InputError
from ecsflow.events import Event
from fakes import FakeClock

BODY: dict[str, Any] = {
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "web",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1@sha256:" + "a" * 64,
            "portMappings": [{"containerPort": 8080}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"},
            },
        }
    ],
}


def request(**settings: Any) -> ServiceRequest:
    svc = ServiceConfig(key="web", cluster="apps", service="web")
    boot = BootstrapConfig(subnets=("subnet-a",), security_groups=("sg-1",), **settings)
    return ServiceRequest(svc, boot, BODY, {"ecsflow:source": "file taskdef.json"})


def apply(plan: BootstrapPlan, port: FakeProvision, by: str = "service") -> list[RecordEntry]:
    record: list[RecordEntry] = []
    events: list[Event] = []

    def created(step: Step, ident: str, undo: Mapping[str, Any]) -> None:
        record.append(RecordEntry(step.kind, ident, step.name, by, dict(undo)))

    apply_plan(plan, port, clock=FakeClock(), sink=events.append, on_created=created, rerun="ecsflow bootstrap")
    return record


def actions(plan: BootstrapPlan) -> dict[str, Action]:
    return {s.id: s.action for s in plan.steps}


def test_empty_account_creates_everything_in_order_and_a_second_plan_changes_nothing() -> None:
    port = FakeProvision()
    plan = plan_service(port, request(desired_count=3))
    assert [(s.kind, s.action) for s in plan.steps] == [
        ("cluster", Action.CREATE),
        ("log-group", Action.CREATE),
        ("task-definition", Action.CREATE),
        ("service", Action.CREATE),
    ]
    record = apply(plan, port)
    svc = port.services[("apps", "web")]
    assert svc["taskDefinition"] == arn("ecs", "task-definition/web:1"), "the Ref to the new revision is filled in"
    assert svc["desiredCount"] == 3 and svc["launchType"] == "FARGATE"
    assert svc["deploymentConfiguration"] == {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    assert svc["tags"][MANAGED_TAG] == "ecsflow"
    assert port.task_definitions[0].tags["ecsflow:source"] == "file taskdef.json"
    assert [e.kind for e in record] == ["cluster", "log-group", "task-definition", "service"]
    assert record[2].undo == {"taskDefinition": arn("ecs", "task-definition/web:1")}

    again = plan_service(port, request(desired_count=3))
    assert not again.changes
    assert set(actions(again).values()) == {Action.UNCHANGED}
    assert again.lines()[-1] == "  nothing to change"


def test_resources_ecsflow_did_not_create_are_adopted_and_never_deleted() -> None:
    port = FakeProvision()
    port.clusters["apps"] = {"clusterArn": arn("ecs", "cluster/apps"), "tags": {}}
    port.log_groups["/ecs/web"] = {"tags": {}}
    plan = plan_service(port, request())
    assert actions(plan)["cluster"] is Action.ADOPT
    assert actions(plan)["log-group:/ecs/web"] is Action.ADOPT
    record = apply(plan, port)
    assert {e.kind for e in record} == {"task-definition", "service"}
    delete = plan_service_delete(port, "apps", "web", record)
    assert {s.kind for s in delete.changes} == {"task-definition", "service"}
    apply(delete, port)
    assert "apps" in port.clusters and "/ecs/web" in port.log_groups


def test_an_identical_revision_is_reused_not_registered() -> None:
    port = FakeProvision()
    apply(plan_service(port, request()), port)
    port.services.clear()
    plan = plan_service(port, request())
    assert actions(plan)["task-definition"] is Action.UNCHANGED
    assert actions(plan)["service"] is Action.CREATE


def test_inputs_that_do_not_exist_are_all_reported_with_their_paths() -> None:
    port = FakeProvision()
    svc = ServiceConfig(key="web", cluster="apps", service="web")
    boot = BootstrapConfig(
        subnets=("subnet-a", "subnet-x"),
        security_groups=("sg-9",),
        load_balancer=LoadBalancerConfig("missing-tg", "api", 80),
    )
    with pytest.raises(ConfigError) as err:
        plan_service(port, ServiceRequest(svc, boot, BODY))
    details = err.value.details()
    assert "ecsflow.yml: services.web.bootstrap.subnets: subnet subnet-x does not exist (region/account?)" in details
    assert "ecsflow.yml: services.web.bootstrap.security_groups: security group sg-9 does not exist" in details
    assert any("load_balancer.target_group: target group missing-tg does not exist" in d for d in details)
    assert any("load_balancer.container: no container 'api' (known: web)" in d for d in details)
    assert port.calls == []


def test_an_existing_service_that_differs_is_shown_not_changed() -> None:
    port = FakeProvision()
    tg = port.add_alb()
    port.clusters["apps"] = {"clusterArn": arn("ecs", "cluster/apps"), "tags": {}}
    port.log_groups["/ecs/web"] = {"tags": {}}
    port.add_service("apps", "web", launchType="EC2", deploymentController={"type": "CODE_DEPLOY"})
    plan = plan_service(port, request(load_balancer=LoadBalancerConfig("web-tg", "web", 8080)))
    step = next(s for s in plan.steps if s.kind == "service")
    assert step.action is Action.DIFFERS
    assert "deployment controller: AWS has 'CODE_DEPLOY', ecsflow.yml says 'ECS'" in step.details
    assert "launch type: AWS has 'EC2', ecsflow.yml says 'FARGATE'" in step.details
    assert any(d.startswith("load balancer: AWS has None") and tg in d for d in step.details)
    assert plan.differing == (step,)
    assert not plan.changes


def test_failure_mid_apply_names_the_step_and_what_was_created() -> None:
    port = FakeProvision()
    port.fail_on = ("create", "service")
    record: list[str] = []
    plan = plan_service(port, request())
    with pytest.raises(BootstrapFailed) as err:
        apply_plan(
            plan,
            port,
            clock=FakeClock(),
            sink=lambda e: None,
            on_created=lambda step, ident, undo: record.append(step.kind),
            rerun="ecsflow bootstrap service web",
        )
    assert err.value.message == "create service web failed: service: refused"
    assert err.value.exit_code is ExitCode.FAILED
    assert record == ["cluster", "log-group", "task-definition"]
    assert err.value.details()[0] == (
        "created before the failure (recorded, re-running continues): cluster " + arn("ecs", "cluster/apps")
    )
    assert "`ecsflow bootstrap service web` continues" in str(err.value.hint)
    port.fail_on = None
    rerun = plan_service(port, request())
    assert [s.kind for s in rerun.changes] == ["service"]


def test_delete_keeps_what_is_gone_or_no_longer_tagged() -> None:
    port = FakeProvision()
    record = apply(plan_service(port, request()), port)
    port.log_groups["/ecs/web"]["tags"] = {}  # someone took it over
    del port.clusters["apps"]  # someone deleted it
    steps = {s.kind: s for s in delete_steps(port, record)}
    assert steps["log-group"].action is Action.KEEP
    assert "someone else manages it now" in steps["log-group"].details[0]
    assert steps["cluster"].action is Action.KEEP and steps["cluster"].details == ("already gone",)
    assert [s.kind for s in delete_steps(port, record) if s.action is Action.DELETE] == ["service", "task-definition"]


def test_the_cluster_stays_while_other_services_use_it() -> None:
    port = FakeProvision()
    record = apply(plan_service(port, request()), port)
    port.add_service("apps", "other")
    plan = plan_service_delete(port, "apps", "web", record)
    cluster = next(s for s in plan.steps if s.kind == "cluster")
    assert cluster.action is Action.KEEP and cluster.details == ("still has other services: other",)


def test_native_strategy_at_creation_wires_the_pieces_into_create_service() -> None:
    port = FakeProvision()
    tg = port.add_alb()
    native = NativeConfig(step_percent=20.0, bake_minutes=2)
    plan = plan_service(
        port, request(strategy="LINEAR", native=native, load_balancer=LoadBalancerConfig("web-tg", "web", 8080))
    )
    assert [s.kind for s in plan.changes] == [
        "cluster",
        "log-group",
        "target-group",
        "rule",
        "role",
        "task-definition",
        "service",
    ]
    apply(plan, port)
    svc = port.services[("apps", "web")]
    advanced = svc["loadBalancers"][0]["advancedConfiguration"]
    alt = port.target_group("web-tg-alt")
    assert alt is not None and advanced["alternateTargetGroupArn"] == alt["TargetGroupArn"]
    assert alt["Attributes"] == {"deregistration_delay.timeout_seconds": "30"}, "only target group settings copied"
    rule = port.rules_[advanced["productionListenerRule"]]
    assert rule["Priority"] == 1
    assert rule["Actions"][0]["ForwardConfig"]["TargetGroups"] == [
        {"TargetGroupArn": tg, "Weight": 100},
        {"TargetGroupArn": alt["TargetGroupArn"], "Weight": 0},
    ]
    assert svc["deploymentConfiguration"] == {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": 2,
        "linearConfiguration": {"stepPercent": 20.0},
    }


def test_native_on_an_existing_service_updates_it_once() -> None:
    port = FakeProvision()
    tg = port.add_alb()
    port.add_service(
        "apps", "web", loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    )
    req = NativeRequest("apps", "web", "BLUE_GREEN", NativeConfig(bake_minutes=5), owner="apps/web")
    plan = plan_native(port, req)
    assert [(s.kind, s.action) for s in plan.steps][-1] == ("service", Action.UPDATE)
    record = apply(plan, port, by="native")
    again = plan_native(port, req)
    assert not again.changes, again.lines()
    delete = plan_native_delete(port, req, record)
    assert [(s.kind, s.action) for s in delete.steps] == [
        ("service", Action.UPDATE),
        ("rule", Action.DELETE),
        ("target-group", Action.DELETE),
        ("role", Action.DELETE),
    ]
    apply(delete, port)
    assert port.services[("apps", "web")]["deploymentConfiguration"] == {"strategy": "ROLLING"}
    assert port.target_group("web-tg-alt") is None


def test_native_refuses_instance_target_groups_and_nlb_listeners_need_no_rule() -> None:
    port = FakeProvision()
    tg = port.add_alb(target_type="instance")
    port.add_service(
        "apps", "web", loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    )
    with pytest.raises(InputError, match="target type 'instance'"):
        plan_native(port, NativeRequest("apps", "web", "CANARY"))
    port = FakeProvision()
    tg = port.add_alb(protocol="TCP")
    port.add_service(
        "apps", "web", loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    )
    plan = plan_native(port, NativeRequest("apps", "web", "CANARY"))
    assert "rule" not in {s.kind for s in plan.steps}
    listener = next(iter(port.listeners_))
    update = next(s for s in plan.steps if s.kind == "service")
    assert update.params["loadBalancers"][0]["advancedConfiguration"]["productionListenerRule"] == listener


def codedeploy_world() -> tuple[FakeProvision, CodeDeployRequest]:
    port = FakeProvision()
    tg = port.add_alb()
    port.add_service(
        "apps",
        "web",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}],
    )
    return port, CodeDeployRequest("apps", "web", test_port=8443, ready_wait_minutes=30, owner="apps/web")


def test_codedeploy_plan_creates_the_pair_group_and_role_then_nothing() -> None:
    port, req = codedeploy_world()
    plan = plan_codedeploy(port, req)
    assert [s.kind for s in plan.changes] == ["target-group", "listener", "role", "application", "deployment-group"]
    record = apply(plan, port, by="codedeploy")
    group = port.groups[("AppECS-apps-web", "DgpECS-apps-web")]
    assert group["serviceRoleArn"] == port.roles["ecsflow-apps-web-codedeploy"]["Arn"]
    ready = group["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]
    assert ready == {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30}
    pair = group["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    assert pair["targetGroups"] == [{"name": "web-tg"}, {"name": "web-tg-green"}]
    assert pair["testTrafficRoute"]["listenerArns"] == [arn("elasticloadbalancing", "listener/app/web/1/8443")]
    assert group["autoRollbackConfiguration"]["events"] == ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]
    assert not plan_codedeploy(port, req).changes
    delete = plan_codedeploy_delete(port, req, record)
    assert [s.kind for s in delete.changes] == [
        "deployment-group",
        "application",
        "listener",
        "target-group",
        "role",
    ]


def test_codedeploy_needs_the_code_deploy_controller_and_free_names() -> None:
    port, req = codedeploy_world()
    port.services[("apps", "web")]["deploymentController"] = {"type": "ECS"}
    with pytest.raises(InputError, match="not CODE_DEPLOY") as err:
        plan_codedeploy(port, req)
    assert "bootstrap service" in str(err.value.hint)
    port, req = codedeploy_world()
    port.roles["ecsflow-apps-web-codedeploy"] = {"Arn": "arn:aws:iam::1:role/x", "tags": {}}
    with pytest.raises(InputError, match="IAM role ecsflow-apps-web-codedeploy exists and ecsflow does not manage it"):
        plan_codedeploy(port, req)
    assert port.calls == []


def test_config_parses_bootstrap_and_reports_bad_keys() -> None:
    config = parse_config(
        """
services:
  web:
    bootstrap:
      desired_count: 2
      subnets: [subnet-a]
      load_balancer: {target_group: web-tg, container: web, port: 8080}
      controller: code_deploy
environments:
  prod:
    services:
      web:
        bootstrap: {desired_count: 6, subnets: [subnet-p]}
"""
    )
    boot = config.services["web"].bootstrap
    assert boot is not None and boot.controller == "CODE_DEPLOY" and boot.desired_count == 2
    prod = config.for_environment("prod").services["web"].bootstrap
    assert prod is not None and prod.desired_count == 6 and prod.subnets == ("subnet-p",)
    with pytest.raises(ConfigError) as err:
        parse_config(
            "services:\n  web:\n    bootstrap: {strategy: canary, desired_count: -1, native: {step_percent: 1}}\n"
        )
    details = err.value.details()
    assert (
        "ecsflow.yml: services.web.bootstrap.load_balancer: blue/green (native or CODE_DEPLOY) needs a load balancer"
        in details
    )
    assert (
        "ecsflow.yml: services.web.bootstrap.desired_count: expected a whole number from 0 to 5000, got -1" in details
    )
    assert (
        "ecsflow.yml: services.web.bootstrap.native.step_percent: expected a number from 3.0 to 100.0, got 1" in details
    )


def test_codedeploy_rerun_with_other_settings_updates_ecsflows_own_group() -> None:
    port, req = codedeploy_world()
    apply(plan_codedeploy(port, req), port, by="codedeploy")
    changed = CodeDeployRequest(
        "apps", "web", test_port=8443, deployment_config="CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    )
    plan = plan_codedeploy(port, changed)
    assert [(s.kind, s.action) for s in plan.changes] == [("deployment-group", Action.UPDATE)]
    step = plan.changes[0]
    assert "ready wait: AWS has ('STOP_DEPLOYMENT', 30), ecsflow.yml says ('CONTINUE_DEPLOYMENT', 0)" in step.details
    apply(plan, port)
    group = port.groups[("AppECS-apps-web", "DgpECS-apps-web")]
    assert group["deploymentConfigName"] == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
    assert not plan_codedeploy(port, changed).changes


def test_codedeploy_group_ecsflow_does_not_manage_is_adopted_or_shown_not_updated() -> None:
    port, req = codedeploy_world()
    apply(plan_codedeploy(port, req), port, by="codedeploy")
    group = port.groups[("AppECS-apps-web", "DgpECS-apps-web")]
    group["tags"] = {}
    group["deploymentConfigName"] = "CodeDeployDefault.ECSAllAtOnce"
    plan = plan_codedeploy(port, req)
    step = next(s for s in plan.steps if s.kind == "deployment-group")
    assert step.action is Action.ADOPT  # same settings as the command line: nothing differs
    group["deploymentConfigName"] = "CodeDeployDefault.ECSCanary10Percent5Minutes"
    step = next(s for s in plan_codedeploy(port, req).steps if s.kind == "deployment-group")
    assert step.action is Action.DIFFERS and not plan_codedeploy(port, req).changes


def test_subnets_outside_the_target_groups_vpc_are_refused() -> None:
    port = FakeProvision()
    port.add_alb()
    port.target_groups[next(iter(port.target_groups))]["VpcId"] = "vpc-other"
    with pytest.raises(ConfigError) as err:
        plan_service(port, request(load_balancer=LoadBalancerConfig("web-tg", "web", 8080)))
    assert err.value.details() == [
        "ecsflow.yml: services.web.bootstrap.subnets: subnets subnet-a are not in the target group's VPC vpc-other"
    ]


def test_native_test_listener_gets_its_own_rule_and_a_missing_one_is_refused() -> None:
    port = FakeProvision()
    tg = port.add_alb()
    lb = next(iter(port.listeners_.values()))["LoadBalancerArn"]
    test = arn("elasticloadbalancing", "listener/app/web/1/8443")
    port.listeners_[test] = {"ListenerArn": test, "LoadBalancerArn": lb, "Port": 8443, "Protocol": "HTTP", "tags": {}}
    port.add_service(
        "apps", "web", loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    )
    plan = plan_native(port, NativeRequest("apps", "web", "BLUE_GREEN", NativeConfig(test_listener=test)))
    assert [s.id for s in plan.changes] == [
        "target-group:alternate",
        "rule:production",
        "rule:test",
        "role:infrastructure",
        "service",
    ]
    apply(plan, port)
    advanced = port.services[("apps", "web")]["loadBalancers"][0]["advancedConfiguration"]
    assert port.rules_[advanced["testListenerRule"]]["ListenerArn"] == test
    with pytest.raises(InputError, match=r"test listener .* does not exist"):
        plan_native(port, NativeRequest("apps", "web", "BLUE_GREEN", NativeConfig(test_listener=test + "x")))


def test_switching_native_strategy_drops_the_other_strategys_settings() -> None:
    port = FakeProvision()
    tg = port.add_alb()
    port.add_service(
        "apps", "web", loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    )
    apply(plan_native(port, NativeRequest("apps", "web", "LINEAR", NativeConfig(step_percent=25.0))), port)
    assert port.services[("apps", "web")]["deploymentConfiguration"]["linearConfiguration"] == {"stepPercent": 25.0}
    plan = plan_native(port, NativeRequest("apps", "web", "CANARY", NativeConfig(canary_percent=5.0)))
    assert [s.kind for s in plan.changes] == ["service"]
    apply(plan, port)
    assert port.services[("apps", "web")]["deploymentConfiguration"] == {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 5.0},
    }
