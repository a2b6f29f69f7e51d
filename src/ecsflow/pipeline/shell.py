"""One shell session per build, as CodeBuild runs buildspec version 0.2.

CodeBuild 0.2 runs every command of every phase in the same shell instance, so ``cd``,
``export`` and shell variables carry over (AWS-SEMANTICS §9.2). ``ShellSession`` keeps one
``bash`` (or ``/bin/sh``) process alive and feeds it one command at a time:

* each command is written to a file and *sourced* (``. file </dev/null``), so multi-line
  commands keep their own syntax, a syntax error fails only that command (bash), and a
  command never reads the control stream as its stdin;
* its exit status is the status of the sourced snippet, i.e. of its last command unless the
  snippet uses ``set -e`` or ``&&`` (§9.2, observed);
* after each command a marker carrying the status is printed on a private descriptor (193 in
  bash, 9 in a POSIX sh, which only has 0-9), a copy of the output pipe taken at start-up, so
  the marker follows the command's own output in order even when a command redirects its
  stdout with ``exec`` or uses fd 3 for its own purposes.

stdout and stderr share one pipe (in the order the shell wrote them), read line by line.
After each command the session saves ``export -p`` and ``pwd``: when a command ends the shell
itself (``exit 3``, a failure under ``set -e``), the command fails with that status and a new
shell continues from the saved environment and directory [CodeBuild's behaviour here is not
documented; this keeps later phases (post_build) able to run].
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ecsflow.errors import OperationFailed

LineSink = Callable[[str], None]
Expired = Callable[[], bool]


class CommandTimedOut(Exception):
    """The build's deadline passed while a command ran; the session was ended."""


_RESTORE_FLAGS = 'case "${__ecsflow_flags-}" in *v*) set -v;; esac; case "${__ecsflow_flags-}" in *x*) set -x;; esac; '
_POLL_SECONDS = 0.2  # how often a silent command is checked for a dead shell


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


class ShellSession:
    def __init__(self, shell: str, cwd: Path, env: Mapping[str, str], control_dir: Path) -> None:
        self._bash = shell in ("bash", "/bin/bash")
        self._shell = (shutil.which("bash") or "/bin/bash") if self._bash else "/bin/sh"
        self._fd = 193 if self._bash else 9
        self._cwd = cwd
        self._env = dict(env)
        self._dir = control_dir
        self._token = f"__ecsflow_done_{secrets.token_hex(8)}__"
        self._counter = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._env_file = control_dir / "env.sh"
        self._pwd_file = control_dir / "pwd"

    # --- process -------------------------------------------------------------------------

    def start(self) -> None:
        args = [self._shell, "--noprofile", "--norc"] if self._bash else [self._shell]
        try:
            proc = subprocess.Popen(
                args,
                cwd=self._cwd,
                env=self._env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: background jobs end with the build
            )
        except OSError as exc:
            raise OperationFailed(f"cannot start {self._shell}: {exc}", hint="install bash or use env.shell") from exc
        self._proc = proc
        self._lines = queue.Queue()
        threading.Thread(target=self._read, args=(proc, self._lines), daemon=True).start()
        self._send(f"exec {self._fd}>&1\n")

    @staticmethod
    def _read(proc: subprocess.Popen[bytes], lines: queue.Queue[str | None]) -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            lines.put(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        lines.put(None)

    def _send(self, text: str) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(text.encode())
            self._proc.stdin.flush()
        except BrokenPipeError:
            pass  # the shell died; the caller notices through the missing marker

    def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
            except OSError:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def _restart(self) -> None:
        """A new shell with the environment and directory saved after the last command."""
        old = self._proc
        self._proc = None
        if old is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(old.pid, signal.SIGKILL)
            old.wait()
            if old.stdout is not None:
                old.stdout.close()
        self.start()
        restore = []
        if self._env_file.exists():
            restore.append(f". {_quote(str(self._env_file))} >/dev/null 2>&1")
        if self._pwd_file.exists():
            restore.append(f'cd "$(cat {_quote(str(self._pwd_file))})" 2>/dev/null')
        if restore:
            self._exchange("\n".join(restore), None)

    # --- commands ------------------------------------------------------------------------

    def run(self, command: str, on_line: LineSink, expired: Expired | None = None) -> int:
        """Run one buildspec command; its output lines go to ``on_line``; returns its exit status.

        ``expired`` is asked while the command runs; when it says yes the shell and everything
        it started are killed and ``CommandTimedOut`` is raised.
        """
        return self._exchange(command, on_line, expired, user=True)

    def _exchange(
        self, script: str, on_line: LineSink | None, expired: Expired | None = None, *, user: bool = False
    ) -> int:
        if self._proc is None:
            self.start()
        self._counter += 1
        path = self._dir / f"command-{self._counter}.sh"
        # A user's `set -x`/`set -v` is switched off around our own bookkeeping (so traces show
        # only their commands) and switched back on at the start of their next command, on the
        # same line so line numbers in shell messages stay the user's.
        path.write_text((_RESTORE_FLAGS if user else "") + script.rstrip("\n") + "\n", encoding="utf-8")
        save = "__ecsflow_flags=$-; " if user else ""
        half = len(self._token) // 2
        self._send(
            f". {_quote(str(path))} </dev/null; {{ __ecsflow_rc=$?; {save}set +xv; }} 2>/dev/null; "
            f"export -p > {_quote(str(self._env_file))} 2>/dev/null; pwd > {_quote(str(self._pwd_file))}; "
            # The token is printed in two halves so that no trace of this line contains it whole.
            f"printf '%s%s:%s\\n' {self._token[:half]} {self._token[half:]} \"$__ecsflow_rc\" >&{self._fd}\n"
        )
        return self._wait(on_line, str(path), expired)

    def _wait(self, on_line: LineSink | None, script_path: str, expired: Expired | None) -> int:
        proc = self._proc
        assert proc is not None
        while True:
            if expired is not None and expired():
                self.close()
                raise CommandTimedOut
            try:
                line = self._lines.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if proc.poll() is None:
                    continue
                line = None  # the shell ended while a background job keeps the pipe open
            if line is None:
                code = proc.wait()
                self._restart()
                return code
            # Shell diagnostics name the sourced file; say "command" rather than a temporary path.
            line = line.replace(script_path, "command")
            at = line.find(self._token)
            if at < 0:
                if on_line:
                    on_line(line)
                continue
            if at > 0 and on_line:
                on_line(line[:at])  # output that did not end with a newline
            status = line[at + len(self._token) + 1 :]
            return int(status) if status.isdigit() else 1

    def export(self, name: str, value: str) -> None:
        """Set an exported variable in the session (used for CODEBUILD_BUILD_SUCCEEDING)."""
        self._exchange(f"export {name}={_quote(value)}", None)

    def read_variables(self, names: Sequence[str]) -> dict[str, str]:
        """Current values of shell variables (exported or not); unset ones are left out."""
        out_dir = self._dir / f"vars-{self._counter + 1}"
        out_dir.mkdir()
        lines = [
            f'if [ -n "${{{name}+x}}" ]; then printf %s "${{{name}}}" > {_quote(str(out_dir / name))}; fi'
            for name in names
        ]
        if lines:
            self._exchange("\n".join(lines), None)
        return {p.name: p.read_text(encoding="utf-8") for p in out_dir.iterdir()}

    def expand(self, text: str) -> str:
        """``text`` after the shell's parameter expansion and command substitution (artifact ``name``)."""
        target = self._dir / f"expand-{self._counter + 1}"
        delimiter = f"ECSFLOW_EOF_{secrets.token_hex(4)}"
        script = f"cat > {_quote(str(target))} <<{delimiter}\n{text}\n{delimiter}"
        code = self._exchange(script, None)
        if code != 0 or not target.exists():
            return text
        return target.read_text(encoding="utf-8").rstrip("\n")
