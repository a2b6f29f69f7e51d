"""Cold start of the CLI: median wall time of `ecsflow --version` and `ecsflow validate`.

Usage: python benchmarks/cold_start.py [--runs N]

Prints figures; it is not a test. The target for `ecsflow --version` is under 0.15 s.
Each run is a fresh process, so imports are paid every time, as in a CI step.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_VERSION_SECONDS = 0.15


def ecsflow_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m ecsflow`."""
    script = Path(sys.executable).with_name("ecsflow")
    if script.is_file():
        return [str(script)]
    found = shutil.which("ecsflow")
    return [found] if found else [sys.executable, "-m", "ecsflow"]


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    args = parser.parse_args()
    base = ecsflow_command()
    cases = [
        ("ecsflow --version", [*base, "--version"]),
        ("ecsflow validate examples/taskdef.json", [*base, "validate", "examples/taskdef.json"]),
    ]
    median_seconds(cases[0][1], 1)  # warm the file system cache once
    for label, argv in cases:
        seconds = median_seconds(argv, args.runs)
        note = ""
        if label.endswith("--version"):
            verdict = "ok" if seconds < TARGET_VERSION_SECONDS else "MISSED"
            note = f"  (target < {TARGET_VERSION_SECONDS:.2f} s: {verdict})"
        print(f"{label:45s} median {seconds * 1000:7.1f} ms over {args.runs} runs{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
