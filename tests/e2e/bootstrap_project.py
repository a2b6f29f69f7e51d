"""A project whose service does not exist yet, for the bootstrap e2e tests: the example
world minus the log group, plus (optionally) an ALB with a target group and a listener."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

_READ_ONLY = {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities"}
_READ_ONLY |= {"registeredAt", "registeredBy"}
MUTATING = ("Create", "Update", "Register", "Delete", "Deregister", "Modify", "Put", "Attach", "Detach", "Add", "Tag")


@dataclass(frozen=True)
class Alb:
    load_balancer_arn: str
    target_group_arn: str
    listener_arn: str


def create_alb(aws: LocalAWS, world: World, name: str = "web") -> Alb:
    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(Name=f"{name}-alb", Subnets=list(world.subnet_ids), Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(
        Name=f"{name}-tg",
        Protocol="HTTP",
        Port=world.container_port,
        VpcId=world.vpc_id,
        TargetType="ip",
        HealthCheckPath="/health",
    )["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )["Listeners"][0]["ListenerArn"]
    return Alb(lb_arn, tg, listener)


def write_project(
    tmp_path: Path,
    aws: LocalAWS,
    world: World,
    *,
    bootstrap: dict[str, Any],
    cluster: str = "apps",
    log_group: str = "/ecs/boot",
) -> Path:
    td: dict[str, Any] = aws.client("ecs").describe_task_definition(taskDefinition=world.task_definition_arn)[
        "taskDefinition"
    ]
    body = {k: v for k, v in td.items() if k not in _READ_ONLY}
    body["family"] = "boot"
    container = body["containerDefinitions"][0]
    container["image"] = f"{world.repository_uri}:v1"
    container["logConfiguration"]["options"]["awslogs-group"] = log_group
    (tmp_path / "taskdef.json").write_text(json.dumps(body, indent=2))
    config = {
        "version": 1,
        "defaults": {"cluster": cluster},
        "services": {
            "web": {
                "task_definition": "taskdef.json",
                "images": {world.container: world.repository_uri},
                "bootstrap": bootstrap,
            }
        },
    }
    (tmp_path / "ecsflow.yml").write_text(json.dumps(config, indent=2))
    return tmp_path / "ecsflow.yml"


def network(world: World) -> dict[str, Any]:
    return {"subnets": list(world.subnet_ids), "security_groups": [world.security_group_id]}


def mutations(aws: LocalAWS) -> dict[str, int]:
    """Mutating AWS operations (and their logical call counts) since the last reset of the counts."""
    out: dict[str, int] = {}
    for op, v in aws.calls()["operations"].items():
        if op.split(":", 1)[1].startswith(MUTATING) and int(v["calls"]):
            out[op] = int(v["calls"])
    return out


def cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args)
    docs = [json.loads(line) for line in _documents(out)]
    return code, (docs[-1] if docs else {}), out + err


def _documents(out: str) -> list[str]:
    """The JSON documents in ``out`` (indented ones span lines)."""
    found: list[str] = []
    buf: list[str] = []
    for line in out.splitlines():
        if line.startswith("{") and line.endswith("}") and not buf:
            found.append(line)
        elif line.startswith("{"):
            buf = [line]
        elif buf:
            buf.append(line)
            if line == "}":
                found.append("\n".join(buf))
                buf = []
    return found
