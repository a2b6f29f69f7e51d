"""The running local AWS: one ``SimContext`` plus call counts and fault state.

The HTTP control plane (``/_ecsflow/*``), the Python API (``LocalAWS``) and the CLI
all act through this object, so each behaves the same. Every method takes
``ctx.lock``: the server is threaded and moto's backends are process-global.
"""

from __future__ import annotations

from typing import Any

from ecsflow.sim.calls import CallCounter
from ecsflow.sim.context import DEFAULT_START, ClockMode, Scenario, SimClock, SimContext
from ecsflow.sim.faults import FaultEngine


class Runtime:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.counter = CallCounter()
        self.faults = FaultEngine()

    def reset(self, *, seed: int | None = None, scenario: Scenario | None = None) -> None:
        """Forget everything (moto's backends included) and seed every id source.

        Two runs of the same client script after ``reset(seed=N)`` produce byte-identical
        responses: moto's random ids come from its seeded generator (``/moto-api/seed``
        semantics), ecsflow's from counters, and every timestamp from the simulated clock.
        """
        from ecsflow.sim.install import reset_moto

        with self.ctx.lock:
            new_scenario = scenario if scenario is not None else self.ctx.scenario
            if seed is not None:
                new_scenario.seed = seed
            reset_moto(new_scenario.seed)
            self.ctx.reset(scenario=new_scenario, start=DEFAULT_START)
            self.counter.reset()
            self.faults.reset()

    def set_scenario(self, scenario: Scenario) -> None:
        with self.ctx.lock:
            self.ctx.scenario = scenario
            self.faults.reset()

    def advance(self, seconds: float) -> float:
        with self.ctx.lock:
            self.ctx.clock.advance(seconds)
            self.ctx.sync()
            return self.ctx.clock.now()

    def set_clock(
        self,
        mode: ClockMode | str | None = None,
        *,
        speed: float | None = None,
        poll_step: float | None = None,
    ) -> None:
        """Change the clock mode; simulated time continues from where it is."""
        with self.ctx.lock:
            old = self.ctx.clock
            now = old.now()
            clock = SimClock(
                ClockMode(mode) if mode is not None else old.mode,
                start=now,
                poll_step=old.poll_step if poll_step is None else poll_step,
                speed=old.speed if speed is None else speed,
                monotonic=old._monotonic,
            )
            self.ctx.clock = clock

    def clock_info(self) -> dict[str, Any]:
        with self.ctx.lock:
            clock = self.ctx.clock
            return {"mode": str(clock.mode), "now": clock.now(), "speed": clock.speed, "poll_step": clock.poll_step}

    def calls(self) -> dict[str, Any]:
        with self.ctx.lock:
            return self.counter.snapshot()

    def reset_calls(self) -> None:
        with self.ctx.lock:
            self.counter.reset()

    def job_results(self) -> list[dict[str, Any]]:
        with self.ctx.lock:
            return [dict(result) for result in self.ctx.job_results]

    def add_job(self, job_id: str, data: dict[str, Any]) -> None:
        """Make a CodePipeline job known, so that ``GetJobDetails`` answers its ``data``."""
        if not job_id:
            raise ValueError("a job needs a jobId")
        with self.ctx.lock:
            self.ctx.pipeline_jobs[job_id] = dict(data)

    def pending_hooks(self) -> list[dict[str, Any]]:
        return self.ctx.pending_hooks()
