"""The console script's first module: answers ``--version`` before any import of click.

``ecsflow --version`` is what CI steps and wrappers call to check an install; it should
cost no more than starting Python. Everything else goes to ``ecsflow.cli.main``.
``benchmarks/cold_start.py`` measures both paths.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

VERSION_FLAGS = ("--version", "-V")


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the console script and ``python -m ecsflow``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 1 and args[0] in VERSION_FLAGS:
        from ecsflow import __version__

        sys.stdout.write(f"ecsflow {__version__}\n")
        sys.exit(0)
    from ecsflow.cli.main import run

    sys.exit(run(args))
