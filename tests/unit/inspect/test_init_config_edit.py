"""``ecsflow init`` edits ecsflow.yml as text: entries added, comments kept, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsflow.cli.init import _entry, _with_entry
from ecsflow.config import parse_config
from ecsflow.errors import ConfigError, InputError

ENTRY = _entry("web", "demo", "web", "web.json", {"web": "1.dkr.ecr.us-east-1.amazonaws.com/web"})


def _services(text: str) -> set[str]:
    return set(parse_config(text).services)


def test_new_file(tmp_path: Path) -> None:
    text = _with_entry(tmp_path / "ecsflow.yml", "web", ENTRY, force=False)
    assert _services(text) == {"web"}


def test_added_under_services_with_comments_kept(tmp_path: Path) -> None:
    path = tmp_path / "ecsflow.yml"
    path.write_text("# ours\nversion: 1\nservices:  # the list\n  api:\n    cluster: c\n    service: api\n")
    text = _with_entry(path, "web", ENTRY, force=False)
    assert text.startswith("# ours\n") and "# the list" in text
    assert _services(text) == {"api", "web"}


def test_no_services_key_yet(tmp_path: Path) -> None:
    path = tmp_path / "ecsflow.yml"
    path.write_text("version: 1\ndefaults:\n  cluster: demo")
    assert _services(_with_entry(path, "web", ENTRY, force=False)) == {"web"}


def test_existing_entry_needs_force_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "ecsflow.yml"
    path.write_text("version: 1\nservices:\n  web:\n    cluster: old\n    service: web\n  api:\n    cluster: c\n")
    with pytest.raises(InputError, match="has a service 'web' already"):
        _with_entry(path, "web", ENTRY, force=False)
    text = _with_entry(path, "web", ENTRY, force=True)
    project = parse_config(text)
    assert set(project.services) == {"web", "api"}
    assert project.services["web"].cluster == "demo"


def test_flow_style_services_are_never_lost(tmp_path: Path) -> None:
    path = tmp_path / "ecsflow.yml"
    path.write_text("version: 1\nservices: {api: {cluster: c, service: api}}\n")
    with pytest.raises(ConfigError, match="layout is unusual") as err:
        _with_entry(path, "web", ENTRY, force=False)
    assert "by hand" in (err.value.hint or "")
