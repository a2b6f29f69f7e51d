"""`ecsflow package lambda`: the zip's contents, and the handler importing from it alone."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from ecsflow.cli.package import HANDLER, build_lambda_zip

# What a Lambda Python runtime provides besides the standard library.
RUNTIME = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")


def runtime_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "runtime"
    folder.mkdir()
    for name in RUNTIME:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)
    return folder


def test_zip_holds_ecsflow_and_pure_python_yaml_only(run_cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "out" / "handler.zip"
    code, out, err = run_cli("--output", "json", "package", "lambda", "-o", str(target))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["handler"] == HANDLER == "ecsflow.integrations.codepipeline.handler"
    names = zipfile.ZipFile(target).namelist()
    assert doc["files"] == len(names)
    assert "ecsflow/integrations/codepipeline.py" in names
    assert "ecsflow/py.typed" in names and "yaml/__init__.py" in names
    assert not [n for n in names if n.startswith(("ecsflow/cli/", "ecsflow/sim/"))]
    assert not [n for n in names if n.split("/")[0] in ("click", "rich", "moto", "boto3", "botocore")]
    assert not [n for n in names if n.endswith((".so", ".pyc")) or "__pycache__" in n]
    assert any(n.lower().startswith("pyyaml-") and "LICENSE" in n.upper() for n in names)


def test_zip_is_reproducible(tmp_path: Path) -> None:
    build_lambda_zip(tmp_path / "a.zip")
    build_lambda_zip(tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_with_boto3_bundles_the_sdk(tmp_path: Path) -> None:
    names = build_lambda_zip(tmp_path / "sdk.zip", with_boto3=True)
    assert "boto3/__init__.py" in names and any(n.startswith("botocore/data/ecs/") for n in names)
    assert "dateutil/__init__.py" in names and "six.py" in names


def test_handler_imports_from_the_zip_with_only_the_lambda_runtime(tmp_path: Path) -> None:
    target = tmp_path / "handler.zip"
    build_lambda_zip(target)
    script = f"""
import sys, json
sys.path[:0] = [{str(target)!r}, {str(runtime_folder(tmp_path))!r}]
from ecsflow.integrations.codepipeline import handler
import ecsflow.integrations.codepipeline as module, yaml
assert module.__file__.startswith({str(target)!r}), module.__file__
assert yaml.__file__.startswith({str(target)!r}), yaml.__file__
result = handler({{"not": "a job"}}, None)
# Every module in the zip imports (the lazy imports of the factory and adapters included).
import importlib, pkgutil, ecsflow
imported = [importlib.import_module(i.name) for i in pkgutil.walk_packages(ecsflow.__path__, "ecsflow.")]
assert len(imported) > 100, len(imported)
print(json.dumps({{"result": result["result"], "libyaml": yaml.__with_libyaml__,
                   "gui": sorted(m for m in ("click", "rich", "moto") if m in sys.modules)}}))
"""
    # -I -S: no site-packages, no user site, no environment: the standard library, the zip,
    # and what the Lambda runtime has.
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], check=False, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"result": "not a job", "libyaml": False, "gui": []}
