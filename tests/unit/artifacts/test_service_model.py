from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from ecsflow.artifacts import service_model


def test_reads_the_ecs_model_without_importing_botocore() -> None:
    code = (
        "import sys; from ecsflow.artifacts.service_model import shape; "
        "s = shape('ecs', 'RegisterTaskDefinitionRequest'); "
        "print(sorted(s['required']), 'botocore' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "['containerDefinitions', 'family'] False"


def test_newest_api_version_and_gzip_or_plain(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base = tmp_path / "data" / "demo"
    for version in ("2014-01-01", "2020-05-05", "2016-12-31"):
        (base / version).mkdir(parents=True)
    (base / "2020-05-05" / "service-2.json.gz").write_bytes(gzip.compress(json.dumps({"shapes": {"A": {}}}).encode()))
    (base / "2016-12-31" / "service-2.json").write_text(json.dumps({"shapes": {"Old": {}}}))
    monkeypatch.setattr(service_model, "botocore_data_dir", lambda: tmp_path / "data")
    service_model.load_service_model.cache_clear()
    try:
        assert service_model.newest_api_version("demo").name == "2020-05-05"
        assert dict(service_model.shapes("demo")) == {"A": {}}
    finally:
        service_model.load_service_model.cache_clear()


def test_model_is_cached() -> None:
    assert service_model.load_service_model("ecs") is service_model.load_service_model("ecs")
