"""Which pipeline file is which, and validating any of them by type.

The type comes from the file name first (the names the pipeline uses by default:
``imagedefinitions.json``, ``imageDetail.json``, ``taskdef.json``, ``appspec.yaml``,
``buildspec.yml``), then from the content; ``--type`` overrides both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from ecsflow.artifacts.appspec import parse_appspec
from ecsflow.artifacts.buildspec import parse_buildspec
from ecsflow.artifacts.imagedefs import parse_image_definitions
from ecsflow.artifacts.imagedetail import parse_image_detail
from ecsflow.artifacts.keys import find_key
from ecsflow.artifacts.loader import load_document
from ecsflow.artifacts.problems import fail
from ecsflow.artifacts.taskdef import parse_task_definition
from ecsflow.errors import ArtifactError, Problem


class ArtifactType(StrEnum):
    TASKDEF = "taskdef"
    IMAGE_DEFINITIONS = "image-definitions"
    IMAGE_DETAIL = "image-detail"
    APPSPEC = "appspec"
    BUILDSPEC = "buildspec"

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    ArtifactType.TASKDEF: "task definition",
    ArtifactType.IMAGE_DEFINITIONS: "imagedefinitions.json",
    ArtifactType.IMAGE_DETAIL: "imageDetail.json",
    ArtifactType.APPSPEC: "AppSpec",
    ArtifactType.BUILDSPEC: "buildspec",
}

_BY_NAME: tuple[tuple[re.Pattern[str], ArtifactType], ...] = (
    (re.compile(r"imagedefinitions.*\.json$", re.I), ArtifactType.IMAGE_DEFINITIONS),
    (re.compile(r"imagedetail.*\.json$", re.I), ArtifactType.IMAGE_DETAIL),
    (re.compile(r"^appspec.*\.(ya?ml|json)$", re.I), ArtifactType.APPSPEC),
    (re.compile(r"^buildspec.*\.(ya?ml|json)$", re.I), ArtifactType.BUILDSPEC),
    (re.compile(r"(taskdef|task[-_]def(inition)?).*\.(json|ya?ml)$", re.I), ArtifactType.TASKDEF),
)


@dataclass(frozen=True)
class Validated:
    """A file that passed validation: its type, the parsed value and the warnings."""

    file: str
    type: ArtifactType
    value: Any
    warnings: tuple[Problem, ...] = ()


def type_from_name(file: str) -> ArtifactType | None:
    name = PurePath(file).name
    for pattern, kind in _BY_NAME:
        if pattern.search(name):
            return kind
    return None


def type_from_content(content: bytes | str, file: str) -> ArtifactType | None:
    """Guess from the shape of the data; None when nothing fits (or the file does not parse)."""
    try:
        data = load_document(content, file).data
    except ArtifactError:
        return None
    if isinstance(data, list):
        if data and all(isinstance(e, dict) and ("imageUri" in e or "name" in e) for e in data):
            return ArtifactType.IMAGE_DEFINITIONS
        return None
    if not isinstance(data, dict):
        return None
    if "ImageURI" in data:
        return ArtifactType.IMAGE_DETAIL
    if "containerDefinitions" in data or isinstance(data.get("taskDefinition"), dict):
        return ArtifactType.TASKDEF
    if find_key(data, "Resources") is not None:
        return ArtifactType.APPSPEC
    if "phases" in data:
        return ArtifactType.BUILDSPEC
    return None


def detect_type(content: bytes | str, file: str) -> ArtifactType:
    kind = type_from_name(file) or type_from_content(content, file)
    if kind is None:
        raise fail(
            file,
            "cannot tell which pipeline file this is",
            hint=f"Name it like the pipeline does or pass --type ({', '.join(t.value for t in ArtifactType)}).",
        )
    return kind


_PARSERS: dict[ArtifactType, Callable[[bytes | str, str], Any]] = {
    ArtifactType.TASKDEF: parse_task_definition,
    ArtifactType.IMAGE_DEFINITIONS: parse_image_definitions,
    ArtifactType.IMAGE_DETAIL: parse_image_detail,
    ArtifactType.APPSPEC: parse_appspec,
    ArtifactType.BUILDSPEC: parse_buildspec,
}


def validate_file(content: bytes | str, file: str, kind: ArtifactType | None = None) -> Validated:
    """Parse ``content`` as ``kind`` (detected when None); raises ``ArtifactError`` with every problem."""
    kind = kind or detect_type(content, file)
    value = _PARSERS[kind](content, file)
    warnings: tuple[Problem, ...] = tuple(getattr(value, "warnings", ()))
    return Validated(file, kind, value, warnings)
