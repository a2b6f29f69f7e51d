"""Running the local AWS as a service: foreground, detached, stop, find.

``ecsflow local up`` runs ``serve()`` in the foreground. ``--detach`` starts the same
command in a new session (so it outlives the shell), with its output in the state
folder's log, and returns once the server answers its health check.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ecsflow.errors import InputError, OperationFailed
from ecsflow.sim.client import ControlClient
from ecsflow.sim.context import ClockMode, SimClock
from ecsflow.sim.state import ServerState, StateDir, pid_alive


class AlreadyRunning(OperationFailed):
    """A local AWS of this project is already running."""


def check_not_running(state_dir: StateDir) -> str | None:
    """Refuse when a live server is recorded; clean a stale record. Returns a note if cleaned."""
    state = state_dir.read()
    if state is None:
        if state_dir.state_file.exists():
            state_dir.remove()
            return f"removed an unreadable state file {state_dir.state_file}"
        return None
    if pid_alive(state.pid):
        if ControlClient(state.endpoint_url, timeout=5).healthy():
            raise AlreadyRunning(
                f"the local AWS is already running at {state.endpoint_url} (pid {state.pid})",
                hint="use it, or stop it first with `ecsflow local down`",
            )
        # The pid was reused by another process (a reboot, a killed server).
        state_dir.remove()
        return f"removed stale state: pid {state.pid} is not a local AWS answering at {state.endpoint_url}"
    state_dir.remove()
    return f"removed stale state of pid {state.pid}, which is no longer running"


def serve(
    *,
    port: int,
    clock: str,
    speed: float,
    poll_step: float,
    scenario_file: str | None,
    seed: int,
    state_dir: StateDir,
    on_ready: Callable[[ServerState], None],
) -> None:
    """Serve until SIGTERM / Ctrl-C; the state file exists exactly while serving."""
    from ecsflow.sim.api import coerce_scenario, process_context
    from ecsflow.sim.runtime import Runtime
    from ecsflow.sim.server import SimServer

    scenario = coerce_scenario(scenario_file)  # validated before anything starts
    ensure_port_free(port)  # say so before the slow start of moto
    if seed:
        scenario.seed = seed
    ctx = process_context()
    runtime = Runtime(ctx)
    with ctx.lock:
        ctx.clock = SimClock(ClockMode(clock), speed=speed, poll_step=poll_step)
        runtime.reset(scenario=scenario)
    try:
        server = SimServer(runtime, port=port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise _port_in_use(port) from exc
        raise
    state = ServerState(
        pid=os.getpid(),
        port=server.port,
        endpoint_url=server.endpoint_url,
        log=str(state_dir.log_file),
        clock=clock,
        seed=scenario.seed,
    )
    state_dir.write(state)
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        on_ready(state)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        state_dir.remove(pid=os.getpid())


def ensure_port_free(port: int) -> None:
    if port and not _port_free(port):
        raise _port_in_use(port)


def _port_in_use(port: int) -> InputError:
    return InputError(
        f"port {port} on 127.0.0.1 is already in use", hint="choose another --port, or --port 0 for a free one"
    )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def start_detached(args: Sequence[str], state_dir: StateDir, *, timeout: float = 60.0) -> ServerState:
    """Run ``ecsflow local up <args>`` in the background; return once it answers."""
    state_dir.path.mkdir(parents=True, exist_ok=True)
    with state_dir.log_file.open("ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "ecsflow", "local", "up", *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=Path.cwd(),
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = child.poll()
        if code is not None:
            raise OperationFailed(
                f"the local AWS exited during start-up (exit code {code})",
                hint=f"see its log: {_tail(state_dir.log_file)}",
            )
        state = state_dir.read()
        if state is not None and state.pid == child.pid and ControlClient(state.endpoint_url, timeout=2).healthy():
            return state
        time.sleep(0.1)
    child.terminate()
    raise OperationFailed(
        f"the local AWS did not answer within {timeout:.0f} s",
        hint=f"see its log: {state_dir.log_file}",
    )


def stop(state_dir: StateDir, *, timeout: float = 15.0) -> ServerState | None:
    """Stop the recorded server (SIGTERM, then wait). ``None`` if none was recorded."""
    state = state_dir.read()
    if state is None:
        return None
    if pid_alive(state.pid):
        os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(state.pid) and not _reaped(state.pid):
            if time.monotonic() > deadline:
                raise OperationFailed(
                    f"the local AWS (pid {state.pid}) did not stop within {timeout:.0f} s",
                    hint=f"stop it yourself: kill {state.pid}",
                )
            time.sleep(0.05)
    state_dir.remove()
    return state


def _reaped(pid: int) -> bool:
    # When this process started the server (tests), reap it so it does not stay a zombie.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return str(path)
    return f"{path}\n" + "\n".join(text[-lines:])
