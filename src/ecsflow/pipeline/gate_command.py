"""The test command of a deployment gate, run in a shell (``engines.gates.TestCommand``).

One process per command: ``bash -c`` (``/bin/sh -c`` without bash), the caller's
environment plus the gate's ``ECSFLOW_*`` variables, stdout and stderr merged into one
pipe and streamed line by line. A command that outlives its timeout is stopped (its whole
process group) and reported with status 124, like coreutils' ``timeout``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping

TIMED_OUT = 124


class ShellTestCommand:
    def __init__(self, cwd: str | None = None) -> None:
        self.cwd = cwd

    def run(
        self, command: str, env: Mapping[str, str], on_line: Callable[[str], None], *, timeout: float | None
    ) -> int:
        shell = shutil.which("bash") or "/bin/sh"
        proc = subprocess.Popen(  # running the user's own command is the point
            [shell, "-c", command],
            cwd=self.cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a timeout stops its children too
        )
        timer: threading.Timer | None = None
        expired = threading.Event()
        if timeout is not None:

            def stop() -> None:
                expired.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)

            timer = threading.Timer(max(timeout, 0.0), stop)
            timer.daemon = True
            timer.start()
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
            code = proc.wait()
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return TIMED_OUT if expired.is_set() else code
