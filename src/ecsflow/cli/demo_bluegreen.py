"""The blue/green acts of ``ecsflow demo``: an ECS-native linear deployment with its stages
shown live, a CodeDeploy canary that succeeds, and one whose test command fails and is
rolled back.

Each act sets up its own service on the demo's local AWS through the AWS API (an ALB with
two target groups and production / test listeners), writes its project next to the demo's
(``bluegreen/ecsflow.yml``) and runs ``ecsflow deploy`` through the usual reporter. The
timings are short on purpose (25 % linear steps without waits, a 20 % canary for one
minute, no bake or termination wait) so the acts take seconds at the demo's clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ecsflow import __version__
from ecsflow.cli.context import CliContext
from ecsflow.cli.demo_project import REGION, LocalEndpoint, demo_taskdef
from ecsflow.engines.gates import Gate
from ecsflow.engines.images import ImageInputs
from ecsflow.model import DeploymentResult, Outcome

Step = Callable[[], tuple[bool, str]]

CANARY_CONFIG = "Demo.Canary20Percent1Minute"
CHECKOUT_IMAGES = (
    "public.ecr.aws/nginx/nginx:1.27",
    "public.ecr.aws/nginx/nginx:1.28",
    "public.ecr.aws/nginx/nginx:1.29",
)
FAILING_TEST = 'echo "GET /health on the test listener: 500 Internal Server Error"; exit 1'

# (title, expected, intro) of the blue/green acts.
BLUEGREEN_ACTS: tuple[tuple[str, str, str], ...] = (
    (
        "ECS-native linear deployment",
        f"{Outcome.SUCCEEDED}: production shifts in 25 % steps to the new revision",
        "service web-linear (rolling) behind an ALB with production and test listener rules; ecsflow.yml says "
        "`strategy: linear`, so: ecsflow deploy web-linear --tag v2 switches it to LINEAR (25 % steps) and follows it",
    ),
    (
        "CodeDeploy canary",
        f"{Outcome.SUCCEEDED}: 20 % for a minute, then 100 %",
        "service checkout (CODE_DEPLOY controller, application and deployment group), then: "
        f"ecsflow deploy checkout --image checkout=nginx:1.28 --deployment-config {CANARY_CONFIG}",
    ),
    (
        "CodeDeploy canary with a failing test command",
        f"{Outcome.ROLLED_BACK}: the test command fails at test traffic, production never moves off nginx:1.28",
        "the deployment group now holds new revisions at test traffic (ready wait), then: ecsflow deploy checkout "
        f"--image checkout=nginx:1.29 --deployment-config {CANARY_CONFIG} --test-command '{FAILING_TEST}'",
    ),
)


def bluegreen_steps(ctx: CliContext, endpoint: LocalEndpoint, folder: Path) -> list[Step]:
    project = folder / "bluegreen"
    return [
        lambda: _native_linear(ctx, endpoint, project),
        lambda: _codedeploy(ctx, endpoint, project, CHECKOUT_IMAGES[1], None, Outcome.SUCCEEDED),
        lambda: _codedeploy(ctx, endpoint, project, CHECKOUT_IMAGES[2], FAILING_TEST, Outcome.ROLLED_BACK),
    ]


# --- act: ECS-native linear ------------------------------------------------------------------


def _native_linear(ctx: CliContext, endpoint: LocalEndpoint, project: Path) -> tuple[bool, str]:
    setup = _linear_service(endpoint)
    endpoint.wait_steady("demo", "web-linear")
    config = _write_project(project, endpoint)
    result, weights = _deploy(ctx, endpoint, config, "web-linear", ImageInputs(tag="v2"), None, None)
    # The steps seen depend on when the polls fell (the clock is fast); the listener rule says where traffic is.
    shown = " → ".join(f"{w:g}" for w in weights if w > 0)
    said = f"{result.outcome}: production {shown} % on {_short(result.task_definition_arn)}"
    ok = result.outcome is Outcome.SUCCEEDED
    live = endpoint.client("elbv2").describe_rules(RuleArns=[setup["production"]])["Rules"][0]
    forward = {g["TargetGroupArn"]: g["Weight"] for g in live["Actions"][0]["ForwardConfig"]["TargetGroups"]}
    return ok and forward.get(setup["green"]) == 100, said


def _linear_service(endpoint: LocalEndpoint) -> dict[str, str]:
    """web-linear next to web: same subnets, security group and revision, plus an ALB."""
    from ecsflow.sim.world import blue_green_load_balancers, blue_green_routes

    ecs = endpoint.client("ecs")
    web = ecs.describe_services(cluster="demo", services=["web"])["services"][0]
    network = web["networkConfiguration"]
    subnets = network["awsvpcConfiguration"]["subnets"]
    vpc = endpoint.client("ec2").describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    td = ecs.describe_task_definition(taskDefinition=web["taskDefinition"])["taskDefinition"]
    routes = blue_green_routes(endpoint.client, name="web-linear", subnet_ids=subnets, vpc_id=vpc)
    ecs.create_service(
        cluster="demo",
        serviceName="web-linear",
        taskDefinition=td["taskDefinitionArn"],
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=network,
        loadBalancers=blue_green_load_balancers(routes, container="web", port=8080, role_arn=td["executionRoleArn"]),
        # Rolling for now (its first deployment is quick); the deploy switches it to LINEAR
        # (`strategy: linear` in ecsflow.yml) with these steps and no bake.
        deploymentConfiguration={
            "strategy": "ROLLING",
            "bakeTimeInMinutes": 0,
            "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 0},
        },
    )
    return {"production": routes["production"], "green": routes["green"]}


# --- acts: CodeDeploy canary ----------------------------------------------------------------


def _codedeploy(
    ctx: CliContext, endpoint: LocalEndpoint, project: Path, image: str, test_command: str | None, expected: Outcome
) -> tuple[bool, str]:
    if not (project / "checkout-taskdef.json").exists():
        _checkout_service(endpoint, project)
    config = _write_project(project, endpoint)
    gate = None
    if test_command:
        _hold_at_test_traffic(endpoint)
        gate = Gate(test_command=test_command)
    inputs = ImageInputs(images=(("checkout", image),))
    result, weights = _deploy(ctx, endpoint, config, "checkout", inputs, gate, CANARY_CONFIG)
    moved = [w for w in weights if w > 0]
    running = _checkout_image(endpoint)
    shifted = f"production {' → '.join(f'{w:g}' for w in moved)} %" if moved else "production never moved"
    said = f"{result.outcome}: {shifted}, runs {running}"
    if result.outcome is Outcome.ROLLED_BACK:
        # Held at the ready wait while the command ran: production never moved.
        return result.outcome is expected and not moved and running == CHECKOUT_IMAGES[1].rsplit("/", 1)[-1], said
    # The canary step seen depends on when the polls fell (the clock is fast); what runs is what counts.
    return result.outcome is expected and running == image.rsplit("/", 1)[-1], said


def _checkout_image(endpoint: LocalEndpoint) -> str:
    ecs = endpoint.client("ecs")
    svc = ecs.describe_services(cluster="checkout-cluster", services=["checkout"])["services"][0]
    primary = next((s for s in svc.get("taskSets") or () if s.get("status") == "PRIMARY"), None)
    arn = primary["taskDefinition"] if primary else svc["taskDefinition"]
    td = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return str(td["containerDefinitions"][0]["image"]).rsplit("/", 1)[-1]


def _checkout_service(endpoint: LocalEndpoint, project: Path) -> None:
    from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

    options = BlueGreenOptions(
        name="checkout", image=CHECKOUT_IMAGES[0], deployment_config=None, termination_wait_minutes=0
    )
    world = build_world(endpoint.client, options)
    endpoint.client("codedeploy").create_deployment_config(
        deploymentConfigName=CANARY_CONFIG,
        computePlatform="ECS",
        trafficRoutingConfig={
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 1},
        },
    )
    project.mkdir(parents=True, exist_ok=True)
    taskdef = task_definition("checkout", "<IMAGE1_NAME>", world.options.container_port)
    (project / "checkout-taskdef.json").write_text(json.dumps(taskdef, indent=2) + "\n", encoding="utf-8")


def _hold_at_test_traffic(endpoint: LocalEndpoint) -> None:
    """The ready wait (deploymentReadyOption STOP_DEPLOYMENT) holds each deployment at test
    traffic until ContinueDeployment, so a gate's test command runs before production moves
    (AWS-SEMANTICS §5.2)."""
    endpoint.client("codedeploy").update_deployment_group(
        applicationName="checkout-app",
        currentDeploymentGroupName="checkout-dg",
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0},
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        },
    )


# --- the project and the deploy -------------------------------------------------------------


def _write_project(project: Path, endpoint: LocalEndpoint) -> Path:
    project.mkdir(parents=True, exist_ok=True)
    repository = endpoint.client("ecr").describe_repositories(repositoryNames=["web"])["repositories"][0]
    if not (project / "taskdef.json").exists():
        td = endpoint.client("ecs").describe_task_definition(taskDefinition="web:1")["taskDefinition"]
        world = _World(td["executionRoleArn"])
        (project / "taskdef.json").write_text(json.dumps(demo_taskdef(world), indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Written by `ecsflow demo`: its blue/green acts on a local AWS.",
        "version: 1",
        "defaults:",
        f"  region: {REGION}",
        "services:",
        "  web-linear:",
        "    cluster: demo",
        "    strategy: linear",
        "    task_definition: taskdef.json",
        "    images:",
        f"      web: {repository['repositoryUri']}",
    ]
    if (project / "checkout-taskdef.json").exists():
        lines += ["  checkout:", "    cluster: checkout-cluster", "    task_definition: checkout-taskdef.json"]
    config = project / "ecsflow.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


class _World:
    """What ``demo_taskdef`` reads of the example world."""

    family = "web"
    container = "web"
    container_port = 8080
    log_group = "/ecs/web"

    def __init__(self, execution_role_arn: str) -> None:
        self.execution_role_arn = execution_role_arn


def _deploy(
    ctx: CliContext,
    endpoint: LocalEndpoint,
    config_path: Path,
    key: str,
    inputs: ImageInputs,
    gate: Gate | None,
    deployment_config: str | None,
) -> tuple[DeploymentResult, list[float]]:
    """``ecsflow deploy KEY`` with the usual reporter; returns the result and the production
    weights on the new revision as the deployment showed them."""
    from ecsflow.cli.output import make_reporter
    from ecsflow.config import load_config
    from ecsflow.diff import Masker
    from ecsflow.engines.orchestrator import RunOptions
    from ecsflow.engines.prepare import DeployRequest
    from ecsflow.engines.records import DeployRecord
    from ecsflow.events import DeploymentProgress, Event
    from ecsflow.factory import AwsOptions, deploy_engine

    config = load_config(config_path)
    masker = Masker(config.defaults.secret_pattern)
    record = DeployRecord(commit=f"demo-{key}", actor="ecsflow-demo", at=endpoint.clock.now(), tool_version=__version__)
    request = DeployRequest(services=(config.services[key],), groups=((key,),), inputs=inputs, record=record)
    weights: list[float] = []
    with make_reporter(ctx, masker=masker, title=f"ecsflow deploy {key}") as reporter:

        def sink(event: Event) -> None:
            if isinstance(event, DeploymentProgress) and event.service == key:
                weight = event.snapshot.traffic.production
                if weight is not None and (not weights or weights[-1] != weight):
                    weights.append(weight)
            reporter.sink(event)

        engine = deploy_engine(
            AwsOptions(region=REGION, endpoint_url=endpoint.url), config, sink=sink, masker=masker, clock=endpoint.clock
        )
        options = RunOptions(concurrency=1, gate=gate, deployment_config=deployment_config)
        _, results = engine.deploy(request, options)
        reporter.finish(results)
    return results[0], weights


def _short(arn: str | None) -> str:
    return (arn or "?").rsplit("/", 1)[-1]
