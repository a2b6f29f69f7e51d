"""Helpers for the buildspec runner tests: a fake clock, fake AWS resolvers, a run helper."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecsflow.artifacts.buildspec import parse_buildspec
from ecsflow.events import CommandOutput, Event, PhaseFinished
from ecsflow.pipeline.build_env import BuildContext
from ecsflow.pipeline.build_spec import read_build_spec
from ecsflow.pipeline.buildspec_runner import BuildResult, BuildspecRunner


class FakeClock:
    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.t = start

    def now(self) -> float:
        self.t += 0.001
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class FakeSsm:
    values: dict[str, str] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def get_parameters(self, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        self.calls.append(list(names))
        found = {n: self.values[n] for n in names if n in self.values}
        return found, [n for n in names if n not in self.values]


@dataclass
class FakeSecrets:
    values: dict[tuple[str, str | None, str | None], str] = field(default_factory=dict)
    calls: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def get_secret_value(
        self, secret_id: str, *, version_stage: str | None = None, version_id: str | None = None
    ) -> str:
        key = (secret_id, version_stage, version_id)
        self.calls.append(key)
        return self.values[key]


@dataclass
class Run:
    result: BuildResult
    events: list[Event]
    artifacts: Path

    def output(self, phase: str | None = None) -> list[str]:
        return [e.line for e in self.events if isinstance(e, CommandOutput) and (phase is None or e.phase == phase)]

    def statuses(self) -> dict[str, str]:
        return {p.phase: p.status for p in self.result.phases}

    def phase_events(self) -> list[tuple[str, str]]:
        return [(e.phase, e.status) for e in self.events if isinstance(e, PhaseFinished)]


def run_build(
    tmp_path: Path,
    buildspec: str,
    *,
    files: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    base_env: Mapping[str, str] | None = None,
    ssm: Any = None,
    secrets: Any = None,
    source_version: str | None = "0123456789abcdef0123456789abcdef01234567",
    artifacts_dir: Path | None = None,
    timeout_seconds: float | None = None,
    on_event: Callable[[Event, FakeClock], None] | None = None,
) -> Run:
    source = tmp_path / "src"
    source.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    spec = read_build_spec(parse_buildspec(buildspec, "buildspec.yml"))
    events: list[Event] = []
    clock = FakeClock()

    def sink(event: Event) -> None:
        events.append(event)
        if on_event is not None:
            on_event(event, clock)

    runner = BuildspecRunner(clock=clock, sink=sink, ssm=ssm, secrets=secrets, new_id=lambda: "b-1")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)} if base_env is None else dict(base_env)
    ctx = BuildContext(
        source_dir=source,
        project="proj",
        build_number=7,
        source_version=source_version,
        source_repo_url="https://example.com/repo.git",
        initiator="tester",
        region="eu-west-1",
        base_env=env,
        overrides=dict(overrides or {}),
    )
    out = artifacts_dir or tmp_path / "out"
    return Run(runner.run(spec, ctx, out, timeout_seconds=timeout_seconds), events, out)
