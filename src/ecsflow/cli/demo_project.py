"""The stage of ``ecsflow demo``: the local AWS it runs on, the example world, the project, a deploy.

The project written for the demo is the one in ``examples/`` (``taskdef.json`` with an
``<IMAGE1_NAME>`` placeholder) plus an ``ecsflow.yml`` naming the world's repository,
so ``--tag`` deploys ``repository:tag`` pinned to its digest, as in a real project.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsflow import __version__
from ecsflow.cli.context import CliContext
from ecsflow.errors import AwsConnectionError, OperationFailed
from ecsflow.model import DeploymentResult
from ecsflow.ports import Clock, EcsPort

REGION = "us-east-1"
STEADY_WITHIN = 600.0  # simulated seconds for the new service to reach a steady state
_DUMMY = {"AWS_ACCESS_KEY_ID": "ecsflow-local", "AWS_SECRET_ACCESS_KEY": "ecsflow-local-secret"}
_CLEARED = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


class _WallClock:
    """The in-process local AWS's clock: ``sleep`` lasts ``seconds / speed`` real seconds."""

    def __init__(self, now: Callable[[], float], speed: float) -> None:
        self._now = now
        self._speed = speed

    def now(self) -> float:
        return self._now()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self._speed)


@dataclass
class LocalEndpoint:
    url: str
    client: Callable[[str], Any]  # boto3 client factory with dummy credentials
    ecs: EcsPort
    clock: Clock

    def create_world(self) -> Any:
        from ecsflow.sim.world import create_world

        world = create_world(self.client, region=REGION)
        self.client("ecs").create_service(
            cluster=world.cluster,
            serviceName="web",
            taskDefinition=world.task_definition_arn,
            desiredCount=2,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}
            },
            # The circuit breaker with rollback: what act 3 shows (AWS-SEMANTICS §6.3).
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        )
        self.wait_steady(world.cluster, "web")
        return world

    def wait_steady(self, cluster: str, service: str) -> None:
        """Until the service has one COMPLETED deployment (e.g. ECS finished rolling back)."""
        deadline = self.clock.now() + STEADY_WITHIN
        while self.clock.now() < deadline:
            state = self.ecs.describe_services(cluster, [service]).get(service)
            if state and len(state.deployments) == 1 and state.deployments[0].rollout_state == "COMPLETED":
                return
            self.clock.sleep(2.0)
        raise OperationFailed(f"the demo service {service} did not reach a steady state on the local AWS")

    def push(self, repository: str, tag: str) -> str:
        from ecsflow.sim.ecr import push_image

        return push_image(self.client("ecr"), repository, tag)


@contextlib.contextmanager
def open_endpoint(url: str | None, speed: float) -> Iterator[LocalEndpoint]:
    """A local AWS for the demo: started here (wall clock × ``speed``), or the one at ``url``."""
    with _dummy_credentials():
        if url is None:
            from ecsflow.sim.api import LocalAWS

            with LocalAWS(clock="wall", speed=speed) as aws:
                yield _endpoint(aws.endpoint_url, aws.client, _WallClock(aws.now, speed))
            return
        _control(url, "clock", {"mode": "wall", "speed": speed})  # also proves it is a local AWS
        from ecsflow.aws import AwsClients, AwsSettings
        from ecsflow.aws.localclock import EndpointClock

        clients = AwsClients(AwsSettings(region=REGION, endpoint_url=url))
        if "web" in {r["repositoryName"] for r in clients.call("ecr", "describe_repositories").get("repositories", [])}:
            raise OperationFailed(
                f"the local AWS at {url} has the demo world already",
                hint="reset it first (`ecsflow local reset`), or run `ecsflow demo` without --endpoint-url",
            )
        yield _endpoint(url, clients.client, EndpointClock(url))


def _endpoint(url: str, client: Callable[[str], Any], clock: Clock) -> LocalEndpoint:
    from ecsflow.aws import AwsClients, AwsSettings, EcsAdapter

    return LocalEndpoint(url, client, EcsAdapter(AwsClients(AwsSettings(region=REGION, endpoint_url=url))), clock)


def _control(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url.rstrip("/") + "/_ecsflow/" + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise AwsConnectionError(
            f"{url} is not a local AWS (its control plane did not answer: {exc})",
            hint="the demo runs only on a local AWS: `ecsflow local up`, or no --endpoint-url at all",
        ) from exc


@contextlib.contextmanager
def _dummy_credentials() -> Iterator[None]:
    """Dummy credentials for the demo's clients, so real ones are never sent anywhere."""
    saved = {k: os.environ.get(k) for k in (*_DUMMY, *_CLEARED, "AWS_REGION")}
    os.environ.update(_DUMMY)
    os.environ["AWS_REGION"] = REGION
    for key in _CLEARED:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def demo_taskdef(world: Any) -> dict[str, Any]:
    """``examples/taskdef.json`` on the example world (its execution role)."""
    return {
        "family": world.family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": world.execution_role_arn,
        "containerDefinitions": [
            {
                "name": world.container,
                "image": "<IMAGE1_NAME>",
                "essential": True,
                "portMappings": [{"containerPort": world.container_port, "protocol": "tcp"}],
                "environment": [{"name": "PORT", "value": str(world.container_port)}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": world.log_group,
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": world.container,
                    },
                },
            }
        ],
    }


def write_project(folder: Path, world: Any) -> Path:
    (folder / "taskdef.json").write_text(json.dumps(demo_taskdef(world), indent=2) + "\n", encoding="utf-8")
    config = folder / "ecsflow.yml"
    config.write_text(
        "# Written by `ecsflow demo`: the example world on a local AWS.\n"
        "version: 1\n"
        "defaults:\n"
        f"  region: {REGION}\n"
        f"  cluster: {world.cluster}\n"
        "services:\n"
        "  web:\n"
        "    service: web\n"
        "    task_definition: taskdef.json\n"
        "    images:\n"
        f"      {world.container}: {world.repository_uri}\n",
        encoding="utf-8",
    )
    return config


def deploy_act(ctx: CliContext, endpoint: LocalEndpoint, folder: Path, tag: str) -> DeploymentResult:
    """``ecsflow deploy web --tag TAG`` on the demo project, shown with the usual reporter."""
    from ecsflow.cli.output import make_reporter
    from ecsflow.config import load_config
    from ecsflow.diff import Masker
    from ecsflow.engines.images import ImageInputs
    from ecsflow.engines.orchestrator import RunOptions
    from ecsflow.engines.prepare import DeployRequest
    from ecsflow.engines.records import DeployRecord
    from ecsflow.factory import AwsOptions, deploy_engine

    config = load_config(folder / "ecsflow.yml")
    masker = Masker(config.defaults.secret_pattern)
    record = DeployRecord(commit=f"demo-{tag}", actor="ecsflow-demo", at=endpoint.clock.now(), tool_version=__version__)
    request = DeployRequest(
        services=(config.services["web"],),
        groups=(("web",),),
        inputs=ImageInputs(tag=tag),
        record=record,
    )
    title = f"ecsflow deploy web --tag {tag}"
    with make_reporter(ctx, masker=masker, title=title) as reporter:
        options = AwsOptions(region=REGION, endpoint_url=endpoint.url)
        engine = deploy_engine(options, config, sink=reporter.sink, masker=masker, clock=endpoint.clock)
        _, results = engine.deploy(request, RunOptions(concurrency=1))
        reporter.finish(results)
    return results[0]
