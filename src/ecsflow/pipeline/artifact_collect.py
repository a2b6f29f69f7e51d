"""Collecting a build's output artifacts into a folder, with the buildspec's ``artifacts`` rules.

Semantics (CodeBuild buildspec reference, AWS-SEMANTICS §9.1):

* ``files`` are paths or globs relative to ``base-directory`` (default: the source folder):
  ``**/*`` is every file at any depth (including the top level), ``dir/*`` the files directly
  in ``dir``, ``dir/**/*`` every file under ``dir``. Only files are collected.
* ``base-directory`` is a folder relative to the source folder; when it is itself a glob
  (``build-*``), every matching folder is a base [the doc allows the pattern; using all matches
  is our reading].
* ``exclude-paths`` are globs relative to ``base-directory``; a file matching one is left out.
* ``discard-paths: yes`` flattens the output (file names only); when two files would land on
  the same name the later one (in path order) wins, and a warning says so [uncertain].
* ``name`` is shell-evaluated by the runner (``app-$(date +%F)``) and names the output folder;
  without it the folder is ``primary`` or the secondary artifact's identifier.
* A ``files`` pattern that matches nothing is skipped with a warning; no file matched at all:
  CodeBuild fails UPLOAD_ARTIFACTS with "no matching artifact paths found".
* ``.ecsflow/`` (ecsflow's own folder) and the artifacts folder itself are never collected.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ecsflow.pipeline.build_spec import ArtifactSpec

PRIVATE_DIR = ".ecsflow"  # ecsflow's own folder in a project (gitignored)


@dataclass(frozen=True)
class CollectedArtifact:
    identifier: str
    name: str  # folder name under the artifacts directory
    directory: Path
    files: tuple[str, ...]  # paths inside ``directory``, sorted
    error: str | None = None
    warnings: tuple[str, ...] = ()


def _segment(seg: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = seg.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = seg[i + 1 : end]
                negate = body.startswith(("!", "^"))
                body = body[1:] if negate else body
                out.append(("[^" if negate else "[") + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_path_glob(pattern: str) -> re.Pattern[str]:
    """A buildspec path glob: ``**`` as a whole segment spans zero or more folders."""
    parts = [p for p in pattern.strip().removeprefix("./").split("/") if p != ""]
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
        else:
            regex += _segment(part) + ("" if last else "/")
    return re.compile(regex)


def _has_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def _walk(base: Path, skip: frozenset[Path]) -> list[str]:
    out: list[str] = []
    for root, dirs, files in os.walk(base):
        here = Path(root)
        if skip:
            dirs[:] = [d for d in dirs if (here / d).resolve() not in skip]
        dirs.sort()
        for name in sorted(files):
            out.append((here / name).relative_to(base).as_posix())
    return out


def _bases(spec: ArtifactSpec, source_dir: Path, skip: frozenset[Path]) -> list[Path]:
    if not spec.base_directory:
        return [source_dir]
    base = spec.base_directory.strip().removeprefix("./").rstrip("/")
    if not _has_glob(base):
        return [source_dir / base]
    rx = compile_path_glob(base)
    found: list[Path] = []
    for root, dirs, _files in os.walk(source_dir):
        here = Path(root)
        if skip:
            dirs[:] = [d for d in dirs if (here / d).resolve() not in skip]
        dirs.sort()
        for d in dirs:
            rel = (here / d).relative_to(source_dir).as_posix()
            if rx.fullmatch(rel):
                found.append(here / d)
    return found


def select_files(
    spec: ArtifactSpec, source_dir: Path, skip: frozenset[Path] = frozenset()
) -> tuple[list[tuple[Path, str]], list[str]]:
    """(source file, path inside the artifact) for every selected file, in path order, and the
    ``files`` patterns that matched nothing."""
    includes = [(p, compile_path_glob(p)) for p in spec.files]
    excludes = [compile_path_glob(p) for p in spec.exclude_paths]
    selected: list[tuple[Path, str]] = []
    used: set[str] = set()
    for base in _bases(spec, source_dir, skip):
        if not base.is_dir():
            continue
        for rel in _walk(base, skip):
            hit = next((p for p, rx in includes if rx.fullmatch(rel)), None)
            if hit is not None and not any(rx.fullmatch(rel) for rx in excludes):
                used.add(hit)
                dest = rel.rsplit("/", 1)[-1] if spec.discard_paths else rel
                selected.append((base / rel, dest))
    return selected, [p for p in spec.files if p not in used]


def collect(spec: ArtifactSpec, source_dir: Path, out_root: Path, name: str | None) -> CollectedArtifact:
    """Copy the selected files into ``out_root/<name>`` (a fresh folder)."""
    folder = name or spec.identifier
    target = out_root / folder
    # ecsflow's own folder (local AWS state, default artifacts) and the output folder are never
    # collected, or each build would package the previous one.
    skip = frozenset({out_root.resolve(), (source_dir / PRIVATE_DIR).resolve()})
    selected, unmatched = select_files(spec, source_dir, skip)
    if target.exists():
        shutil.rmtree(target)  # never leave a previous build's files looking like this build's
    if not selected:
        return CollectedArtifact(
            spec.identifier,
            folder,
            target,
            (),
            error=f"no matching artifact paths found for {spec.identifier} (files: {', '.join(spec.files)})",
        )
    target.mkdir(parents=True)
    # CodeBuild logs "Skipping invalid file path <pattern>" for a pattern that matched nothing
    # and goes on while other patterns matched [observed].
    warnings = [f"Skipping invalid file path {pattern}" for pattern in unmatched]
    written: dict[str, Path] = {}
    for src, dest in selected:
        if dest in written:
            warnings.append(f"{dest}: {src} replaces {written[dest]} (discard-paths flattens folders)")
        out = target / dest
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)
        written[dest] = src
    return CollectedArtifact(spec.identifier, folder, target, tuple(sorted(written)), warnings=tuple(warnings))
