"""Benchmark: which of 100 pipelines a 50,000-file change triggers, in under one second.

A monorepo-shaped change: 100 services under ``services/svc-NN/``, shared code under
``libs/``, docs everywhere. Each pipeline has the usual triggers: its own service folder
and a shared library folder, docs excluded, on ``main`` and ``release/**``; one in ten also
has a tag filter. Time covers indexing the changed paths and deciding every pipeline, with
a fresh glob cache (reading the diff from Git is not included: that is git's time).

Run: ``.venv/bin/python benchmarks/changes.py [--runs N]`` (exits 1 when the median is over budget).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from ecsflow.pipeline.glob import compile_glob
from ecsflow.pipeline.matching import EventKind, GitEvent, PathIndex, decide_all
from ecsflow.pipeline.triggers import parse_pipelines

PIPELINES = 100
FILES = 50_000
BUDGET_SECONDS = 1.0


def changed_files() -> list[str]:
    files: list[str] = []
    kinds = ("src/handler_{}.py", "tests/test_{}.py", "docs/page_{}.md", "deploy/task_{}.json")
    i = 0
    while len(files) < FILES:
        svc = i % 110  # ten folders that no pipeline watches
        files.append(f"services/svc-{svc:03d}/" + kinds[i % 4].format(i))
        if i % 7 == 0:
            files.append(f"libs/lib-{i % 13}/module_{i}.py")
        i += 1
    return files[:FILES]


def pipelines_doc() -> dict[str, Any]:
    pipelines: dict[str, Any] = {}
    for n in range(PIPELINES):
        push: list[dict[str, Any]] = [
            {
                "branches": {"includes": ["main", "release/**"], "excludes": ["release/old-*"]},
                "filePaths": {
                    "includes": [f"services/svc-{n:03d}/**", f"libs/lib-{n % 13}/**"],
                    "excludes": ["**/*.md", "**/docs/**"],
                },
            }
        ]
        if n % 10 == 0:
            push.append({"tags": {"includes": [f"svc-{n:03d}-v*"]}})
        pipelines[f"svc-{n:03d}"] = {"triggers": [{"push": push}]}
    return {"pipelines": pipelines}


def decide_once(files: list[str], pipelines: Any) -> tuple[float, int]:
    compile_glob.cache_clear()
    start = time.perf_counter()
    event = GitEvent(EventKind.PUSH, PathIndex(files), branch="main")
    decisions = decide_all(pipelines, event)
    elapsed = time.perf_counter() - start
    return elapsed, sum(d.triggered for d in decisions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs; the median is judged")
    args = parser.parse_args()
    files = changed_files()
    pipelines = parse_pipelines(pipelines_doc())
    runs = [decide_once(files, pipelines) for _ in range(args.runs)]
    elapsed = statistics.median(r[0] for r in runs)
    triggered = runs[0][1]
    print(
        f"changes: {len(pipelines)} pipelines x {len(files)} changed files -> {triggered} triggered, "
        f"median {elapsed:.3f}s over {args.runs} runs (budget {BUDGET_SECONDS:.1f}s)"
    )
    if any(r[1] != PIPELINES for r in runs):
        print("error: every pipeline's service folder changed, so every pipeline must trigger")
        return 1
    return 0 if elapsed < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
