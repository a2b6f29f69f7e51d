"""The policies of ``ecsflow iam-policy`` allow what the commands actually call, and little more.

Each scenario runs real commands in-process against the local AWS. The operations are
taken from the local AWS's per-operation call counts (docs/local.md) and, with their
parameters, from a recorder around ecsflow's one AWS entry point; the two must agree.
Each call becomes the IAM requests AWS authorizes for it (``iam_proof.requests_for``), and
the policy generated for the same configuration must allow every one of them. Conversely,
every action in the policy must have been called in the scenarios of its use, or be listed
in ``NOT_CALLED`` with the reason it is there anyway.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_project import calls, create_service, push, write_project
from iam_proof import ACCOUNT, REGION, Recorder, Request, allows, policy_actions

from ecsflow.config import load_config
from ecsflow.errors import ExitCode
from ecsflow.factory import template_loader
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World
from ecsflow.synth.buildspecs import pipeline_build_reads
from ecsflow.synth.iam import Use, permissions_for, policy_for, with_build_reads
from ecsflow.synth.targets import Place, Scope, collect_targets

pytestmark = pytest.mark.e2e

# Actions a policy grants that the scenarios below do not call, each with its reason.
NOT_CALLED: dict[str, str] = {
    "elasticloadbalancing:DescribeTargetHealth": "failure path of a service behind a load balancer",
    "elasticloadbalancing:DescribeListeners": "a blue/green --test-command's ECSFLOW_TEST_URL only",
    "elasticloadbalancing:DescribeLoadBalancers": "a blue/green --test-command's ECSFLOW_TEST_URL only",
    "codedeploy:GetDeploymentConfig": "custom deployment configurations only (ecsflow knows the predefined ones)",
    "ecs:ContinueServiceDeployment": "ECS-native deployments held at a PAUSE hook (the native scenario calls it)",
    "iam:DeleteRolePolicy": "`bootstrap --delete` of a role someone added an inline policy to",
}


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def _cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, str]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), *args)
    return code, out + err


def _policy(config: Path, use: Use) -> dict[str, Any]:
    project = load_config(config)
    scope = Scope(region=REGION, account=ACCOUNT, environment={})
    return policy_for(use, collect_targets(project, [], template_loader(project), scope))


def _check(recorder: Recorder, aws: LocalAWS, policy: dict[str, Any]) -> set[str]:
    """Every call allowed; the recorder saw what the local AWS counted. Returns the actions called."""
    counted = set(calls(aws))
    assert recorder.operations() == counted, "the recorder and the local AWS disagree on what was called"
    denied: list[Request] = [r for r in recorder.requests() if not allows(policy, r)]
    assert denied == [], "the policy denies calls ecsflow made:\n" + "\n".join(map(str, denied))
    return {r.action for r in recorder.requests()}


@pytest.mark.local_aws(scenario={"services": {"web": {"log_lines": ["panic: cannot reach the database"]}}})
def test_deploy_policy_allows_every_call_and_grants_nothing_unused(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world)
    for tag in ("v2", "broken", "v3", "v4"):
        push(local_aws, tag)
    local_aws.reset_calls()  # from here on, only ecsflow calls
    recorder = Recorder()
    recorder.install(monkeypatch)
    for tag, expected in (("v2", ExitCode.OK), ("broken", ExitCode.ROLLED_BACK)):
        code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", tag)
        assert code == expected, text
    for args, expected in (
        (("wait", "web"), ExitCode.ROLLED_BACK),  # the last deployment rolled back
        (("status",), ExitCode.OK),
        (("diff",), ExitCode.OK),
        (("revisions", "web"), ExitCode.OK),
        (("history", "web"), ExitCode.OK),
    ):
        code, text = _cli(run_cli, local_aws, config, *args)
        assert code == expected, text
    code, text = _cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.OK, text
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v3")
    assert code == ExitCode.OK, text
    code, text = _cli(run_cli, local_aws, config, "deregister", "web", "--keep", "1")
    assert code == ExitCode.OK and "deregistered web:" in text, text
    # `rollback` while a deployment is in progress: ECS stops it (the manual clock holds it).
    local_aws.set_clock("manual")
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v4", "--no-wait")
    assert code == ExitCode.OK, text
    code, text = _cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.OK and "ECS stops it and rolls back" in text, text

    policy = _policy(config, Use.DEPLOY)
    called = _check(recorder, local_aws, policy)
    assert {"ecs:RegisterTaskDefinition", "ecs:TagResource", "iam:PassRole", "logs:GetLogEvents"} <= called
    unused = policy_actions(policy) - called
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"


@pytest.mark.local_aws(scenario={"services": {"web": {"log_lines": ["panic: cannot reach the database"]}}})
def test_read_only_policy_covers_the_read_verbs_and_grants_nothing_unused(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wait` on a deployment that the circuit breaker rolls back (stopped tasks, log lines),
    then the read verbs: all within the read-only policy."""
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world)
    push(local_aws, "v2")
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    push(local_aws, "broken")
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "broken", "--no-wait")
    assert code == ExitCode.OK, text
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    for args, expected in (
        (("wait", "web"), ExitCode.ROLLED_BACK),
        (("status",), ExitCode.OK),
        (("diff",), ExitCode.OK),
        (("revisions", "web"), ExitCode.OK),
        (("history", "web"), ExitCode.OK),
    ):
        code, text = _cli(run_cli, local_aws, config, *args)
        assert code == expected, text
    policy = _policy(config, Use.LOCAL_DEV)
    called = _check(recorder, local_aws, policy)
    assert {"ecs:ListTasks", "ecs:DescribeTasks", "logs:GetLogEvents"} <= called
    unused = policy_actions(policy) - called
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"


def test_a_narrower_policy_is_caught(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluator is not a rubber stamp: the policy of another service denies this one's calls."""
    create_service(local_aws, local_world)
    config = write_project(tmp_path, local_aws, local_world)
    push(local_aws, "v2")
    recorder = Recorder()
    recorder.install(monkeypatch)
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.OK, text
    policy = json.loads(json.dumps(_policy(config, Use.DEPLOY)).replace("service/demo/web", "service/demo/other"))
    denied = {r.action for r in recorder.requests() if not allows(policy, r)}
    assert {"ecs:DescribeServices", "ecs:UpdateService"} <= denied
    assert "ecs:RegisterTaskDefinition" not in denied  # the family is still web


def test_codedeploy_policy_allows_every_call_and_grants_nothing_unused(
    run_cli: Any, local_aws: LocalAWS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CODE_DEPLOY blue/green: discovery of the group, deploy, a paused deploy continued, and a rollback."""
    from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

    build_world(local_aws.client, BlueGreenOptions(ready_wait_minutes=60, termination_wait_minutes=0))
    (tmp_path / "taskdef.json").write_text(json.dumps(task_definition("web", "public.ecr.aws/nginx/nginx:1.27", 80)))
    config = tmp_path / "ecsflow.yml"
    config.write_text(
        "services:\n  web:\n    cluster: web-cluster\n    task_definition: taskdef.json\n    codedeploy: {}\n"
    )
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    image = "web=public.ecr.aws/nginx/nginx:1.2{}"
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--image", image.format(8))
    assert code == ExitCode.PAUSED, text
    code, text = _cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK, text
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--image", image.format(9), "--no-wait")
    assert code == ExitCode.OK, text
    code, text = _cli(run_cli, local_aws, config, "rollback", "web")  # stops the deployment in progress
    assert code == ExitCode.OK, text
    # Again: nothing in progress, so it reads the group's succeeded deployments for the last good
    # revision other than the running one, and there is none.
    code, text = _cli(run_cli, local_aws, config, "rollback", "web")
    assert code == ExitCode.FAILED and "no earlier succeeded CodeDeploy deployment" in text, text
    policy = _policy(config, Use.DEPLOY)
    called = _check(recorder, local_aws, policy)
    assert {"codedeploy:ListApplications", "codedeploy:StopDeployment", "codedeploy:ContinueDeployment"} <= called
    # The ECS actions of the policy are proven by the rolling scenario above.
    unused = {a for a in policy_actions(policy) - called if a.startswith("codedeploy:")}
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"


def test_native_blue_green_policy_allows_every_call(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ECS-native blue/green held at a PAUSE hook, then `continue`: the same deploy policy."""
    from native_project import create_native_service

    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}
    create_native_service(local_aws, local_world, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2}, hooks=[pause])
    push(local_aws, "v2")
    config = write_project(tmp_path, local_aws, local_world)
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    code, text = _cli(run_cli, local_aws, config, "deploy", "web", "--tag", "v2")
    assert code == ExitCode.PAUSED, text
    code, text = _cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK, text
    called = _check(recorder, local_aws, _policy(config, Use.DEPLOY))
    assert "ecs:ContinueServiceDeployment" in called


# Granted by the pipeline policy for what runs outside ecsflow's AWS client: `docker login` and
# `docker push` in a buildspec.
DOCKER = {
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
}
LINEAR = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
PIPELINE_ENVS = """environments:
  staging:
    services:
      web: {service: web-staging}
  prod:
    services:
      web: {service: web-prod}
pipelines:
  app:
    stages:
      - name: Build
        actions:
          - {name: Build, build: buildspec.yml}
"""
BUILDSPEC = """version: 0.2
env:
  parameter-store: {NPM_TOKEN: /ci/npm-token}
  secrets-manager: {DB_PASSWORD: "ci/db:password"}
phases:
  build:
    commands:
      - test -n "$NPM_TOKEN" && test -n "$DB_PASSWORD"
"""


class _Context:
    """A Lambda context with plenty of time left."""

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def test_pipeline_policy_covers_promotion_and_the_codepipeline_handler(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecsflow.integrations.codepipeline import handler

    for name in ("web-staging", "web-prod"):
        create_service(local_aws, local_world, name)
    config = write_project(tmp_path, local_aws, local_world, extra=PIPELINE_ENVS)
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC)
    local_aws.client("ssm").put_parameter(Name="/ci/npm-token", Value="t0ken", Type="SecureString")
    local_aws.client("secretsmanager").create_secret(Name="ci/db", SecretString='{"password": "pw"}')
    push(local_aws, "3f2c1ab")
    for name, value in local_aws.env().items():
        monkeypatch.setenv(name, value)
    event_data = {
        "actionConfiguration": {
            "configuration": {
                "FunctionName": "ecsflow-handler",
                "UserParameters": json.dumps({"cluster": "demo", "service": "web-staging", "mode": "latest"}),
            }
        },
        "inputArtifacts": [],
        "outputArtifacts": [],
    }
    local_aws.add_job("job-1", event_data)
    bad = {**event_data, "actionConfiguration": {"configuration": {"UserParameters": '{"service": "web"}'}}}
    local_aws.add_job("job-2", bad)
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    steps = (
        (("promote", "web:3f2c1ab", "--to-tag", "test"), ExitCode.OK),
        (("deploy", "web", "--env", "staging", "--tag", "test"), ExitCode.OK),
        (("promote", "--from-env", "staging", "web", "--to-tag", "staging"), ExitCode.OK),
        (("deploy", "web", "--env", "prod", "--from-env", "staging"), ExitCode.OK),
        (("build", str(tmp_path / "buildspec.yml"), "--source-dir", str(tmp_path)), ExitCode.OK),
    )
    for args, expected in steps:
        code, text = _cli(run_cli, local_aws, config, *args)
        assert code == expected, text
    handler({"CodePipeline.job": {"id": "job-1", "accountId": ACCOUNT, "data": event_data}}, _Context())
    handler({"CodePipeline.job": {"id": "job-2", "accountId": ACCOUNT, "data": bad}}, _Context())  # no cluster
    assert [r["result"] for r in local_aws.job_results()] == ["Succeeded", "Failed"]

    project = load_config(config)
    scope = Scope(region=REGION, account=ACCOUNT, environment={})
    targets = [
        t
        for env in ("staging", "prod")
        for t in collect_targets(project.for_environment(env), [], template_loader(project), scope)
    ]
    reads = pipeline_build_reads(project, Place(REGION, ACCOUNT))
    policy = with_build_reads(policy_for(Use.PIPELINE, targets), reads.parameters, reads.secrets)
    called = _check(recorder, local_aws, policy)
    assert {"ecr:PutImage", "ecr:TagResource", "codepipeline:PutJobSuccessResult"} <= called
    assert {"ssm:GetParameters", "secretsmanager:GetSecretValue"} <= called
    # The deploy actions of this policy are proven by the deploy scenario above.
    unused = policy_actions(policy) - called - DOCKER - {p.action for p in permissions_for(Use.DEPLOY, targets)}
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"


def test_bootstrap_policy_allows_create_rerun_and_delete(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bootstrap service` of a rolling service: create, a second run that changes nothing, --delete."""
    from bootstrap_project import network
    from bootstrap_project import write_project as write_bootstrap_project

    config = write_bootstrap_project(tmp_path, local_aws, local_world, bootstrap={**network(local_world)})
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    for args in (("--yes",), ("--yes",), ("--delete", "--yes")):
        code, text = _cli(run_cli, local_aws, config, "bootstrap", "service", "web", *args)
        assert code == ExitCode.OK, text
    policy = _policy(config, Use.BOOTSTRAP)
    called = _check(recorder, local_aws, policy)
    unused = policy_actions(policy) - called
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"


def test_blue_green_bootstrap_policy_allows_every_call(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bootstrap service` behind a load balancer with the CODE_DEPLOY controller, `bootstrap codedeploy`
    (second target group, test listener, CodeDeploy role, application and group), then both --delete."""
    from bootstrap_project import create_alb, network
    from bootstrap_project import write_project as write_bootstrap_project

    create_alb(local_aws, local_world)
    lb = {"target_group": "web-tg", "container": "web", "port": 8080}
    boot = {**network(local_world), "load_balancer": lb, "controller": "CODE_DEPLOY"}
    config = write_bootstrap_project(tmp_path, local_aws, local_world, bootstrap=boot)
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    for args in (
        ("service", "web", "--yes"),
        ("codedeploy", "web", "--test-port", "8443", "--yes"),
        ("codedeploy", "web", "--test-port", "8443", "--yes"),  # nothing to change
        ("codedeploy", "web", "--test-port", "8443", "--deployment-config", LINEAR, "--yes"),  # the group follows
        ("codedeploy", "web", "--delete", "--yes"),
        ("service", "web", "--delete", "--yes"),
    ):
        code, text = _cli(run_cli, local_aws, config, "bootstrap", *args)
        assert code == ExitCode.OK, text
    policy = _policy(config, Use.BOOTSTRAP)
    called = _check(recorder, local_aws, policy)
    unused = policy_actions(policy) - called
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"


def test_native_blue_green_bootstrap_policy_allows_every_call(
    run_cli: Any, local_aws: LocalAWS, local_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bootstrap service` of a service with a native strategy: second target group, listener
    rule, ECS infrastructure role passed to ECS; a rerun, then --delete."""
    from bootstrap_project import create_alb, network
    from bootstrap_project import write_project as write_bootstrap_project

    create_alb(local_aws, local_world)
    lb = {"target_group": "web-tg", "container": "web", "port": 8080}
    boot = {**network(local_world), "load_balancer": lb, "strategy": "linear"}
    config = write_bootstrap_project(tmp_path, local_aws, local_world, bootstrap=boot)
    local_aws.reset_calls()
    recorder = Recorder()
    recorder.install(monkeypatch)
    for args in (("--yes",), ("--yes",), ("--delete", "--yes")):
        code, text = _cli(run_cli, local_aws, config, "bootstrap", "service", "web", *args)
        assert code == ExitCode.OK, text
    policy = _policy(config, Use.BOOTSTRAP)
    called = _check(recorder, local_aws, policy)
    assert {"elasticloadbalancing:CreateRule", "iam:PassRole", "iam:CreateRole"} <= called
    unused = policy_actions(policy) - called
    assert unused <= set(NOT_CALLED), f"granted but never called nor justified: {sorted(unused - set(NOT_CALLED))}"
