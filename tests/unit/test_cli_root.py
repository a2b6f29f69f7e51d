from __future__ import annotations

import subprocess
import sys

from ecsflow import __version__
from ecsflow.errors import ExitCode


def test_version(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("--version")
    assert code == 0
    assert out.strip() == f"ecsflow {__version__}"


def test_unknown_verb_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("no-such-verb")
    assert code == ExitCode.INVALID
    assert "no-such-verb" in err


def test_python_dash_m() -> None:
    proc = subprocess.run([sys.executable, "-m", "ecsflow", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_version_does_not_import_boto3() -> None:
    code = "import sys; from ecsflow.cli.main import run; run(['--version']); print('boto3' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.strip().endswith("False"), proc.stdout + proc.stderr


def test_fast_version_path_answers_like_the_full_cli_without_importing_click() -> None:
    code = (
        "import atexit, sys; atexit.register(lambda: print('click' in sys.modules, file=sys.stderr)); "
        "from ecsflow.cli.entry import main; main(['--version'])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"ecsflow {__version__}"
    assert proc.stderr.strip() == "False", proc.stderr


def test_entry_hands_everything_else_to_the_full_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from ecsflow.cli.entry import main; main(['--version', '--help'])"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("ecsflow ")  # click's eager --version answers first, as before
