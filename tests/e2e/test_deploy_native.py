"""ecsflow deploy / continue / rollback on ECS-native BLUE_GREEN, LINEAR and CANARY services,
end to end on the local AWS through the CLI in-process (exit codes proven).

The CLI follows the local AWS's clock (``ECSFLOW_CLOCK=endpoint``): in poll mode each
observing call moves simulated time, so bake times and step waits cost no wall time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_project import calls, push, service, write_project
from native_project import create_native_service, newest_service_deployment, weights

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e
NATIVE_STAGES = [
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
]
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:check"
BLUE_GREEN = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2}
LINEAR = {
    "strategy": "LINEAR",
    "bakeTimeInMinutes": 1,
    "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 1},
}
CANARY = {
    "strategy": "CANARY",
    "bakeTimeInMinutes": 1,
    "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2},
}


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, dict[str, Any], str, list[dict[str, Any]]]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args)
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    final: dict[str, Any] = next((d["result"] for d in reversed(docs) if "result" in d), {})
    web: dict[str, Any] = next((r for r in final.get("services", []) if r["service"] == "web"), {})
    return code, web, out + err, docs


def project(aws: LocalAWS, world: World, tmp_path: Path, extra: str = "") -> Path:
    push(aws, "v2")
    config = write_project(tmp_path, aws, world)
    if extra:
        config.write_text(
            config.read_text().replace(
                "    task_definition: taskdef.json\n", f"    task_definition: taskdef.json\n{extra}"
            )
        )
    return config


def stages(docs: list[dict[str, Any]]) -> list[str]:
    return [d["stage"] for d in docs if d.get("event") == "stage_reached"]


def production(docs: list[dict[str, Any]]) -> list[float]:
    out: list[float] = []
    for d in docs:
        if d.get("event") == "deployment_progress":
            weight = d["snapshot"]["traffic"]["production"]
            if weight is not None and (not out or out[-1] != weight):
                out.append(weight)
    return out


@pytest.mark.parametrize(
    ("configuration", "shifts"),
    [(BLUE_GREEN, [0.0, 100.0]), (LINEAR, [0.0, 50.0, 100.0]), (CANARY, [0.0, 10.0, 100.0])],
    ids=["blue_green", "linear", "canary"],
)
def test_native_strategies_succeed_with_stages_and_traffic_shown(
    run_cli: Any,
    local_aws: LocalAWS,
    local_world: World,
    tmp_path: Path,
    configuration: dict[str, Any],
    shifts: list[float],
) -> None:
    setup = create_native_service(local_aws, local_world, configuration)
    config = project(local_aws, local_world, tmp_path)
    code, web, text, docs = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded"
    seen = stages(docs)
    assert seen == NATIVE_STAGES, "every stage is shown, in order"
    assert production(docs) == shifts
    assert service(local_aws)["taskDefinition"] == web["task_definition_arn"]
    assert weights(local_aws, setup["production"])[setup["green"]] == 100
    assert newest_service_deployment(local_aws)["status"] == "SUCCESSFUL"


@pytest.mark.local_aws(scenario={"services": {"web": {"hook_results": {LAMBDA: "FAILED"}}}})
def test_failing_lambda_hook_rolls_back_with_the_hook_named(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    hook = {"hookTargetArn": LAMBDA, "roleArn": local_world.execution_role_arn, "lifecycleStages": ["POST_SCALE_UP"]}
    setup = create_native_service(local_aws, local_world, BLUE_GREEN, hooks=[hook])
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.ROLLED_BACK, text
    assert web["outcome"] == "rolled_back"
    assert "hook check failed" in web["reason"], web["reason"]
    assert web["failures"] == [], "green's tasks were healthy: ECS stopped them for the rollback"
    assert "web:1" in web["reason"]
    assert service(local_aws)["taskDefinition"] == local_world.task_definition_arn
    assert weights(local_aws, setup["production"])[setup["blue"]] == 100
    assert newest_service_deployment(local_aws)["status"] == "ROLLBACK_SUCCESSFUL"


def test_pause_hook_pauses_with_exit_7_then_continue_finishes(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}
    create_native_service(local_aws, local_world, BLUE_GREEN, hooks=[pause])
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.PAUSED, text
    assert web["outcome"] == "paused"
    assert "POST_SCALE_UP" in web["reason"]
    assert any("ecsflow continue web" in n and "ecsflow rollback web" in n for n in web["notes"])
    local_aws.reset_calls()
    code, cont, text, _ = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK, text
    assert cont["outcome"] == "succeeded"
    assert calls(local_aws)["ecs:ContinueServiceDeployment"] == 1
    assert service(local_aws)["taskDefinition"].endswith(":2")
    # The user's own PAUSE hook stays configured.
    hooks = service(local_aws)["deploymentConfiguration"]["lifecycleHooks"]
    assert [h["targetType"] for h in hooks] == ["PAUSE"]


def test_until_test_traffic_holds_then_continue_completes(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    setup = create_native_service(local_aws, local_world, BLUE_GREEN)
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "test-traffic")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "reached"
    assert "test traffic" in web["reason"]
    assert any("ecsflow continue web" in n for n in web["notes"])
    local_aws.advance(3600)  # it stays held: ecsflow's PAUSE hook waits for us
    held = newest_service_deployment(local_aws)
    assert (held["status"], held["lifecycleStage"]) == ("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT")
    assert weights(local_aws, setup["test"])[setup["green"]] == 100
    assert weights(local_aws, setup["production"])[setup["blue"]] == 100
    code, cont, text, docs = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK, text
    assert cont["outcome"] == "succeeded"
    assert "PRODUCTION_TRAFFIC_SHIFT" in stages(docs)
    assert weights(local_aws, setup["production"])[setup["green"]] == 100
    assert (
        "lifecycleHooks" not in service(local_aws)["deploymentConfiguration"]
        or not service(local_aws)["deploymentConfiguration"]["lifecycleHooks"]
    ), "ecsflow's gate hook is gone from the service"


def test_continue_with_nothing_paused_is_refused(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, BLUE_GREEN)
    config = project(local_aws, local_world, tmp_path)
    local_aws.reset_calls()
    code, _, text, _ = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.FAILED, text
    assert "nothing waits" in text
    assert not calls(local_aws).get("ecs:ContinueServiceDeployment")


def test_test_command_that_passes_continues_to_success(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, CANARY)
    config = project(local_aws, local_world, tmp_path)
    marker = tmp_path / "ran.txt"
    command = (
        f'echo "testing $ECSFLOW_SERVICE at $ECSFLOW_STOP_POINT via $ECSFLOW_TEST_LISTENER" > {marker}; '
        f'echo "$ECSFLOW_TEST_URL" >> {marker}; echo ok'
    )
    code, web, text, docs = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--test-command", command)
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded"
    ran, url = marker.read_text().splitlines()
    assert ran.startswith("testing web at test-traffic via arn:aws:elasticloadbalancing:"), ran
    assert url.startswith("http://web-") and url.endswith(".elb.amazonaws.com:8080"), url
    output = [d["line"] for d in docs if d.get("event") == "command_output"]
    assert output == ["ok"]
    assert not service(local_aws)["deploymentConfiguration"].get("lifecycleHooks")


def test_test_command_that_fails_rolls_back(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    setup = create_native_service(local_aws, local_world, LINEAR)
    config = project(local_aws, local_world, tmp_path)
    code, web, text, docs = cli(
        run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--test-command", "echo 'smoke test: 500'; exit 3"
    )
    assert code == ExitCode.ROLLED_BACK, text
    assert web["outcome"] == "rolled_back"
    assert "exited with 3 at test-traffic" in web["reason"], web["reason"]
    assert "PRODUCTION_TRAFFIC_SHIFT" not in stages(docs), "production traffic never moved"
    assert weights(local_aws, setup["production"])[setup["blue"]] == 100
    assert service(local_aws)["taskDefinition"] == local_world.task_definition_arn
    assert newest_service_deployment(local_aws)["status"] == "ROLLBACK_SUCCESSFUL"


def test_rollback_during_a_native_deployment_stops_it(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    setup = create_native_service(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30})
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "bake")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "reached"
    assert any("ecsflow rollback web" in n for n in web["notes"])
    assert weights(local_aws, setup["production"])[setup["green"]] == 100
    local_aws.reset_calls()
    code, back, text, _ = cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.OK, text
    assert back["outcome"] == "succeeded"
    assert "rolled back to web:1" in back["reason"]
    assert calls(local_aws)["ecs:StopServiceDeployment"] == 1
    assert weights(local_aws, setup["production"])[setup["blue"]] == 100
    assert newest_service_deployment(local_aws)["status"] == "ROLLBACK_SUCCESSFUL"


def test_superseded_native_deployment_exits_6(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30})
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--no-wait")
    assert code == ExitCode.OK, text
    ours = web["deployment_id"]
    local_aws.advance(60)
    ecs = local_aws.client("ecs")
    ecs.update_service(cluster="demo", service="web", taskDefinition="web:1", forceNewDeployment=True)  # someone else
    code, waited, text, _ = cli(run_cli, local_aws, config, "wait", ours)
    assert code == ExitCode.SUPERSEDED, text
    assert waited["outcome"] == "superseded"


def test_timeout_exits_5_and_the_deployment_goes_on(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 60})
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--timeout", "5m")
    assert code == ExitCode.TIMED_OUT, text
    assert web["outcome"] == "timed_out"
    assert newest_service_deployment(local_aws)["status"] == "IN_PROGRESS"


def test_derived_timeout_covers_the_bake_time(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    # A 45-minute bake is longer than the rolling formula's 15 minutes: the deployment's own
    # settings set the limit, so it succeeds instead of "timing out".
    create_native_service(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 45})
    config = project(local_aws, local_world, tmp_path)
    start = local_aws.now()
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded"
    assert local_aws.now() - start >= 45 * 60


def test_strategy_in_ecsflow_yml_switches_a_rolling_service_to_linear(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, {"strategy": "ROLLING"})
    config = project(local_aws, local_world, tmp_path, extra="    strategy: linear\n")
    code, web, text, docs = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded"
    steps = [s for d in docs if d.get("event") == "plan_ready" for s in d["steps"]]
    assert "switch deploymentConfiguration.strategy ROLLING → LINEAR" in steps
    assert service(local_aws)["deploymentConfiguration"]["strategy"] == "LINEAR"
    assert production(docs)[-1] == 100.0 and 10.0 in production(docs), "linear steps of 10 % (ECS's default)"


def test_switch_without_an_alternate_target_group_is_refused_before_any_change(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, {"strategy": "ROLLING"}, advanced=False)
    config = project(local_aws, local_world, tmp_path, extra="    strategy: blue_green\n")
    local_aws.reset_calls()
    code, _, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.FAILED, text
    assert "services.web.strategy: blue_green" in text
    assert "alternateTargetGroupArn" in text and "Nothing was changed" in text
    assert not calls(local_aws).get("ecs:UpdateService")
    assert not calls(local_aws).get("ecs:RegisterTaskDefinition")


def test_stop_point_on_a_rolling_service_is_refused_before_any_change(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, {"strategy": "ROLLING"})
    config = project(local_aws, local_world, tmp_path)
    local_aws.reset_calls()
    code, _, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "test-traffic")
    assert code == ExitCode.INVALID, text
    assert "need a blue/green strategy" in text
    assert not calls(local_aws).get("ecs:UpdateService")


def test_a_gate_hook_left_by_an_interrupted_deploy_goes_with_the_next_deploy(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    from ecsflow.engines.native_setup import gate_hook

    create_native_service(local_aws, local_world, BLUE_GREEN, hooks=[gate_hook("POST_TEST_TRAFFIC_SHIFT")])
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    assert web["outcome"] == "succeeded", "not held at the stale gate"
    assert not service(local_aws)["deploymentConfiguration"].get("lifecycleHooks")


def test_rollback_at_the_test_traffic_stop_point(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    setup = create_native_service(local_aws, local_world, CANARY)
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "test-traffic")
    assert code == ExitCode.OK and web["outcome"] == "reached", text
    code, back, text, _ = cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.OK, text
    assert back["outcome"] == "succeeded"
    assert weights(local_aws, setup["test"])[setup["blue"]] == 100, "test traffic is back on blue too"
    assert service(local_aws)["taskDefinition"] == local_world.task_definition_arn
    assert not service(local_aws)["deploymentConfiguration"].get("lifecycleHooks"), "the gate hook is gone"


def test_broken_image_is_rolled_back_by_the_circuit_breaker(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    setup = create_native_service(local_aws, local_world, {**BLUE_GREEN, **breaker})
    config = project(local_aws, local_world, tmp_path)
    push(local_aws, "broken-1")
    code, web, text, docs = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "broken-1")
    assert code == ExitCode.ROLLED_BACK, text
    assert web["outcome"] == "rolled_back"
    assert "Circuit breaker" in web["reason"], web["reason"]
    assert web["failures"] and web["failures"][0]["reason"], "the failing tasks are shown"
    assert "TEST_TRAFFIC_SHIFT" not in stages(docs), "green never took traffic"
    assert weights(local_aws, setup["production"])[setup["blue"]] == 100


def test_continue_until_a_later_point_returns_there(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}
    create_native_service(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}, hooks=[pause])
    config = project(local_aws, local_world, tmp_path)
    code, _, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.PAUSED, text
    code, cont, text, _ = cli(run_cli, local_aws, config, "continue", "web", "--until", "bake")
    assert code == ExitCode.OK, text
    assert cont["outcome"] == "reached" and "BAKE_TIME" in cont["reason"]
    assert newest_service_deployment(local_aws)["lifecycleStage"] == "BAKE_TIME"


def test_dry_run_shows_the_switch_and_the_gate_and_changes_nothing(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, {"strategy": "ROLLING"})
    config = project(local_aws, local_world, tmp_path, extra="    strategy: canary\n")
    local_aws.reset_calls()
    code, web, text, docs = cli(
        run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "test-traffic", "--dry-run"
    )
    assert code == ExitCode.OK, text
    assert web["outcome"] == "not_started"
    steps = [s for d in docs if d.get("event") == "plan_ready" for s in d["steps"]]
    assert "web → demo/web (canary)" in steps
    assert "switch deploymentConfiguration.strategy ROLLING → CANARY" in steps
    assert any(s.startswith("hold the deployment at POST_TEST_TRAFFIC_SHIFT") for s in steps)
    assert not calls(local_aws).get("ecs:UpdateService")
    assert not calls(local_aws).get("ecs:RegisterTaskDefinition")


def test_status_shows_the_held_deployment_and_how_to_go_on(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    create_native_service(local_aws, local_world, BLUE_GREEN)
    config = project(local_aws, local_world, tmp_path)
    code, _, text, _ = cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "test-traffic")
    assert code == ExitCode.OK, text
    code, out, err = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(config), "--output", "json", "status")
    assert code == ExitCode.OK, out + err
    native = json.loads(out)["services"][0]["native"]
    running = native["running"]
    assert (native["strategy"], running["status"], running["stage"]) == (
        "BLUE_GREEN",
        "IN_PROGRESS",
        "POST_TEST_TRAFFIC_SHIFT",
    )
    assert (running["production_traffic"], running["test_traffic"]) == (0.0, 100.0)
    assert len(running["waiting"]) == 1
    code, out, _ = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(config), "--output", "text", "status")
    assert "waits at a PAUSE hook: `ecsflow continue web` to go on" in out


def test_until_production_traffic_holds_with_all_traffic_on_green(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path
) -> None:
    setup = create_native_service(local_aws, local_world, LINEAR)
    config = project(local_aws, local_world, tmp_path)
    code, web, text, _ = cli(
        run_cli, local_aws, config, "deploy", "web", "--tag", "v2", "--until", "production-traffic"
    )
    assert code == ExitCode.OK and web["outcome"] == "reached", text
    local_aws.advance(1800)
    held = newest_service_deployment(local_aws)
    assert (held["status"], held["lifecycleStage"]) == ("IN_PROGRESS", "POST_PRODUCTION_TRAFFIC_SHIFT")
    assert weights(local_aws, setup["production"])[setup["green"]] == 100
    code, cont, text, _ = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK and cont["outcome"] == "succeeded", text
