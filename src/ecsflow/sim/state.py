"""The state folder of a running local AWS: ``.ecsflow/local/`` under the project.

``state.json`` records the server's pid, port, endpoint and log file, so that
``ecsflow local status|env|calls|down`` find it from another shell. The server writes
it once it listens and removes it when it stops; a file left by a killed server is
*stale* (its pid is gone) and is cleaned up with a note.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STATE_DIR = Path(".ecsflow") / "local"


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    endpoint_url: str
    log: str
    clock: str
    seed: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerState:
        return cls(
            pid=int(data["pid"]),
            port=int(data["port"]),
            endpoint_url=str(data["endpoint_url"]),
            log=str(data.get("log", "")),
            clock=str(data.get("clock", "")),
            seed=int(data.get("seed", 0)),
        )


class StateDir:
    def __init__(self, root: Path | None = None) -> None:
        self.path = (root or Path.cwd()) / STATE_DIR

    @property
    def state_file(self) -> Path:
        return self.path / "state.json"

    @property
    def log_file(self) -> Path:
        return self.path / "server.log"

    def read(self) -> ServerState | None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            return ServerState.from_dict(data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # unreadable: treated like no server; `up` overwrites it

    def write(self, state: ServerState) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.state_file)

    def remove(self, *, pid: int | None = None) -> None:
        """Remove the state file (only if it still names ``pid``, when given)."""
        current = self.read()
        if pid is not None and current is not None and current.pid != pid:
            return
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
