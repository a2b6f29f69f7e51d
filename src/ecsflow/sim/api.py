"""The Python API of the local AWS, for tests and scripts.

::

    with LocalAWS(clock="poll", poll_step=15, seed=1) as aws:
        ecs = aws.client("ecs")
        ...
        aws.advance(60)
        assert aws.calls()["operations"]["ecs:DescribeServices"]["calls"] == 4

By default it serves HTTP on 127.0.0.1 with a free port (``aws.endpoint_url``), so any
client, subprocess or tool can use it. ``transport="inprocess"`` skips the socket:
clients from ``aws.client()`` run their requests through the same middleware in the
calling thread.

moto's backends are process-global, so one ``LocalAWS`` runs per process at a time; it
reuses the process's ``SimContext``. The pytest fixture ``local_aws`` shares one per
xdist worker and resets it before each test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from ecsflow.errors import OperationFailed
from ecsflow.sim.context import ClockMode, Scenario, SimClock, SimContext
from ecsflow.sim.runtime import Runtime

DUMMY_ACCESS_KEY = "ecsflow-local"
DUMMY_SECRET_KEY = "ecsflow-local-secret"
REGION = "us-east-1"
_INPROCESS_URL = "http://127.0.0.1:9"  # never reached: requests stop at before-send

_running_lock = threading.Lock()
_running: list[LocalAWS] = []  # at most one per process


def process_context() -> SimContext:
    """The one SimContext of this process, installed into moto on first use."""
    from ecsflow.sim.install import install, installed_context

    ctx = installed_context()
    if ctx is None:
        ctx = SimContext()
        install(ctx)
    return ctx


def coerce_scenario(scenario: Scenario | Mapping[str, Any] | str | Path | None) -> Scenario:
    from ecsflow.sim.scenario import load_scenario_file, scenario_from_dict

    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | Path):
        return load_scenario_file(scenario)
    return scenario_from_dict(dict(scenario))


class LocalAWS:
    def __init__(
        self,
        clock: ClockMode | str = ClockMode.POLL,
        *,
        speed: float = 1.0,
        poll_step: float = 15.0,
        scenario: Scenario | Mapping[str, Any] | str | Path | None = None,
        seed: int = 0,
        port: int = 0,
        transport: str = "http",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if transport not in ("http", "inprocess"):
            raise ValueError("transport must be 'http' or 'inprocess'")
        self._clock_args = (ClockMode(clock), speed, poll_step, monotonic)
        self._scenario = coerce_scenario(scenario)
        self._scenario.seed = seed if seed else self._scenario.seed
        self._port = port
        self._transport_kind = transport
        self._server: Any = None
        self._transport: Any = None
        self.runtime: Runtime | None = None
        self._session: Any = None
        self._session_lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> LocalAWS:
        with _running_lock:
            if _running:
                raise OperationFailed(
                    "a LocalAWS is already running in this process",
                    hint="use the running one (the `local_aws` pytest fixture), or stop it first: "
                    "moto's backends are shared by the whole process",
                )
            ctx = process_context()
            runtime = Runtime(ctx)
            mode, speed, poll_step, monotonic = self._clock_args
            with ctx.lock:
                ctx.clock = SimClock(mode, speed=speed, poll_step=poll_step, monotonic=monotonic)
                runtime.reset(scenario=self._scenario)
            from ecsflow.sim.inprocess import InProcessTransport
            from ecsflow.sim.server import build_app

            app = build_app(runtime)
            self._transport = InProcessTransport(app)
            if self._transport_kind == "http":
                from ecsflow.sim.server import SimServer

                self._server = SimServer(runtime, app, port=self._port)
                self._server.start()
            self.runtime = runtime
            _running.append(self)
        return self

    def stop(self) -> None:
        with _running_lock:
            if self._server is not None:
                self._server.stop()
                self._server = None
            self._transport = None
            self.runtime = None
            if self in _running:
                _running.remove(self)

    def __enter__(self) -> LocalAWS:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- access ----------------------------------------------------------------------

    @property
    def _rt(self) -> Runtime:
        if self.runtime is None:
            raise OperationFailed("this LocalAWS is not running", hint="use it inside `with LocalAWS() as aws:`")
        return self.runtime

    @property
    def context(self) -> SimContext:
        return self._rt.ctx

    @property
    def endpoint_url(self) -> str:
        if self._server is not None:
            return str(self._server.endpoint_url)
        self._rt  # noqa: B018 - raises when not running
        return _INPROCESS_URL

    def env(self) -> dict[str, str]:
        """What a subprocess needs to reach this endpoint (``ecsflow local env``)."""
        return client_env(self.endpoint_url)

    def client(self, service: str, *, inprocess: bool = False, **kwargs: Any) -> Any:
        """A boto3 client with dummy credentials in us-east-1, pointing at this endpoint.

        ``inprocess=True`` (implied when the transport is ``inprocess``) sends its
        requests through the same middleware without a socket.
        """
        import boto3

        options: dict[str, Any] = {
            "region_name": REGION,
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": DUMMY_ACCESS_KEY,
            "aws_secret_access_key": DUMMY_SECRET_KEY,
        }
        options.update(kwargs)
        with self._session_lock:
            # One session per handle: a new session would load every service model again.
            if self._session is None:
                self._session = boto3.session.Session()
            client = self._session.client(service, **options)
        if inprocess or self._server is None:
            self._transport.attach(client)
        return client

    # --- control ---------------------------------------------------------------------

    def now(self) -> float:
        return self._rt.ctx.clock.now()

    def advance(self, seconds: float) -> float:
        return self._rt.advance(seconds)

    def reset(
        self,
        seed: int | None = None,
        *,
        scenario: Scenario | Mapping[str, Any] | str | Path | None = None,
        clock: ClockMode | str | None = None,
        speed: float | None = None,
        poll_step: float | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        """Forget everything; optionally change the scenario and the clock at the same time."""
        rt = self._rt
        with rt.ctx.lock:
            old = rt.ctx.clock
            rt.ctx.clock = SimClock(
                ClockMode(clock) if clock is not None else old.mode,
                speed=old.speed if speed is None else speed,
                poll_step=old.poll_step if poll_step is None else poll_step,
                monotonic=monotonic or old._monotonic,
            )
            rt.reset(seed=seed, scenario=coerce_scenario(scenario) if scenario is not None else Scenario(seed=0))

    def set_scenario(self, scenario: Scenario | Mapping[str, Any] | str | Path) -> None:
        self._rt.set_scenario(coerce_scenario(scenario))

    def set_clock(
        self, mode: ClockMode | str | None = None, *, speed: float | None = None, poll_step: float | None = None
    ) -> None:
        self._rt.set_clock(mode, speed=speed, poll_step=poll_step)

    def calls(self) -> dict[str, Any]:
        return self._rt.calls()

    def reset_calls(self) -> None:
        self._rt.reset_calls()

    def job_results(self) -> list[dict[str, Any]]:
        return self._rt.job_results()

    def add_job(self, job_id: str, data: Mapping[str, Any]) -> None:
        """Make a CodePipeline job known to ``GetJobDetails`` (moto runs no pipeline actions)."""
        self._rt.add_job(job_id, dict(data))

    def pending_hooks(self) -> list[dict[str, Any]]:
        return self._rt.pending_hooks()


def client_env(endpoint_url: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "ECSFLOW_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
    }
