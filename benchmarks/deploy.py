"""Benchmark: how fast ``ecsflow deploy`` notices the end of a deployment, and how light it is on the API.

On the local AWS with a wall-scaled clock (``--speed`` simulated seconds per real second),
``ecsflow deploy`` runs in-process through the CLI, following the endpoint's clock
(``ECSFLOW_CLOCK=endpoint``), so its poll intervals and deadlines are the ones it uses
against real AWS, in simulated seconds. Printed:

* latency: simulated seconds from the service reaching steady state (the deployment's
  "deployment completed" event) to ecsflow returning, median over ``--runs`` deploys of one
  service (target ≤ 1 s);
* logical AWS calls per deploy, by operation (botocore retries of one call count once);
* the same for 10 and 50 services deployed together (one family, one shared registration),
  with calls per service, which must fall as services grow.

Run: ``.venv/bin/python benchmarks/deploy.py [--speed 5] [--runs 5]`` (exits 1 when a
target is missed).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from ecsflow.cli.main import run
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.ecr import push_image
from ecsflow.sim.world import World, create_world

LATENCY_TARGET = 1.0


def create_services(aws: LocalAWS, world: World, names: list[str]) -> None:
    ecs = aws.client("ecs")
    for name in names:
        ecs.create_service(
            cluster=world.cluster,
            serviceName=name,
            taskDefinition=world.task_definition_arn,
            desiredCount=2,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}
            },
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        )
    for _ in range(40):
        states = []
        for i in range(0, len(names), 10):
            states += ecs.describe_services(cluster=world.cluster, services=names[i : i + 10])["services"]
        if all(len(s["deployments"]) == 1 and s["deployments"][0].get("rolloutState") == "COMPLETED" for s in states):
            return
        aws.advance(15)
    raise SystemExit("services did not reach a steady state")


def write_project(folder: Path, aws: LocalAWS, world: World, names: list[str]) -> Path:
    td = aws.client("ecs").describe_task_definition(taskDefinition=world.task_definition_arn)["taskDefinition"]
    keep = ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn")
    body = {k: td[k] for k in keep if k in td}
    body["containerDefinitions"] = td["containerDefinitions"]
    (folder / "taskdef.json").write_text(json.dumps(body))
    lines = ["version: 1", "defaults: {cluster: demo}", "services:"]
    for name in names:
        lines.append(f"  {name}: {{task_definition: taskdef.json, images: {{web: {world.repository_uri}}}}}")
    (folder / "ecsflow.yml").write_text("\n".join(lines) + "\n")
    return folder / "ecsflow.yml"


def deploy(aws: LocalAWS, config: Path, tag: str, count: int) -> dict[str, Any]:
    out = io.StringIO()
    argv = ["--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json"]
    argv += ["deploy", "--all", "--tag", tag, "--concurrency", str(count)]
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    exit_at = aws.now()
    docs = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    result = next((d["result"] for d in reversed(docs) if "result" in d), None)
    if result is None:
        raise SystemExit(f"deploy gave no result (exit code {code}): {err.getvalue() or out.getvalue()}")
    if code != 0:
        raise SystemExit(f"deploy failed with exit code {code}: {result}")
    return {"result": result, "exit_at": exit_at}


def completed_at(aws: LocalAWS, names: list[str], deployment_ids: dict[str, str]) -> float:
    """When the last service's deployment completed, from its service event."""
    ecs = aws.client("ecs")
    latest = 0.0
    for i in range(0, len(names), 10):
        for svc in ecs.describe_services(cluster="demo", services=names[i : i + 10])["services"]:
            wanted = f"(deployment {deployment_ids[svc['serviceName']]}) deployment completed"
            found = [e["createdAt"].timestamp() for e in svc["events"] if wanted in e["message"]]
            if not found:
                raise SystemExit(f"no completion event for {svc['serviceName']}")
            latest = max(latest, *found)
    return latest


def run_case(aws: LocalAWS, count: int, runs: int, speed: float) -> dict[str, Any]:
    aws.reset(0, clock="wall", speed=speed)
    world = create_world(aws.client)
    names = ["web"] if count == 1 else [f"svc-{i:02d}" for i in range(count)]
    create_services(aws, world, names)
    latencies: list[float] = []
    calls: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = write_project(Path(tmp), aws, world, names)
        for n in range(runs):
            tag = f"v{n + 2}"
            push_image(aws.client("ecr"), "web", tag)
            aws.reset_calls()
            done = deploy(aws, config, tag, count)
            calls = {op: int(v["calls"]) for op, v in sorted(aws.calls()["operations"].items())}
            ids = {s["service"]: s["deployment_id"] for s in done["result"]["services"]}
            latencies.append(done["exit_at"] - completed_at(aws, names, ids))
    total = sum(calls.values())
    return {
        "services": count,
        "latency_median": statistics.median(latencies),
        "latencies": latencies,
        "calls": calls,
        "calls_total": total,
        "calls_per_service": total / count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # Every real millisecond a request takes counts `speed` times in simulated time, so a
    # high speed inflates the latency with the local server's own request time.
    parser.add_argument("--speed", type=float, default=5.0, help="simulated seconds per real second")
    parser.add_argument("--runs", type=int, default=5, help="single-service deploys for the latency median")
    args = parser.parse_args()
    os.environ["ECSFLOW_CLOCK"] = "endpoint"
    # The local AWS accepts any credentials; never reach for real ones.
    for key, value in (("AWS_ACCESS_KEY_ID", "ecsflow-local"), ("AWS_SECRET_ACCESS_KEY", "ecsflow-local-secret")):
        os.environ[key] = value
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.pop("AWS_PROFILE", None)
    with LocalAWS(clock="wall", speed=args.speed) as aws:
        cases = [run_case(aws, 1, args.runs, args.speed), run_case(aws, 10, 1, args.speed)]
        cases.append(run_case(aws, 50, 1, args.speed))
    ok = True
    for case in cases:
        print(f"\n== {case['services']} service(s) deployed together ==")
        lat = ", ".join(f"{x:.2f}" for x in case["latencies"])
        print(f"steady state -> ecsflow exit: median {case['latency_median']:.2f} s (runs: {lat})")
        print(f"logical AWS calls per deploy: {case['calls_total']} ({case['calls_per_service']:.1f} per service)")
        for op, n in case["calls"].items():
            print(f"  {op:32} {n}")
    single = cases[0]
    if single["latency_median"] > LATENCY_TARGET:
        print(f"\nFAIL: median latency {single['latency_median']:.2f} s > {LATENCY_TARGET} s")
        ok = False
    per_service = [c["calls_per_service"] for c in cases]
    if not per_service[0] > per_service[1] > per_service[2]:
        print(f"\nFAIL: calls per service do not fall as services grow: {per_service}")
        ok = False
    print("\nok" if ok else "")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
