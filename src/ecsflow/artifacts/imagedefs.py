"""``imagedefinitions.json``: the input of CodePipeline's standard ECS deploy action.

A JSON array of ``{"name": <container name>, "imageUri": <image>}`` (AWS-SEMANTICS §1.1):
UTF-8, at most 100 KB, one entry per container. Unknown keys, duplicate names and an
empty list are refused: the action would fail later, or do nothing, far from the cause.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ecsflow.artifacts.imageref import image_problem
from ecsflow.artifacts.loader import Format, expect_top, load_document
from ecsflow.artifacts.problems import Problems, fail, got, join

FILE_NAME = "imagedefinitions.json"
MAX_BYTES = 100 * 1024  # CodePipeline quota: image definitions file at most 100 KB
_KEYS = ("name", "imageUri")


@dataclass(frozen=True)
class ImageDefinition:
    name: str  # the container name in the task definition
    image_uri: str


def parse_image_definitions(content: bytes | str, file: str = FILE_NAME) -> tuple[ImageDefinition, ...]:
    """Parse and validate; raises ``ArtifactError`` listing every problem."""
    size = len(content.encode("utf-8") if isinstance(content, str) else content)
    if size > MAX_BYTES:
        raise fail(file, f"{size} bytes; CodePipeline reads at most {MAX_BYTES} (100 KB)")
    doc = load_document(content, file, fmt=Format.JSON)
    expect_top(doc, list, "imagedefinitions.json")
    problems = Problems(file)
    result: list[ImageDefinition] = []
    if not doc.data:
        problems.add("", 'the list is empty; add one {"name", "imageUri"} entry per container')
    seen: dict[str, int] = {}
    for i, entry in enumerate(doc.data):
        path = join("", i)
        if not isinstance(entry, dict):
            problems.add(path, f"expected an object with name and imageUri, {got(entry)}")
            continue
        for key in entry:
            if key not in _KEYS:
                hint = "; imageDetail.json uses ImageURI, this file uses imageUri" if key == "ImageURI" else ""
                problems.add(join(path, str(key)), f"unknown field {key!r}{hint}")
        name, uri = entry.get("name"), entry.get("imageUri")
        for key, value in (("name", name), ("imageUri", uri)):
            if value is None:
                problems.add(join(path, key), "required field is missing")
            elif not isinstance(value, str) or not value:
                problems.add(join(path, key), f"expected a non-empty string, {got(value)}")
        if isinstance(name, str) and name:
            if name in seen:
                problems.add(join(path, "name"), f"duplicate container name {name!r} (also [{seen[name]}])")
            seen.setdefault(name, i)
        if isinstance(uri, str) and uri:
            why = image_problem(uri)
            if why:
                problems.add(join(path, "imageUri"), f"invalid image reference {uri!r}: {why}")
        if isinstance(name, str) and isinstance(uri, str):
            result.append(ImageDefinition(name, uri))
    problems.raise_if_any(hint='Each entry is {"name": "<container name>", "imageUri": "<image>"}.')
    return tuple(result)


def image_definitions_json(definitions: Sequence[ImageDefinition]) -> str:
    """Serialize in the key order and spelling CodePipeline documents."""
    data = [{"name": d.name, "imageUri": d.image_uri} for d in definitions]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
