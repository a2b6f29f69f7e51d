"""``ecsflow package lambda``: the deployment zip of the CodePipeline Invoke action handler.

What goes in, and why:

* ``ecsflow`` without ``ecsflow/cli`` (click, rich) and ``ecsflow/sim`` (moto): the
  handler (``ecsflow.integrations.codepipeline.handler``) never imports them (the
  import-linter contract keeps it that way).
* PyYAML, pure Python: its C extension is left out, so one zip runs on x86_64 and arm64
  and on every Python version Lambda offers (PyYAML falls back to its Python loader).
* boto3 and botocore are **not** included by default: every Lambda Python runtime has
  them, and a zip without them is ~1 MB instead of ~25 MB. The runtime's copy may be
  older than the botocore ecsflow is tested with (``pyproject.toml``); features newer than
  it (e.g. ECS-native blue/green fields) then fail with a parameter validation error.
  ``--with-boto3`` bundles the installed boto3, botocore, s3transfer, jmespath,
  python-dateutil, six and urllib3 (all pure Python) to pin them.

The zip is reproducible: entries sorted, fixed timestamps and permissions.
"""

from __future__ import annotations

import importlib.metadata as md
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import click

from ecsflow import __version__
from ecsflow.cli.context import get_context
from ecsflow.cli.output.view import View
from ecsflow.errors import InputError, Problem

HANDLER = "ecsflow.integrations.codepipeline.handler"
RUNTIME_DEPENDENCIES = ("PyYAML",)
BOTO3 = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
EXCLUDED_PACKAGES = ("cli", "sim")
_BINARY = (".so", ".pyd", ".dylib", ".pyc", ".exe")
_STAMP = (1980, 1, 1, 0, 0, 0)


def _ecsflow_files() -> Iterator[tuple[str, Path]]:
    import ecsflow

    root = Path(ecsflow.__file__).parent
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix in _BINARY:
            continue
        if rel.parts[0] in EXCLUDED_PACKAGES or rel.name == "__main__.py":
            continue
        yield f"ecsflow/{rel.as_posix()}", path


def _distribution_files(name: str) -> Iterator[tuple[str, Path]]:
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError as exc:
        raise InputError(
            f"{name} is not installed here, so it cannot be packaged",
            [Problem("install it first (pip install ecsflow)", name)],
        ) from exc
    for file in dist.files or ():
        parts = PurePosixPath(str(file)).parts
        if not parts or parts[0] == ".." or "__pycache__" in parts or file.suffix in _BINARY:
            continue
        if parts[0].endswith(".dist-info") and not (
            file.name in ("METADATA", "top_level.txt")
            or file.name.upper().startswith(("LICENSE", "NOTICE", "COPYING"))
            or "licenses" in parts
        ):
            continue
        yield str(file), Path(str(file.locate()))


def lambda_files(*, with_boto3: bool) -> list[tuple[str, Path]]:
    """(name in the zip, file on disk), sorted, without duplicates."""
    files = dict(_ecsflow_files())
    for name in RUNTIME_DEPENDENCIES + (BOTO3 if with_boto3 else ()):
        for arc, path in _distribution_files(name):
            files.setdefault(arc, path)
    return sorted(files.items())


def build_lambda_zip(target: Path, *, with_boto3: bool = False) -> list[str]:
    """Write the zip; returns the names it holds."""
    entries = lambda_files(with_boto3=with_boto3)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arc, path in entries:
            info = zipfile.ZipInfo(arc, date_time=_STAMP)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return [arc for arc, _ in entries]


@click.group("package")
def package() -> None:
    """Build deployable packages of ecsflow."""


@package.command("lambda")
@click.option(
    "-o",
    "--output-file",
    "output_file",
    default=None,
    metavar="FILE",
    help="Zip to write [default: ./ecsflow-lambda-VERSION.zip].",
)
@click.option("--with-boto3", is_flag=True, help="Bundle boto3/botocore instead of using the Lambda runtime's.")
def lambda_zip(output_file: str | None, with_boto3: bool) -> int:
    """Build the deployment zip of the CodePipeline Invoke action handler.

    Handler: ecsflow.integrations.codepipeline.handler (runtime python3.11 or newer).
    See docs/integrations.md for the action's UserParameters and the IAM permissions.
    """
    ctx = get_context()
    target = Path(output_file or f"ecsflow-lambda-{__version__}.zip")
    if target.exists() and target.is_dir():
        raise InputError(f"{target} is a folder", [Problem("expected a file name", "--output-file")])
    names = build_lambda_zip(target, with_boto3=with_boto3)
    size = target.stat().st_size
    view = View(ctx)
    view.line(f"wrote {target} ({size / 1024 / 1024:.1f} MB, {len(names)} files)", style="green")
    view.line(f"handler: {HANDLER}")
    bundled = ", ".join(RUNTIME_DEPENDENCIES + (BOTO3 if with_boto3 else ()))
    view.line(f"bundled: ecsflow {__version__}, {bundled}" + ("" if with_boto3 else "; boto3 from the Lambda runtime"))
    view.document(
        {
            "file": str(target),
            "bytes": size,
            "files": len(names),
            "handler": HANDLER,
            "bundled": ["ecsflow", *RUNTIME_DEPENDENCIES, *(BOTO3 if with_boto3 else ())],
        }
    )
    return 0
