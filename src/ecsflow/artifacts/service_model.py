"""Read botocore's AWS service models (JSON data files) without importing botocore.

The artifact layer validates task definitions against the same model botocore uses
to validate ``RegisterTaskDefinition`` calls, so new ECS fields are understood the
day a botocore release ships them. Importing botocore itself would cost cold-start
time and break the layer rule (only ``ecsflow.aws`` imports it), so this module
only *locates* the installed package and reads its data directory.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecsflow.errors import InternalError

Shape = Mapping[str, Any]


@functools.cache
def botocore_data_dir() -> Path:
    """``<site-packages>/botocore/data``, found through the import system (botocore is not imported)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise InternalError(
            "botocore is not installed, so the ECS service model cannot be read",
            hint="Reinstall ecsflow (`pip install ecsflow`); botocore is one of its dependencies.",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def newest_api_version(service: str) -> Path:
    """The directory of the newest API version of ``service`` (names are ISO dates, so they sort)."""
    service_dir = botocore_data_dir() / service
    versions = sorted(p for p in service_dir.iterdir() if p.is_dir()) if service_dir.is_dir() else []
    if not versions:
        raise InternalError(f"botocore has no model for the {service!r} service in {service_dir}")
    return versions[-1]


@functools.cache
def load_service_model(service: str) -> Mapping[str, Any]:
    """The parsed ``service-2.json`` (or ``.json.gz``, as wheels ship it) of ``service``; cached."""
    directory = newest_api_version(service)
    plain = directory / "service-2.json"
    packed = directory / "service-2.json.gz"
    try:
        if plain.is_file():
            raw = plain.read_bytes()
        elif packed.is_file():
            raw = gzip.decompress(packed.read_bytes())
        else:
            raise InternalError(f"botocore's {service} model is missing from {directory}")
        model: Mapping[str, Any] = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise InternalError(f"botocore's {service} model in {directory} cannot be read: {exc}") from exc
    return model


def shapes(service: str) -> Mapping[str, Shape]:
    result: Mapping[str, Shape] = load_service_model(service)["shapes"]
    return result


def shape(service: str, name: str) -> Shape:
    try:
        return shapes(service)[name]
    except KeyError:
        raise InternalError(f"botocore's {service} model has no shape {name!r}") from None


def member_names(service: str, structure: str) -> tuple[str, ...]:
    """Members of a structure shape, in model order."""
    return tuple(shape(service, structure).get("members", {}))
