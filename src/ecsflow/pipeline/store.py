"""Where runs are recorded: the ``RunStore`` port and its embedded SQLite implementation.

``defaults.run_store`` in ``ecsflow.yml`` picks the store: a file path (SQLite, default
``.ecsflow/runs.sqlite`` next to ``ecsflow.yml``) for one machine, or ``s3://bucket/prefix``
(JSON objects: ``ObjectRunStore`` over ``ecsflow.aws.runstore.S3JsonObjects``) for a team.
A record is saved when the run starts, after every stage and when it ends, so an
interrupted run still shows how far it got.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from ecsflow.errors import InputError, OperationFailed
from ecsflow.pipeline.run_record import ArtifactRecord, RunRecord


class RunStore(Protocol):
    location: str  # shown to people: a path or s3://bucket/prefix

    def save(self, run: RunRecord) -> None: ...

    def get(self, run_id: str) -> RunRecord | None: ...

    def list(self, pipeline: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Newest first."""
        ...

    def keep_artifact(self, run_id: str, artifact: ArtifactRecord) -> ArtifactRecord:
        """Keep a copy of an output artifact with the run (or nothing: it stays where it is)."""
        ...

    def fetch_artifact(self, run_id: str, artifact: ArtifactRecord, folder: Path) -> ArtifactRecord:
        """The artifact's files in ``folder`` (a run resumed on another machine)."""
        ...


def _not_here(run_id: str, artifact: ArtifactRecord) -> InputError:
    return InputError(
        f"artifact {artifact.name} of run {run_id} is not on this machine ({artifact.directory})",
        hint="resume the run where it started, or record runs in S3 (defaults.run_store: s3://bucket/prefix), "
        "which keeps the artifacts too",
    )


class _LocalArtifacts:
    """Artifacts stay in the local run folder (SQLite and in-memory stores)."""

    def keep_artifact(self, run_id: str, artifact: ArtifactRecord) -> ArtifactRecord:
        return artifact

    def fetch_artifact(self, run_id: str, artifact: ArtifactRecord, folder: Path) -> ArtifactRecord:
        raise _not_here(run_id, artifact)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    pipeline TEXT NOT NULL,
    started_at REAL NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_pipeline ON runs (pipeline, started_at);
"""


class SqliteRunStore(_LocalArtifacts):
    """Runs in one SQLite file (stdlib ``sqlite3``); one connection per operation, so threads may share it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
            if not self._ready:
                conn.executescript(_SCHEMA)
                self._ready = True
        except (OSError, sqlite3.Error) as exc:
            raise OperationFailed(
                f"cannot open the run store {self.path}: {exc}",
                hint="check the folder is writable, or set defaults.run_store in ecsflow.yml",
            ) from exc
        return conn

    def save(self, run: RunRecord) -> None:
        body = json.dumps(run.to_json(), sort_keys=True)
        with self._lock, closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO runs (run_id, pipeline, started_at, status, body) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(run_id) DO UPDATE SET status = excluded.status, body = excluded.body",
                (run.run_id, run.pipeline, run.started_at, run.status, body),
            )

    def get(self, run_id: str) -> RunRecord | None:
        if not self.path.exists():
            return None
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT body FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return RunRecord.from_json(json.loads(row[0])) if row else None

    def list(self, pipeline: str | None = None, limit: int = 20) -> list[RunRecord]:
        if not self.path.exists():
            return []
        query = "SELECT body FROM runs"
        args: tuple[object, ...] = ()
        if pipeline is not None:
            query += " WHERE pipeline = ?"
            args = (pipeline,)
        query += " ORDER BY started_at DESC, run_id DESC LIMIT ?"
        with closing(self._connect()) as conn:
            rows = conn.execute(query, (*args, limit)).fetchall()
        return [RunRecord.from_json(json.loads(row[0])) for row in rows]


class MemoryRunStore(_LocalArtifacts):
    """Runs in memory (tests, library use without a record)."""

    def __init__(self) -> None:
        self.location = "memory"
        self.runs: dict[str, RunRecord] = {}
        self.saves = 0

    def save(self, run: RunRecord) -> None:
        self.runs[run.run_id] = run
        self.saves += 1

    def get(self, run_id: str) -> RunRecord | None:
        return self.runs.get(run_id)

    def list(self, pipeline: str | None = None, limit: int = 20) -> list[RunRecord]:
        runs = [r for r in self.runs.values() if pipeline is None or r.pipeline == pipeline]
        return sorted(runs, key=lambda r: (r.started_at, r.run_id), reverse=True)[:limit]


class JsonObjects(Protocol):
    """A bucket of JSON documents (``ecsflow.aws.runstore.S3JsonObjects``)."""

    location: str

    def put(self, key: str, document: dict[str, Any]) -> None: ...

    def get(self, key: str) -> dict[str, Any] | None: ...

    def keys(self, folder: str) -> list[str]: ...

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def get_bytes(self, key: str) -> bytes | None: ...


class ObjectRunStore:
    """Runs as JSON objects: ``runs/<pipeline>/<run id>.json``; output artifacts as files under
    ``artifacts/<run id>/<artifact>/`` (CodePipeline keeps its artifacts in its S3 store too), so a
    run waiting for approval in one CI job can be resumed in another.

    Listing one pipeline reads its folder only; ``get`` finds a run by its object name (run ids
    are unique) in one listing.
    """

    def __init__(self, objects: JsonObjects) -> None:
        self.objects = objects
        self.location = objects.location

    def save(self, run: RunRecord) -> None:
        self.objects.put(f"runs/{run.pipeline}/{run.run_id}.json", run.to_json())

    def get(self, run_id: str) -> RunRecord | None:
        key = next((k for k in self.objects.keys("runs/") if k.endswith(f"/{run_id}.json")), None)
        document = self.objects.get(key) if key else None
        return RunRecord.from_json(document) if document else None

    def list(self, pipeline: str | None = None, limit: int = 20) -> list[RunRecord]:
        folder = f"runs/{pipeline}/" if pipeline else "runs/"
        runs = [RunRecord.from_json(d) for k in self.objects.keys(folder) if (d := self.objects.get(k))]
        runs.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
        return runs[:limit]

    def keep_artifact(self, run_id: str, artifact: ArtifactRecord) -> ArtifactRecord:
        folder = f"artifacts/{run_id}/{artifact.name}/"
        for name in artifact.files:
            try:
                data = (Path(artifact.directory) / name).read_bytes()
            except OSError as exc:
                raise OperationFailed(f"artifact {artifact.name}: cannot read {name}: {exc.strerror}") from exc
            self.objects.put_bytes(folder + name, data)
        return replace(artifact, location=f"{self.location.rstrip('/')}/{folder}")

    def fetch_artifact(self, run_id: str, artifact: ArtifactRecord, folder: Path) -> ArtifactRecord:
        if artifact.location is None:
            raise _not_here(run_id, artifact)
        for name in artifact.files:
            data = self.objects.get_bytes(f"artifacts/{run_id}/{artifact.name}/{name}")
            if data is None:
                raise InputError(
                    f"artifact {artifact.name} of run {run_id}: {name} is missing from {artifact.location}"
                )
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return replace(artifact, directory=str(folder))
