"""The control plane, under the reserved path ``/_ecsflow/`` (JSON in, JSON out).

=========================  ======  =======================================================
path                       method  effect
=========================  ======  =======================================================
``/_ecsflow/health``       GET     ``{"ok": true, "clock": {…}}``: the server answers
``/_ecsflow/reset``        POST    ``{"seed": N}`` (optional): forget everything, reseed
``/_ecsflow/scenario``     GET     the current scenario
``/_ecsflow/scenario``     POST    replace the scenario (the scenario file format, as JSON)
``/_ecsflow/advance``      POST    ``{"seconds": S}``: move the clock; answers the new time
``/_ecsflow/clock``        GET     ``{"mode", "now", "speed", "poll_step"}``
``/_ecsflow/clock``        POST    ``{"mode"?, "speed"?, "poll_step"?}``: change the clock
``/_ecsflow/calls``        GET     per-operation logical calls and HTTP attempts
``/_ecsflow/calls``        DELETE  zero the counts (nothing else changes)
``/_ecsflow/job-results``  GET     recorded CodePipeline job results
``/_ecsflow/jobs``         POST    ``{"jobId", "data"}``: a CodePipeline job GetJobDetails knows
``/_ecsflow/hooks``        GET     pending lifecycle hooks (CodeDeploy and ECS)
=========================  ======  =======================================================

Control requests are not counted as AWS calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from ecsflow.errors import InputError
from ecsflow.sim.runtime import Runtime
from ecsflow.sim.scenario import scenario_from_dict, scenario_to_dict


class ControlPlane:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        name = str(environ.get("PATH_INFO", "")).removeprefix("/_ecsflow").strip("/")
        try:
            body = _read_json(environ)
            status, payload = self.handle(method, name, body)
        except InputError as exc:
            status, payload = 400, {"error": exc.message, "problems": [str(p) for p in exc.problems]}
        except (ValueError, TypeError) as exc:
            status, payload = 400, {"error": str(exc)}
        data = json.dumps(payload, sort_keys=True).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def handle(self, method: str, name: str, body: dict[str, Any]) -> tuple[int, Any]:
        rt = self.runtime
        routes: dict[tuple[str, str], Callable[[], Any]] = {
            ("GET", "health"): lambda: {"ok": True, "clock": rt.clock_info()},
            ("POST", "reset"): lambda: self._reset(body),
            ("GET", "scenario"): lambda: scenario_to_dict(rt.ctx.scenario),
            ("POST", "scenario"): lambda: self._scenario(body),
            ("POST", "advance"): lambda: {"now": rt.advance(_number(body, "seconds"))},
            ("GET", "clock"): rt.clock_info,
            ("POST", "clock"): lambda: self._clock(body),
            ("GET", "calls"): rt.calls,
            ("DELETE", "calls"): self._reset_calls,
            ("GET", "job-results"): lambda: {"jobResults": rt.job_results()},
            ("POST", "jobs"): lambda: self._add_job(body),
            ("GET", "hooks"): lambda: {"hooks": rt.pending_hooks()},
        }
        handler = routes.get((method, name))
        if handler is None:
            known = sorted({path for _, path in routes})
            if any(path == name for _, path in routes):
                return 405, {"error": f"{method} is not allowed on /_ecsflow/{name}"}
            return 404, {"error": f"unknown control endpoint /_ecsflow/{name}", "endpoints": known}
        return 200, handler()

    def _add_job(self, body: dict[str, Any]) -> dict[str, Any]:
        job_id, data = body.get("jobId"), body.get("data", {})
        if not isinstance(job_id, str) or not isinstance(data, dict):
            raise ValueError('jobs: expected {"jobId": string, "data": object}')
        self.runtime.add_job(job_id, data)
        return {"ok": True, "jobId": job_id}

    def _reset_calls(self) -> dict[str, Any]:
        self.runtime.reset_calls()
        return {"ok": True}

    def _reset(self, body: dict[str, Any]) -> dict[str, Any]:
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("reset: seed must be an integer")
        self.runtime.reset(seed=seed)
        return {"ok": True, "seed": self.runtime.ctx.scenario.seed, "clock": self.runtime.clock_info()}

    def _scenario(self, body: dict[str, Any]) -> dict[str, Any]:
        scenario = scenario_from_dict(body, file="scenario")
        self.runtime.set_scenario(scenario)
        return scenario_to_dict(scenario)

    def _clock(self, body: dict[str, Any]) -> dict[str, Any]:
        self.runtime.set_clock(
            body.get("mode"),
            speed=_number(body, "speed") if "speed" in body else None,
            poll_step=_number(body, "poll_step") if "poll_step" in body else None,
        )
        return self.runtime.clock_info()


def _number(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return float(value)


def _read_json(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data
