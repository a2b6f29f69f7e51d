"""Putting images into a task definition's containers.

``apply_image_definitions`` does what CodePipeline's standard ECS deploy action does
with imagedefinitions.json (AWS-SEMANTICS §1.2 step 3): for each entry, the container
with that ``name`` gets ``image = imageUri``; containers not listed keep their image
and every other field. A listed name with no container fails (the action fails with
"The AWS ECS container <name> does not exist"); here the error also lists the
containers that do exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ecsflow.artifacts.imagedefs import ImageDefinition
from ecsflow.artifacts.imageref import image_problem
from ecsflow.artifacts.problems import join
from ecsflow.errors import Problem


def set_images(
    request: Mapping[str, Any], images: Iterable[tuple[str, str]], source: str
) -> tuple[dict[str, Any], list[Problem], list[str]]:
    """A copy of ``request`` with ``(container, image)`` pairs applied; (result, problems, notes)."""
    result = dict(request)
    containers = [dict(c) if isinstance(c, dict) else c for c in request.get("containerDefinitions", [])]
    result["containerDefinitions"] = containers
    by_name = {c.get("name"): i for i, c in enumerate(containers) if isinstance(c, dict)}
    names = ", ".join(str(n) for n in by_name) or "none"
    problems: list[Problem] = []
    notes: list[str] = []
    for container, image in images:
        index = by_name.get(container)
        if index is None:
            problems.append(
                Problem(
                    f"container {container!r} does not exist in the task definition (containers: {names})", "", source
                )
            )
            continue
        why = image_problem(image)
        if why:
            problems.append(
                Problem(f"invalid image reference {image!r} for container {container!r}: {why}", "", source)
            )
            continue
        old = containers[index].get("image")
        containers[index]["image"] = image
        notes.append(f"{join('containerDefinitions', index)}.image: {old} -> {image} ({source})")
    return result, problems, notes


def apply_image_definitions(
    request: Mapping[str, Any], definitions: Iterable[ImageDefinition], source: str = "imagedefinitions.json"
) -> tuple[dict[str, Any], list[Problem], list[str]]:
    return set_images(request, ((d.name, d.image_uri) for d in definitions), source)
