"""``ecsflow local``: run and drive the local AWS (moto plus ecsflow's rollout simulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ecsflow.cli.console import write_json
from ecsflow.cli.context import get_context
from ecsflow.errors import OperationFailed

HELP = """Run a local AWS endpoint on 127.0.0.1 for tests, demos and benchmarks.

Any AWS client reaches it through its endpoint URL alone (boto3, the AWS CLI,
other deploy tools). State of a running server is kept in .ecsflow/local/.

\b
Examples:
  ecsflow local up --detach --clock wall --speed 20
  eval "$(ecsflow local env)"
  aws ecs list-clusters
  ecsflow local calls
  ecsflow local down
"""


@click.group("local", help=HELP)
def local() -> None:
    pass


def _state_dir() -> Any:
    from ecsflow.sim.state import StateDir

    return StateDir()


def _client() -> Any:
    """The control client of the endpoint given by --endpoint-url, else of the recorded server."""
    from ecsflow.sim.client import ControlClient
    from ecsflow.sim.state import pid_alive

    endpoint = get_context().endpoint_url
    if endpoint:
        return ControlClient(endpoint)
    state_dir = _state_dir()
    state = state_dir.read()
    if state is None:
        raise OperationFailed(
            f"no local AWS is running for this folder (no {state_dir.state_file})",
            hint="start one with `ecsflow local up --detach`, or pass --endpoint-url",
        )
    if not pid_alive(state.pid):
        state_dir.remove()
        raise OperationFailed(
            f"the local AWS recorded in {state_dir.state_file} (pid {state.pid}) is no longer running; "
            "its stale state was removed",
            hint="start it again with `ecsflow local up --detach`",
        )
    return ControlClient(state.endpoint_url)


def _emit(data: Any, text: str) -> None:
    if get_context().json_output:
        write_json(data if isinstance(data, dict) else {"result": data})
    else:
        click.echo(text)


@local.command("up")
@click.option("--port", type=click.IntRange(0, 65535), default=4566, show_default=True, help="0 picks a free port.")
@click.option("--detach", is_flag=True, help="Run in the background; return once it answers.")
@click.option("--clock", type=click.Choice(["poll", "manual", "wall"]), default="poll", show_default=True)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="wall clock: simulated seconds per real second.",
)
@click.option(
    "--poll-step",
    type=click.FloatRange(min=0),
    default=15.0,
    show_default=True,
    help="poll clock: simulated seconds per observing request.",
)
@click.option(
    "--scenario",
    "scenario_file",
    envvar="ECSFLOW_LOCAL_SCENARIO",
    type=click.Path(dir_okay=False),
    default=None,
    help="Scenario file (YAML or JSON): service behaviour and API faults [env: ECSFLOW_LOCAL_SCENARIO].",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of ids (reset repeats a run byte for byte).")
@click.option("-v", "--verbose", is_flag=True, help="Log every request (method, path, status) to stderr.")
def up(
    port: int,
    detach: bool,
    clock: str,
    speed: float,
    poll_step: float,
    scenario_file: str | None,
    seed: int,
    verbose: bool,
) -> None:
    """Start the local AWS (foreground unless --detach)."""
    from ecsflow.sim.scenario import load_scenario_file
    from ecsflow.sim.service import check_not_running, ensure_port_free, serve, start_detached

    state_dir = _state_dir()
    if scenario_file:
        load_scenario_file(scenario_file)  # fail before starting anything
    note = check_not_running(state_dir)
    if note:
        click.echo(f"note: {note}", err=True)
    if detach:
        ensure_port_free(port)
        args = [
            "--port",
            str(port),
            "--clock",
            clock,
            "--speed",
            str(speed),
            "--poll-step",
            str(poll_step),
            "--seed",
            str(seed),
        ]
        if scenario_file:
            args += ["--scenario", str(Path(scenario_file).resolve())]
        if verbose:
            args.append("--verbose")  # request lines go to the log file
        state = start_detached(args, state_dir)
        _emit(
            {"endpoint_url": state.endpoint_url, "pid": state.pid, "port": state.port, "log": state.log},
            f"local AWS running at {state.endpoint_url} (pid {state.pid}, log {state.log})\n"
            'use it with: eval "$(ecsflow local env)"   stop it with: ecsflow local down',
        )
        return

    if verbose:
        import logging

        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        server_log = logging.getLogger("ecsflow.sim.server")
        server_log.addHandler(handler)
        server_log.setLevel(logging.DEBUG)

    def ready(state: Any) -> None:
        click.echo(
            f"local AWS listening on {state.endpoint_url} (clock {clock}, seed {state.seed}); Ctrl-C stops it", err=True
        )

    serve(
        port=port,
        clock=clock,
        speed=speed,
        poll_step=poll_step,
        scenario_file=scenario_file,
        seed=seed,
        state_dir=state_dir,
        on_ready=ready,
    )


@local.command("down")
def down() -> None:
    """Stop the local AWS started from this folder."""
    from ecsflow.sim.service import stop

    state = stop(_state_dir())
    if state is None:
        raise OperationFailed("no local AWS is running for this folder", hint="nothing to stop")
    _emit({"stopped": True, "pid": state.pid}, f"stopped the local AWS (pid {state.pid})")


@local.command("status")
def status() -> None:
    """Say whether the local AWS runs, where, and its clock."""
    client = _client()
    clock = client.get("clock")
    state = _state_dir().read()
    data = {"running": True, "endpoint_url": client.endpoint_url, "clock": clock}
    if state is not None:
        data["pid"] = state.pid
    pid = f" (pid {state.pid})" if state is not None else ""
    _emit(data, f"running at {client.endpoint_url}{pid}; clock {clock['mode']}, now {clock['now']:.0f}")


@local.command("env")
def env() -> None:
    """Print shell exports for clients: endpoint URL, region, dummy credentials."""
    import shlex

    from ecsflow.sim.api import client_env

    client = _client()
    client.get("health")
    values = client_env(client.endpoint_url)
    _emit(values, "\n".join(f"export {k}={shlex.quote(v)}" for k, v in values.items()))


@local.command("reset")
@click.option("--seed", type=int, default=None, help="Seed of ids (default: the current scenario's seed).")
def reset(seed: int | None) -> None:
    """Forget every resource and count; reseed ids and restart the clock."""
    answer = _client().post("reset", {"seed": seed} if seed is not None else {})
    _emit(answer, f"reset (seed {answer['seed']})")


@local.command("advance")
@click.argument("seconds", type=click.FloatRange(min=0))
def advance(seconds: float) -> None:
    """Move the simulated clock forward by SECONDS."""
    answer = _client().post("advance", {"seconds": seconds})
    _emit(answer, f"now {answer['now']:.0f}")


@local.command("scenario")
@click.argument("file", type=click.Path(dir_okay=False))
def scenario(file: str) -> None:
    """Replace the scenario with FILE (YAML or JSON)."""
    from ecsflow.sim.scenario import load_scenario_file, scenario_to_dict

    data = scenario_to_dict(load_scenario_file(file))
    answer = _client().post("scenario", data)
    _emit(answer, f"scenario set from {file}")


@local.command("calls")
@click.option("--reset", "zero", is_flag=True, help="Zero the counts after printing them (between two tool runs).")
def calls(zero: bool) -> None:
    """Per-operation counts: logical calls and HTTP attempts (retries included)."""
    client = _client()
    answer = client.get("calls")
    if zero:
        client.request("DELETE", "calls")
    rows = [(name, c["calls"], c["attempts"], c["errors"]) for name, c in answer["operations"].items()]
    total = answer["total"]
    width = max([len("operation"), *(len(r[0]) for r in rows)])
    lines = [f"{'operation':<{width}}  {'calls':>7}  {'attempts':>8}  {'errors':>6}"]
    lines += [f"{n:<{width}}  {c:>7}  {a:>8}  {e:>6}" for n, c, a, e in rows]
    lines.append(f"{'total':<{width}}  {total['calls']:>7}  {total['attempts']:>8}  {total['errors']:>6}")
    _emit(answer, "\n".join(lines))
