"""CodeDeploy ECS blue/green end to end on the local AWS, through the CLI in-process.

The world (``ecsflow.sim.codedeploy.world.build_world``) has an ALB with two target
groups, production and test listeners, a CODE_DEPLOY service and its CodeDeploy
application and deployment group. The CLI follows the local AWS's clock
(``ECSFLOW_CLOCK=endpoint``), so minutes of traffic shifting cost no wall time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.codedeploy.world import BlueGreenOptions, BlueGreenWorld, build_world, task_definition

pytestmark = pytest.mark.e2e
CANARY = "CodeDeployDefault.ECSCanary10Percent5Minutes"
LINEAR = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
ALL_AT_ONCE = "CodeDeployDefault.ECSAllAtOnce"
NEW_IMAGE = "web=public.ecr.aws/nginx/nginx:1.28"
MUTATIONS = ("ecs:RegisterTaskDefinition", "codedeploy:CreateDeployment", "ecs:UpdateService")
SCANS = ("codedeploy:ListApplications", "codedeploy:ListDeploymentGroups", "codedeploy:BatchGetDeploymentGroups")
APPSPEC = """version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 80
"""


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def make_world(aws: LocalAWS, **options: Any) -> BlueGreenWorld:
    return build_world(aws.client, BlueGreenOptions(**options))


def write_project(tmp_path: Path, *, codedeploy: str = "", appspec: str | None = None) -> Path:
    (tmp_path / "taskdef.json").write_text(json.dumps(task_definition("web", "public.ecr.aws/nginx/nginx:1.27", 80)))
    if appspec is not None:
        (tmp_path / "appspec.yaml").write_text(appspec)
    lines = ["version: 1", "services:", "  web:", "    cluster: web-cluster", "    task_definition: taskdef.json"]
    if codedeploy:
        lines += ["    codedeploy:", *[f"      {line}" for line in codedeploy.strip().splitlines()]]
    (tmp_path / "ecsflow.yml").write_text("\n".join(lines) + "\n")
    return tmp_path / "ecsflow.yml"


def cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, dict[str, Any], list[dict[str, Any]], str]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args)
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    final: dict[str, Any] = next((d["result"] for d in reversed(docs) if "result" in d), {})
    web = next((r for r in final.get("services", []) if r["service"] == "web"), {})
    return code, web, docs, out + err


def calls(aws: LocalAWS) -> dict[str, int]:
    return {op: int(v["calls"]) for op, v in aws.calls()["operations"].items()}


def service(aws: LocalAWS) -> dict[str, Any]:
    found: dict[str, Any] = aws.client("ecs").describe_services(cluster="web-cluster", services=["web"])["services"][0]
    return found


def deployment(aws: LocalAWS, deployment_id: str) -> dict[str, Any]:
    info: dict[str, Any] = aws.client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    return info


def production_weights(docs: list[dict[str, Any]]) -> list[float]:
    weights = [
        d["snapshot"]["traffic"]["production"]
        for d in docs
        if d.get("event") == "deployment_progress" and d["snapshot"]["traffic"]["production"] is not None
    ]
    return [w for i, w in enumerate(weights) if i == 0 or weights[i - 1] != w]


def stages(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(d["stage"], d["status"]) for d in docs if d.get("event") == "stage_reached"]


def test_canary_succeeds_and_the_group_is_remembered(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    world = make_world(local_aws, deployment_config=CANARY)
    config = write_project(tmp_path)
    local_aws.reset_calls()
    code, web, docs, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded"
    assert service(local_aws)["taskDefinition"] == web["task_definition_arn"]
    assert web["task_definition_arn"] != world.task_definition_arn
    info = deployment(local_aws, web["deployment_id"])
    assert info["status"] == "Succeeded" and info["deploymentConfigName"] == CANARY
    assert production_weights(docs) == [0.0, 10.0, 100.0]
    assert ("AfterAllowTestTraffic", "SUCCEEDED") in stages(docs)
    assert ("termination wait", "SUCCEEDED") in stages(docs)
    assert all(calls(local_aws).get(op) == 1 for op in SCANS[:2])
    remembered = json.loads((tmp_path / ".ecsflow" / "codedeploy.json").read_text())
    assert remembered == {"web-cluster/web": {"application": "web-app", "deployment_group": "web-dg"}}
    # The next deploy reads the remembered group: no scanning calls.
    local_aws.reset_calls()
    newer = "web=public.ecr.aws/nginx/nginx:1.29"
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", newer)
    assert code == ExitCode.OK, text
    assert not any(calls(local_aws).get(op) for op in SCANS)
    assert calls(local_aws)["codedeploy:GetDeploymentGroup"] == 1


def test_linear_chosen_per_deploy_shifts_in_ten_steps(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws, deployment_config=ALL_AT_ONCE, termination_wait_minutes=0)
    config = write_project(tmp_path)
    code, web, docs, text = cli(
        run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, "--deployment-config", LINEAR
    )
    assert code == ExitCode.OK, text
    assert deployment(local_aws, web["deployment_id"])["deploymentConfigName"] == LINEAR
    assert production_weights(docs) == [0.0, *[float(p) for p in range(10, 101, 10)]]


def test_all_at_once_with_appspec_file_and_configured_group(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws, deployment_config=ALL_AT_ONCE)
    config = write_project(
        tmp_path, codedeploy="application: web-app\ndeployment_group: web-dg\nappspec: appspec.yaml", appspec=APPSPEC
    )
    local_aws.reset_calls()
    code, web, docs, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.OK, text
    assert production_weights(docs) == [0.0, 100.0]
    info = deployment(local_aws, web["deployment_id"])
    content = info["revision"]["appSpecContent"]["content"]
    assert web["task_definition_arn"] in content and "<TASK_DEFINITION>" not in content
    assert not any(calls(local_aws).get(op) for op in SCANS)
    assert not (tmp_path / ".ecsflow").exists(), "configured groups are not remembered"


@pytest.mark.local_aws(scenario={"services": {"web": {"hook_results": {"AfterAllowTestTraffic": "FAILED"}}}})
def test_hook_failure_is_rolled_back_with_the_hook_named(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    world = make_world(local_aws, deployment_config=CANARY)
    hooked = APPSPEC + "Hooks:\n  - AfterAllowTestTraffic: CodeDeployHook_smoke\n"
    config = write_project(tmp_path, codedeploy="appspec: appspec.yaml", appspec=hooked)
    code, web, docs, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.ROLLED_BACK, text
    assert web["outcome"] == "rolled_back"
    assert "AfterAllowTestTraffic failed (hook CodeDeployHook_smoke)" in web["reason"]
    assert ("AfterAllowTestTraffic", "FAILED") in stages(docs)
    assert service(local_aws)["taskDefinition"] == world.task_definition_arn
    assert deployment(local_aws, web["deployment_id"])["status"] == "Failed"


@pytest.mark.local_aws(scenario={"services": {"web": {"hook_results": {"BeforeAllowTraffic": "manual"}}}})
def test_manual_stop_with_rollback_during_the_deployment(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    world = make_world(local_aws)
    hooked = APPSPEC + "Hooks:\n  - BeforeAllowTraffic: CodeDeployHook_wait\n"
    config = write_project(tmp_path, codedeploy="appspec: appspec.yaml", appspec=hooked)
    code, started, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, "--no-wait")
    assert code == ExitCode.OK, text
    local_aws.advance(120)  # the hook now waits for an answer that never comes
    code, web, _, text = cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.OK, text
    assert "stopped" in web["reason"] and started["deployment_id"] in web["reason"]
    info = deployment(local_aws, started["deployment_id"])
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "MANUAL_STOP"
    assert service(local_aws)["taskDefinition"] == world.task_definition_arn


def test_ready_wait_pauses_then_continue_finishes(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws, ready_wait_minutes=60, termination_wait_minutes=0)
    config = write_project(tmp_path)
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.PAUSED, text
    assert web["outcome"] == "paused"
    assert any("ecsflow continue web" in n for n in web["notes"])
    assert deployment(local_aws, web["deployment_id"])["status"] == "Ready"
    code, out, _ = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(config), "--output", "json", "status")
    assert code == ExitCode.OK, out
    shown = json.loads(out)["services"][0]["codedeploy"]
    assert shown["running"]["id"] == web["deployment_id"] and shown["running"]["stage"] == "ready wait"
    code, _, _, text = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK, text
    for _ in range(20):
        if deployment(local_aws, web["deployment_id"])["status"] == "Succeeded":
            break
    assert deployment(local_aws, web["deployment_id"])["status"] == "Succeeded"
    assert service(local_aws)["taskDefinition"] == web["task_definition_arn"]


def test_until_test_traffic_returns_at_the_ready_wait(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws, ready_wait_minutes=60)
    config = write_project(tmp_path)
    until = ("--until", "test-traffic")
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, *until)
    assert code == ExitCode.OK, text
    assert web["outcome"] == "reached" and "test traffic is on the new revision" in web["reason"]
    assert any("ecsflow continue web" in n for n in web["notes"])
    assert deployment(local_aws, web["deployment_id"])["status"] == "Ready"


def test_until_test_traffic_without_ready_wait_is_reached(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws, deployment_config=CANARY)
    config = write_project(tmp_path)
    until = ("--until", "test-traffic")
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, *until)
    assert code == ExitCode.OK, text
    assert web["outcome"] == "reached"
    assert deployment(local_aws, web["deployment_id"])["status"] == "InProgress"
    # A later job attaches to the same deployment and reports its outcome.
    code, waited, docs, text = cli(run_cli, local_aws, config, "wait", "web")
    assert code == ExitCode.OK, text
    assert waited["outcome"] == "succeeded" and waited["deployment_id"] == web["deployment_id"]
    assert waited["task_definition_arn"] == web["task_definition_arn"]
    assert production_weights(docs)[-1] == 100.0


def test_test_command_that_passes_continues_to_success(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    world = make_world(local_aws, ready_wait_minutes=60, termination_wait_minutes=1)
    config = write_project(tmp_path)
    marker = tmp_path / "tested"
    command = f'echo "$ECSFLOW_DEPLOYMENT_ID $ECSFLOW_STOP_POINT $ECSFLOW_TEST_LISTENER $ECSFLOW_TEST_URL" > {marker}'
    code, web, _, text = cli(
        run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, "--test-command", command
    )
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded"
    dns = local_aws.client("elbv2").describe_load_balancers()["LoadBalancers"][0]["DNSName"]
    expected = [web["deployment_id"], "test-traffic", world.test_listener_arn, f"http://{dns}:8080"]
    assert marker.read_text().split() == expected
    assert service(local_aws)["taskDefinition"] == web["task_definition_arn"]


def test_test_command_that_fails_rolls_back(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    world = make_world(local_aws, ready_wait_minutes=60)
    config = write_project(tmp_path)
    code, web, _, text = cli(
        run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, "--test-command", "echo smoke failed; exit 3"
    )
    assert code == ExitCode.ROLLED_BACK, text
    assert "exited with 3" in web["reason"]
    assert "smoke failed" in text
    info = deployment(local_aws, web["deployment_id"])
    assert info["status"] == "Stopped"
    assert service(local_aws)["taskDefinition"] == world.task_definition_arn


def test_timeout_leaves_the_deployment_running(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws, deployment_config=LINEAR)
    config = write_project(tmp_path)
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE, "--timeout", "3m")
    assert code == ExitCode.TIMED_OUT, text
    assert web["outcome"] == "timed_out"
    assert deployment(local_aws, web["deployment_id"])["status"] == "InProgress"


def test_bad_appspec_is_refused_before_any_mutation(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws)
    bad = APPSPEC.replace("ContainerPort: 80", 'ContainerPort: "80"')
    config = write_project(tmp_path, codedeploy="appspec: appspec.yaml", appspec=bad)
    local_aws.reset_calls()
    code, _, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.INVALID, text
    assert "appspec.yaml" in text and "ContainerPort" in text
    assert "Traceback" not in text
    assert not any(calls(local_aws).get(op) for op in MUTATIONS)


def test_alarm_stops_and_rolls_back_with_the_alarm_named(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    events = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")
    world = make_world(local_aws, deployment_config=CANARY, alarms=("web-5xx",), auto_rollback_events=events)
    cloudwatch = local_aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="web-5xx",
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName="web-5xx", StateValue="ALARM", StateReason="5xx on the canary")
    config = write_project(tmp_path)
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.ROLLED_BACK, text
    assert "an alarm went off: The alarm web-5xx is in the ALARM state; rolled back" in web["reason"]
    assert service(local_aws)["taskDefinition"] == world.task_definition_arn


def test_replacement_tasks_that_fail_to_start_are_reported(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    world = make_world(local_aws)
    config = write_project(tmp_path)
    code, web, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", "web=nginx:broken-1")
    assert code == ExitCode.ROLLED_BACK, text
    assert "ECS could not create or update the task set" in web["reason"]
    assert service(local_aws)["taskDefinition"] == world.task_definition_arn


def test_rollback_after_success_deploys_the_last_good_revision(
    run_cli: Any, local_aws: LocalAWS, tmp_path: Path
) -> None:
    make_world(local_aws, termination_wait_minutes=0)
    config = write_project(tmp_path)
    code, good, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.OK, text
    newer = "web=public.ecr.aws/nginx/nginx:1.29"
    code, bad, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", newer)
    assert code == ExitCode.OK, text
    local_aws.reset_calls()
    code, web, _, text = cli(run_cli, local_aws, config, "rollback", "web", "--dry-run")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "not_started" and web["task_definition_arn"] == good["task_definition_arn"]
    assert not calls(local_aws).get("codedeploy:CreateDeployment")
    code, web, _, text = cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded" and web["deployment_id"] not in (good["deployment_id"], bad["deployment_id"])
    assert service(local_aws)["taskDefinition"] == good["task_definition_arn"]
    assert not calls(local_aws).get("ecs:RegisterTaskDefinition"), "the good revision is deployed as is"
    assert "last succeeded CodeDeploy deployment" in text


def test_continue_with_nothing_waiting_changes_nothing(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    make_world(local_aws)
    config = write_project(tmp_path)
    local_aws.reset_calls()
    code, _, _, text = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.FAILED, text
    assert "no CodeDeploy deployment of web is running" in text
    assert not calls(local_aws).get("codedeploy:ContinueDeployment")


def test_a_second_deploy_while_one_runs_is_refused_before_any_change(
    run_cli: Any, local_aws: LocalAWS, tmp_path: Path
) -> None:
    make_world(local_aws, ready_wait_minutes=60)
    config = write_project(tmp_path)
    code, first, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", NEW_IMAGE)
    assert code == ExitCode.PAUSED, text
    local_aws.reset_calls()
    newer = "web=public.ecr.aws/nginx/nginx:1.29"
    code, _, _, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", newer)
    assert code == ExitCode.FAILED, text
    assert f"{first['deployment_id']} of web-app/web-dg is still Ready" in text
    assert not any(calls(local_aws).get(op) for op in MUTATIONS)
