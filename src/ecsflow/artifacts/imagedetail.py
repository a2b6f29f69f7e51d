"""``imageDetail.json``: the output of CodePipeline's ECR source action, input of CodeDeployToECS.

A JSON object (AWS-SEMANTICS §2.1). Only ``ImageURI`` is required; the other fields
the ECR source writes are checked with their real types (``ImageSizeInBytes`` is a
*string*, ``ImageTags`` a list of strings). Unknown keys are refused: a misspelt
``ImageUri`` would otherwise pass and fail later in the pipeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ecsflow.artifacts.imageref import image_problem
from ecsflow.artifacts.loader import Format, expect_top, load_document
from ecsflow.artifacts.problems import Problems, got, join

FILE_NAME = "imageDetail.json"
# Field -> expected type, in the order the ECR source writes them.
_STRING_FIELDS = (
    "ImageURI",
    "ImageDigest",
    "RegistryId",
    "RepositoryName",
    "ImageSizeInBytes",
    "ImagePushedAt",
    "Version",
)


@dataclass(frozen=True)
class ImageDetail:
    """``image_uri`` plus every other field of the file, as written (``fields``)."""

    image_uri: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def tags(self) -> list[str]:
        tags: list[str] = self.fields.get("ImageTags", [])
        return tags

    @property
    def digest(self) -> str | None:
        value = self.fields.get("ImageDigest")
        return value if isinstance(value, str) else None


def parse_image_detail(content: bytes | str, file: str = FILE_NAME) -> ImageDetail:
    """Parse and validate; raises ``ArtifactError`` listing every problem."""
    doc = load_document(content, file, fmt=Format.JSON)
    expect_top(doc, dict, "imageDetail.json")
    data: dict[Any, Any] = doc.data
    problems = Problems(file)
    for key, value in data.items():
        path = join("", str(key))
        if key in _STRING_FIELDS:
            if not isinstance(value, str):
                hint = " (ECR writes it as a string)" if key == "ImageSizeInBytes" else ""
                problems.add(path, f"expected string, {got(value)}{hint}")
        elif key == "ImageTags":
            if not isinstance(value, list):
                problems.add(path, f"expected an array of strings, {got(value)}")
            else:
                for i, tag in enumerate(value):
                    if not isinstance(tag, str):
                        problems.add(join(path, i), f"expected string, {got(tag)}")
        else:
            hint = "; the image field is spelt ImageURI" if str(key).lower() == "imageuri" else ""
            problems.add(path, f"unknown field {key!r}{hint}")
    uri = data.get("ImageURI")
    if "ImageURI" not in data:
        problems.add("ImageURI", "required field is missing")
    elif isinstance(uri, str):
        why = image_problem(uri)
        if why:
            problems.add("ImageURI", f"invalid image reference {uri!r}: {why}")
    size = data.get("ImageSizeInBytes")
    if isinstance(size, str) and not size.isdigit():
        problems.add("ImageSizeInBytes", f"expected a decimal number as text, got {size!r}")
    problems.raise_if_any(hint='imageDetail.json is an object with at least {"ImageURI": "<image>"}.')
    return ImageDetail(str(uri), dict(data))


def image_detail_json(detail: ImageDetail) -> str:
    data = {"ImageURI": detail.image_uri, **{k: v for k, v in detail.fields.items() if k != "ImageURI"}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
