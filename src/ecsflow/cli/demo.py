"""``ecsflow demo``: ecsflow end to end on a local AWS, in under a minute, no account needed.

Acts: (1) create the example world (cluster, ECR repository, a running service ``web``),
(2) deploy a new image (succeeds), (3) deploy a broken image (the circuit breaker rolls
it back; ecsflow says so, with the reason and the exit code it would return), (4)
``status``, (5) ``history``, then pipelines in a throwaway Git repository (``demo_pipeline.py``):
(6) a code change runs the app pipeline (build → deploy), (7) a task definition change runs
only the taskdef pipeline, (8) a promotion from test to staging deploys the same digest, then blue/green
(``demo_bluegreen.py``): (9) an ECS-native linear deployment with its stages shown live,
(10) a CodeDeploy canary, (11) a CodeDeploy canary whose test command fails and is rolled back.
The demo exits 0 when every act behaved as expected, the rollback of act 3 included, and 1
otherwise.

The local AWS runs in this process with a clock ``--speed`` times faster than real time
(no network, no account), unless ``--endpoint-url`` names one already running.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ecsflow.cli.context import CliContext, get_context
from ecsflow.cli.demo_bluegreen import BLUEGREEN_ACTS, bluegreen_steps
from ecsflow.cli.demo_pipeline import PIPELINE_ACTS, pipeline_steps
from ecsflow.cli.demo_project import LocalEndpoint, deploy_act, open_endpoint, write_project
from ecsflow.cli.output.view import View
from ecsflow.errors import ExitCode
from ecsflow.model import DeploymentResult, Outcome

DEFAULT_SPEED = 20.0


@dataclass
class Act:
    title: str
    expected: str
    intro: str = ""
    actual: str = "not run"
    ok: bool = False
    seconds: float = 0.0


@click.command("demo")
@click.option(
    "--speed",
    type=click.FloatRange(min=1.0),
    default=DEFAULT_SPEED,
    show_default=True,
    help="How much faster than real time the local AWS runs.",
)
@click.option("--keep", "keep_dir", default=None, metavar="DIR", help="Write the demo project here and keep it.")
def demo(speed: float, keep_dir: str | None) -> int:
    """Watch ecsflow deploy, catch a broken image, and tell the truth, on a local AWS.

    \b
    1. create the example world: cluster `demo`, ECR repository `web`, service `web`
    2. deploy web:v2                  → succeeds
    3. deploy web:broken              → tasks fail, the circuit breaker rolls back,
                                        ecsflow reports ROLLED BACK (exit code 4)
    4. ecsflow status                 5. ecsflow history
    6-8. pipelines in a Git repository: a code change runs build → deploy, a task definition
         change runs only its pipeline, a promotion test → staging deploys the same digest
    9-11. blue/green: an ECS-native linear deployment, a CodeDeploy canary, and a canary
         whose --test-command fails and is rolled back (exit code 4)
    """
    ctx = get_context()
    view = View(ctx)
    started = time.monotonic()
    acts = [
        Act(
            "create the example world",
            "service web steady on web:1",
            "a VPC, ECR repository web (image v1), log group, role, cluster demo, service web with 2 tasks",
        ),
        Act("deploy a new image (web:v2)", str(Outcome.SUCCEEDED), "push web:v2, then: ecsflow deploy web --tag v2"),
        Act(
            "deploy a broken image (web:broken)",
            str(Outcome.ROLLED_BACK),
            "push web:broken (its tasks exit 1), then: ecsflow deploy web --tag broken",
        ),
        Act("ecsflow status", "web runs the v2 revision, no drift"),
        Act("ecsflow history", "rolled back, succeeded, succeeded (newest first)"),
        *(Act(title, expected, intro) for title, expected, intro in PIPELINE_ACTS),
        *(Act(title, expected, intro) for title, expected, intro in BLUEGREEN_ACTS),
    ]
    _banner(view, speed, ctx)
    if ctx.endpoint_url is None:
        view.line("starting the local AWS…", style="dim")
    with open_endpoint(ctx.endpoint_url, speed) as endpoint:
        folder = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="ecsflow-demo-"))
        folder.mkdir(parents=True, exist_ok=True)
        _run_acts(ctx, view, endpoint, folder, acts)
    _finale(view, acts, time.monotonic() - started, folder if keep_dir else None)
    return int(ExitCode.OK) if all(a.ok for a in acts) else int(ExitCode.FAILED)


def _run_acts(ctx: CliContext, view: View, endpoint: LocalEndpoint, folder: Path, acts: list[Act]) -> None:
    steps: list[Callable[[], tuple[bool, str]]] = [
        lambda: _world(endpoint, folder),
        lambda: _deploy(ctx, endpoint, folder, "v2", Outcome.SUCCEEDED),
        lambda: _deploy(ctx, endpoint, folder, "broken", Outcome.ROLLED_BACK),
        lambda: _status(ctx, view, endpoint, folder),
        lambda: _history(view, endpoint),
        *pipeline_steps(ctx, endpoint, folder),  # acts 6-8: cli/demo_pipeline.py
        *bluegreen_steps(ctx, endpoint, folder),  # acts 9-11: cli/demo_bluegreen.py
    ]
    for n, (act, step) in enumerate(zip(acts, steps, strict=True), 1):
        _heading(view, n, act.title)
        if act.intro:
            view.line(act.intro, style="dim")
        t0 = time.monotonic()
        act.ok, act.actual = step()
        act.seconds = time.monotonic() - t0
        mark = "✔" if act.ok else "✘"
        view.line(f"{mark} {act.actual}", style="bold green" if act.ok else "bold red")
        if not act.ok:
            break  # later acts build on this one


def _world(endpoint: LocalEndpoint, folder: Path) -> tuple[bool, str]:
    world = endpoint.create_world()
    write_project(folder, world)
    state = endpoint.ecs.describe_services(world.cluster, ["web"]).get("web")
    ok = state is not None and state.running == state.desired and len(state.deployments) == 1
    revision = state.task_definition.rsplit("/", 1)[-1] if state else "-"
    return ok, f"cluster {world.cluster}, repository {world.repository}, service web running {revision}"


def _deploy(ctx: CliContext, endpoint: LocalEndpoint, folder: Path, tag: str, expected: Outcome) -> tuple[bool, str]:
    endpoint.push("web", tag)
    result: DeploymentResult = deploy_act(ctx, endpoint, folder, tag)
    code = int(result.exit_code)
    said = f"{result.outcome} - `ecsflow deploy web --tag {tag}` would exit {code}"
    if result.outcome is Outcome.ROLLED_BACK:
        said += f" ({result.reason})"
    return result.outcome is expected, said


def _status(ctx: CliContext, view: View, endpoint: LocalEndpoint, folder: Path) -> tuple[bool, str]:
    from ecsflow.cli.status import render_status, renderer
    from ecsflow.config import load_config
    from ecsflow.engines.inspect import inspect_service

    endpoint.wait_steady("demo", "web")  # ECS may still be rolling back act 3
    config = load_config(folder / "ecsflow.yml")
    svc = config.services["web"]
    # The file check too: the repository's taskdef.json against what runs.
    status = inspect_service(endpoint.ecs, "demo", "web", key="web", rendered=renderer(config, svc))
    render_status(view, [status])
    running = (status.running_revision or "").rsplit("/", 1)[-1]
    ok = status.state == "steady" and not status.drifted and running == "web:2"
    return ok, f"web is {status.state} on {running}, drift: {', '.join(d.kind for d in status.drift) or 'none'}"


def _history(view: View, endpoint: LocalEndpoint) -> tuple[bool, str]:
    from ecsflow.cli.history import render_history
    from ecsflow.engines.revision_log import service_history

    entries = service_history(endpoint.ecs, "demo", "web") or []
    render_history(view, "web", entries[:10], "service deployments")
    outcomes = [e.outcome for e in entries]
    ok = outcomes[:3] == ["rolled back", "succeeded", "succeeded"]
    return ok, "newest first: " + ", ".join(outcomes)


def _banner(view: View, speed: float, ctx: CliContext) -> None:
    where = ctx.endpoint_url or f"a local AWS in this process, clock ×{speed:g}"
    view.line("ecsflow demo", style="bold cyan")
    view.line(f"on {where}: no account, no network, nothing leaves this machine", style="dim")


def _heading(view: View, n: int, title: str) -> None:
    view.line()
    view.line(f"━━ {n}. {title} ━━", style="bold magenta")


def _finale(view: View, acts: list[Act], seconds: float, kept: Path | None) -> None:
    view.line()
    view.table(
        ["ACT", "EXPECTED", "WHAT HAPPENED", "TIME"],
        [
            [
                f"{n}. {a.title}",
                a.expected,
                (a.actual, "green" if a.ok else "bold red"),
                f"{a.seconds:.1f}s",
            ]
            for n, a in enumerate(acts, 1)
        ],
        title="ecsflow demo",
    )
    if all(a.ok for a in acts):
        view.line(
            f"every act behaved as expected in {seconds:.0f}s (the rollback included): exit 0", style="bold green"
        )
    else:
        view.line(f"an act did not behave as expected: exit {int(ExitCode.FAILED)}", style="bold red")
    if kept:
        view.line(f"the demo project is in {kept} (ecsflow.yml, taskdef.json)")
    view.document(
        {"demo": [_act_payload(n, a) for n, a in enumerate(acts, 1)], "ok": all(a.ok for a in acts)}, compact=True
    )


def _act_payload(n: int, act: Act) -> dict[str, Any]:
    return {"act": n, "title": act.title, "expected": act.expected, "actual": act.actual, "ok": act.ok}
