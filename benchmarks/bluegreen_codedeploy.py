"""Benchmark: logical AWS calls per CodeDeploy blue/green deployment, by operation.

On the local AWS with the manual clock, ``ecsflow deploy`` runs in-process through the CLI
and follows the endpoint's clock (``ECSFLOW_CLOCK=endpoint``): every sleep of its waiter
advances simulated time by exactly that much, so the calls counted are the ones its poll
intervals make against real AWS for the same deployment. One CODE_DEPLOY service (two
tasks) behind an ALB with production and test listeners, a 5-minute termination wait, the
group discovered on the first deploy (scanning calls shown) and remembered afterwards.

Printed per deployment configuration (all at once, canary 10 % / 5 min, linear 10 % / 1 min):
calls by operation, the total, and the latency from CodeDeploy's ``completeTime`` to
ecsflow's exit in simulated seconds.

Run: ``.venv/bin/python benchmarks/bluegreen_codedeploy.py`` (``benchmarks/bluegreen.py``
includes these cases).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ecsflow.cli.main import run
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

CONFIGS = (
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
)


def _write_project(folder: Path) -> Path:
    (folder / "taskdef.json").write_text(json.dumps(task_definition("web", "public.ecr.aws/nginx/nginx:1.27", 80)))
    text = "version: 1\nservices:\n  web:\n    cluster: web-cluster\n    task_definition: taskdef.json\n"
    (folder / "ecsflow.yml").write_text(text)
    return folder / "ecsflow.yml"


def _deploy(aws: LocalAWS, config: Path, image: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", "deploy", "web"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([*argv, "--image", f"web={image}"])
    docs = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    result = next((d["result"] for d in reversed(docs) if "result" in d), None)
    if code != 0 or result is None:
        raise SystemExit(f"deploy failed (exit code {code}): {err.getvalue() or out.getvalue()}")
    web: dict[str, Any] = result["services"][0]
    return web


def codedeploy_case(aws: LocalAWS, deployment_config: str) -> dict[str, Any]:
    """Two deploys of one service: the first discovers the group, the second is measured."""
    aws.reset(0, clock="manual")
    build_world(aws.client, BlueGreenOptions(deployment_config=deployment_config, termination_wait_minutes=5))
    with tempfile.TemporaryDirectory() as tmp:
        config = _write_project(Path(tmp))
        aws.reset_calls()
        _deploy(aws, config, "public.ecr.aws/nginx/nginx:1.28")
        first = {op: int(v["calls"]) for op, v in sorted(aws.calls()["operations"].items())}
        aws.reset_calls()
        web = _deploy(aws, config, "public.ecr.aws/nginx/nginx:1.29")
        exit_at = aws.now()
        calls = {op: int(v["calls"]) for op, v in sorted(aws.calls()["operations"].items())}
    info = aws.client("codedeploy").get_deployment(deploymentId=web["deployment_id"])["deploymentInfo"]
    completed = info["completeTime"].timestamp()
    discovery = {op: n for op, n in first.items() if op not in calls or n != calls.get(op)}
    return {
        "strategy": f"CODE_DEPLOY {deployment_config.removeprefix('CodeDeployDefault.')}",
        "calls": calls,
        "calls_total": sum(calls.values()),
        "first_deploy_extra": {op: n - calls.get(op, 0) for op, n in discovery.items() if n > calls.get(op, 0)},
        "latency": exit_at - completed,
        "duration": web["duration_seconds"],
    }


def print_case(case: dict[str, Any]) -> None:
    print(f"\n== {case['strategy']} ==")
    print(
        f"deployment took {case['duration']:.0f} s (simulated); completeTime -> ecsflow exit: {case['latency']:.0f} s"
    )
    print(f"logical AWS calls per deployment: {case['calls_total']}")
    for op, n in case["calls"].items():
        print(f"  {op:40} {n}")
    extra = ", ".join(f"{op} +{n}" for op, n in case["first_deploy_extra"].items())
    print(f"first deploy only (group discovery, then remembered): {extra or 'none'}")


def main() -> int:
    os.environ["ECSFLOW_CLOCK"] = "endpoint"
    for key, value in (("AWS_ACCESS_KEY_ID", "ecsflow-local"), ("AWS_SECRET_ACCESS_KEY", "ecsflow-local-secret")):
        os.environ[key] = value
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.pop("AWS_PROFILE", None)
    with LocalAWS(clock="manual") as aws:
        for name in CONFIGS:
            print_case(codedeploy_case(aws, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
