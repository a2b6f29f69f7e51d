"""Buildspec runner: artifact collection (files globs, base-directory, discard-paths, exclude-paths,
name, secondary artifacts) into the artifacts folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from buildspec_helpers import run_build

from ecsflow.events import Message
from ecsflow.pipeline.artifact_collect import compile_path_glob

TREE = {
    "README.md": "readme",
    "app/main.py": "main",
    "app/util/helpers.py": "helpers",
    "app/util/notes.md": "notes",
    "dist/web/index.html": "index",
    "dist/web/assets/app.js": "js",
    "dist/web/assets/app.js.map": "map",
    "dist/api/server.jar": "jar",
}


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/*", "a.txt", True),  # **/ spans zero folders: top-level files too
        ("**/*", "a/b/c.txt", True),
        ("dir/*", "dir/a", True),
        ("dir/*", "dir/a/b", False),
        ("dir/**/*", "dir/a/b", True),
        ("dir/**/*", "dir/a", True),
        ("dir/**/*", "other/a", False),
        ("file.txt", "file.txt", True),
        ("./file.txt", "file.txt", True),
        ("*.py", "sub/x.py", False),
        ("**/*.py", "x.py", True),
        ("a?c/[xy].txt", "abc/y.txt", True),
        ("[!x].txt", "x.txt", False),
    ],
)
def test_buildspec_path_globs(pattern: str, path: str, expected: bool) -> None:
    assert (compile_path_glob(pattern).fullmatch(path) is not None) is expected


def test_primary_and_secondary_artifacts_with_every_option(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
env:
  variables:
    RELEASE: "42"
phases:
  build:
    commands: [export STAMP=20260101]
artifacts:
  files:
    - app/**/*
    - README.md
  exclude-paths:
    - "**/*.md"
  secondary-artifacts:
    web:
      base-directory: dist/web
      files: ["**/*"]
      exclude-paths: ["**/*.map"]
      name: web-$RELEASE-$STAMP
    flat:
      files: [dist/**/*]
      discard-paths: yes
      exclude-paths: [dist/web/assets/*]
    jars:
      base-directory: "dist/*"
      files: ["*.jar"]
""",
        files=TREE,
    )
    assert run.result.status == "SUCCEEDED", run.result.phases
    names = {a.identifier: a.name for a in run.result.artifacts}
    assert names == {"primary": "primary", "web": "web-42-20260101", "flat": "flat", "jars": "jars"}
    # exclude-paths applies to the primary artifact too: README.md and the notes are left out
    assert _files(run.artifacts / "primary") == ["app/main.py", "app/util/helpers.py"]
    # base-directory: paths are relative to it; the name was evaluated by the build's shell
    assert _files(run.artifacts / "web-42-20260101") == ["assets/app.js", "index.html"]
    # discard-paths: only file names remain
    assert _files(run.artifacts / "flat") == ["index.html", "server.jar"]
    # a base-directory glob uses every matching folder
    assert _files(run.artifacts / "jars") == ["server.jar"]
    web = next(a for a in run.result.artifacts if a.identifier == "web")
    assert web.files == ("assets/app.js", "index.html")
    assert (run.artifacts / "web-42-20260101" / "index.html").read_text() == "index"


def test_files_produced_by_the_build_are_collected(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands:
      - mkdir -p out
      - >-
        printf '[{"name":"web","imageUri":"repo:%s"}]' "$CODEBUILD_RESOLVED_SOURCE_VERSION"
        > out/imagedefinitions.json
artifacts:
  files: [imagedefinitions.json]
  base-directory: out
""",
    )
    assert run.result.status == "SUCCEEDED"
    text = (run.artifacts / "primary" / "imagedefinitions.json").read_text()
    assert text == '[{"name":"web","imageUri":"repo:0123456789abcdef0123456789abcdef01234567"}]'


def test_no_matching_files_fails_upload_and_build(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: ["true"]
artifacts:
  files: [missing/**/*]
""",
    )
    upload = run.result.phase("UPLOAD_ARTIFACTS")
    assert upload is not None and upload.status == "FAILED"
    assert "no matching artifact paths found for primary" in upload.message
    assert run.result.status == "FAILED"


def test_discard_paths_collision_warns_and_later_file_wins(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: ["true"]
artifacts:
  files: ["**/*.txt"]
  discard-paths: yes
""",
        files={"a/x.txt": "first", "b/x.txt": "second"},
    )
    assert (run.artifacts / "primary" / "x.txt").read_text() == "second"
    assert any(isinstance(e, Message) and "discard-paths flattens" in e.text for e in run.events)


def test_artifacts_folder_inside_source_is_not_collected_again(tmp_path: Path) -> None:
    spec = "version: 0.2\nphases:\n  build:\n    commands: ['true']\nartifacts:\n  files: ['**/*']\n"
    inside = tmp_path / "src" / ".ecsflow" / "artifacts"
    state = {".ecsflow/local/state.json": "{}"}  # e.g. the local AWS's state folder
    first = run_build(tmp_path, spec, files={"a.txt": "a", **state}, artifacts_dir=inside)
    assert _files(inside / "primary") == ["a.txt"]
    second = run_build(tmp_path, spec, artifacts_dir=inside)
    assert second.result.status == "SUCCEEDED"
    assert first.artifacts == second.artifacts
    assert _files(inside / "primary") == ["a.txt"]  # not .ecsflow/artifacts/primary/a.txt
    third = run_build(tmp_path, spec, artifacts_dir=tmp_path / "elsewhere")
    assert _files(third.artifacts / "primary") == ["a.txt"]  # .ecsflow/ is never packaged


def test_same_folder_name_twice_fails(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: ["true"]
artifacts:
  files: [a.txt]
  name: same
  secondary-artifacts:
    other:
      files: [a.txt]
      name: same
""",
        files={"a.txt": "a"},
    )
    upload = run.result.phase("UPLOAD_ARTIFACTS")
    assert upload is not None and "already uses the name 'same'" in upload.message
    assert run.result.status == "FAILED"


def test_a_pattern_without_match_is_skipped_with_a_warning(tmp_path: Path) -> None:
    run = run_build(
        tmp_path,
        """
version: 0.2
phases:
  build:
    commands: ["echo '[]' > imagedefinitions.json"]
artifacts:
  files: [imagedefinitions.json, taskdef.json]
""",
    )
    assert run.result.status == "SUCCEEDED"
    assert _files(run.artifacts / "primary") == ["imagedefinitions.json"]
    assert any(
        isinstance(e, Message) and e.text == "artifact primary: Skipping invalid file path taskdef.json"
        for e in run.events
    )


def test_a_failed_upload_leaves_no_files_of_an_earlier_build(tmp_path: Path) -> None:
    spec = "version: 0.2\nphases:\n  build:\n    commands: ['true']\nartifacts:\n  files: [a.txt]\n"
    run_build(tmp_path, spec, files={"a.txt": "old"})
    assert (tmp_path / "out" / "primary" / "a.txt").exists()
    (tmp_path / "src" / "a.txt").unlink()
    again = run_build(tmp_path, spec)
    assert again.result.status == "FAILED"
    assert not (tmp_path / "out" / "primary").exists()
