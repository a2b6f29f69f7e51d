"""Benchmark: logical AWS calls per blue/green deployment, by operation, for each strategy.

Each case builds its own world on the local AWS (deterministic ``poll`` clock: every
observing call moves simulated time by one poll step), runs ``ecsflow deploy`` in-process
through the CLI following the endpoint's clock (``ECSFLOW_CLOCK=endpoint``), and prints
the calls the deploy made, counted by the local AWS's middleware (botocore retries of one
call count once; docs/local.md), with the simulated duration of the deployment.

Cases (``CASES``; adding a strategy is one entry):

* ECS native ``BLUE_GREEN`` (bake 5 min), ``LINEAR`` (20 % steps, 1 min apart, bake 5 min),
  ``CANARY`` (10 % for 5 min, bake 5 min) on an ALB with production and test listener rules;
* CodeDeploy ``CodeDeployDefault.ECSCanary10Percent5Minutes``, ``…ECSAllAtOnce`` and
  ``…ECSLinear10PercentEvery1Minutes`` (termination wait 5 min), second deploy (the
  deployment group is remembered, so no discovery calls). ``benchmarks/bluegreen_codedeploy.py``
  measures the same with the manual clock, where ecsflow's own poll intervals set the count.

Run: ``.venv/bin/python benchmarks/bluegreen.py [--json]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsflow.cli.main import run
from ecsflow.sim.api import LocalAWS

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    name: str
    # Builds the world and the project in ``folder``; returns (config path, deploy arguments).
    prepare: Callable[[LocalAWS, Path], tuple[Path, list[str]]]
    warm_up: bool = False  # deploy once before counting (what a second deploy costs)


def native(configuration: dict[str, Any]) -> Callable[[LocalAWS, Path], tuple[Path, list[str]]]:
    def prepare(aws: LocalAWS, folder: Path) -> tuple[Path, list[str]]:
        sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))
        from deploy_project import push, write_project
        from native_project import create_native_service

        from ecsflow.sim.world import create_world

        world = create_world(aws.client)
        create_native_service(aws, world, configuration)
        push(aws, "v2")
        return write_project(folder, aws, world), ["deploy", "web", "--tag", "v2"]

    return prepare


def codedeploy(config_name: str) -> Callable[[LocalAWS, Path], tuple[Path, list[str]]]:
    def prepare(aws: LocalAWS, folder: Path) -> tuple[Path, list[str]]:
        from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

        build_world(aws.client, BlueGreenOptions(deployment_config=config_name))
        taskdef = task_definition("web", "public.ecr.aws/nginx/nginx:1.27", 80)
        (folder / "taskdef.json").write_text(json.dumps(taskdef))
        lines = ["version: 1", "services:", "  web:", "    cluster: web-cluster", "    task_definition: taskdef.json"]
        (folder / "ecsflow.yml").write_text("\n".join(lines) + "\n")
        return folder / "ecsflow.yml", ["deploy", "web", "--image", "web=public.ecr.aws/nginx/nginx:1.28"]

    return prepare


CASES = [
    Case("ECS native BLUE_GREEN", native({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5})),
    Case(
        "ECS native LINEAR",
        native(
            {
                "strategy": "LINEAR",
                "bakeTimeInMinutes": 5,
                "linearConfiguration": {"stepPercent": 20.0, "stepBakeTimeInMinutes": 1},
            }
        ),
    ),
    Case(
        "ECS native CANARY",
        native(
            {
                "strategy": "CANARY",
                "bakeTimeInMinutes": 5,
                "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5},
            }
        ),
    ),
    Case("CodeDeploy ECSCanary10Percent5Minutes", codedeploy("CodeDeployDefault.ECSCanary10Percent5Minutes"), True),
    Case("CodeDeploy ECSAllAtOnce", codedeploy("CodeDeployDefault.ECSAllAtOnce"), True),
    Case(
        "CodeDeploy ECSLinear10PercentEvery1Minutes",
        codedeploy("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
        True,
    ),
]


def deploy(aws: LocalAWS, config: Path, args: list[str]) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    docs = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    result = next((d["result"] for d in reversed(docs) if "result" in d), None)
    if code != 0 or result is None:
        raise SystemExit(f"deploy failed with exit code {code}: {result or err.getvalue()}")
    return dict(result)


def run_case(aws: LocalAWS, case: Case) -> dict[str, Any]:
    aws.reset(0)
    with tempfile.TemporaryDirectory() as tmp:
        config, args = case.prepare(aws, Path(tmp))
        if case.warm_up:
            deploy(aws, config, args)
            args = [a.replace("1.28", "1.29") for a in args]
        aws.reset_calls()
        start = aws.now()
        result = deploy(aws, config, args)
        duration = aws.now() - start
    calls = {op: int(v["calls"]) for op, v in sorted(aws.calls()["operations"].items())}
    [service] = result["services"]
    return {
        "case": case.name,
        "outcome": service["outcome"],
        "simulated_seconds": duration,
        "calls": calls,
        "calls_total": sum(calls.values()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    os.environ["ECSFLOW_CLOCK"] = "endpoint"
    # The local AWS accepts any credentials; never reach for real ones.
    for key, value in (("AWS_ACCESS_KEY_ID", "ecsflow-local"), ("AWS_SECRET_ACCESS_KEY", "ecsflow-local-secret")):
        os.environ[key] = value
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.pop("AWS_PROFILE", None)
    with LocalAWS() as aws:
        results = [run_case(aws, case) for case in CASES]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        minutes = r["simulated_seconds"] / 60
        print(f"{r['case']}: {r['outcome']}, {r['calls_total']} calls, {minutes:.1f} simulated minutes")
        for op, n in r["calls"].items():
            print(f"  {op:45} {n}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
