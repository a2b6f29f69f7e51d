"""Cost of the local AWS: throughput, memory, start-up.

Usage: python benchmarks/local.py [--requests N] [--threads T] [--runs R]

Prints figures; it is not a test.

* DescribeServices requests per second over HTTP (the call every waiter repeats),
  against a service of the example world, from 1 and from T client threads. The
  clock is wall-scaled, so polling does not move simulated time.
* The same through the in-process transport (no socket), for comparison.
* RSS of an idle ``ecsflow local up --detach`` server, and after the example world.
* Start-up: wall time of ``ecsflow local up --detach`` until it answers (the command
  returns once ``/_ecsflow/health`` does), median of R runs.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ecsflow.sim.api import LocalAWS  # noqa: E402
from ecsflow.sim.state import StateDir  # noqa: E402
from ecsflow.sim.world import World, create_world  # noqa: E402


def create_service(aws: LocalAWS, world: World) -> None:
    aws.client("ecs").create_service(
        cluster=world.cluster,
        serviceName="web",
        taskDefinition=world.task_definition_arn,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": list(world.subnet_ids), "securityGroups": [world.security_group_id]}
        },
    )


def describe_rate(aws: LocalAWS, requests: int, threads: int, *, inprocess: bool = False) -> float:
    per_thread = max(1, requests // threads)
    clients = [aws.client("ecs", inprocess=inprocess) for _ in range(threads)]
    for client in clients:  # warm up connections and models
        client.describe_services(cluster="demo", services=["web"])

    def work(client: Any) -> None:
        for _ in range(per_thread):
            client.describe_services(cluster="demo", services=["web"])

    workers = [threading.Thread(target=work, args=(c,)) for c in clients]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - start)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ecsflow(cwd: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "ecsflow", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _client(session: Any, endpoint_url: str, service: str) -> Any:
    return session.client(service, endpoint_url=endpoint_url)


def start_up(runs: int) -> tuple[float, float, float]:
    """Median start-up seconds; RSS (MiB) idle and after the example world, of the last run."""
    times: list[float] = []
    idle = loaded = float("nan")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cwd = Path(tmp)
            start = time.perf_counter()
            ecsflow(cwd, "local", "up", "--detach", "--port", "0", "--clock", "wall")
            times.append(time.perf_counter() - start)
            state = StateDir(cwd).read()
            assert state is not None
            try:
                time.sleep(0.5)  # idle
                idle = rss_mib(state.pid)
                import boto3

                session = boto3.session.Session(
                    aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
                )
                create_world(functools.partial(_client, session, state.endpoint_url))
                loaded = rss_mib(state.pid)
            finally:
                ecsflow(cwd, "local", "down")
    return statistics.median(times), idle, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with LocalAWS(clock="wall", speed=1) as aws:
        world = create_world(aws.client)
        create_service(aws, world)
        single = describe_rate(aws, args.requests, 1)
        multi = describe_rate(aws, args.requests, args.threads)
        inproc = describe_rate(aws, args.requests, 1, inprocess=True)
        counted = aws.calls()["operations"]["ecs:DescribeServices"]["attempts"]
    seconds, idle, loaded = start_up(args.runs)

    print(f"{'measure':<52} {'value':>10}")
    print(f"{'DescribeServices over HTTP, 1 client (req/s)':<52} {single:>10.0f}")
    print(f"{f'DescribeServices over HTTP, {args.threads} clients (req/s)':<52} {multi:>10.0f}")
    print(f"{'DescribeServices in-process, 1 client (req/s)':<52} {inproc:>10.0f}")
    print(f"{'requests counted by the server':<52} {counted:>10}")
    print(f"{'ecsflow local up --detach until it answers (s)':<52} {seconds:>10.2f}")
    print(f"{'RSS of the idle server (MiB)':<52} {idle:>10.1f}")
    print(f"{'RSS after the example world (MiB)':<52} {loaded:>10.1f}")


if __name__ == "__main__":
    main()
