"""Conversions between ``imageDetail.json`` (ECR source) and ``imagedefinitions.json`` (ECS action).

The ECS deploy action needs the container name, which imageDetail.json lacks
(AWS-SEMANTICS §2.1), so going that way needs ``container``. Going back picks one
entry; only ``ImageURI`` is written, the one field CodeDeployToECS reads: the other
fields describe an ECR push that imagedefinitions.json knows nothing about.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecsflow.artifacts.imagedefs import ImageDefinition
from ecsflow.artifacts.imagedetail import ImageDetail
from ecsflow.artifacts.taskdef import NAME_PATTERN
from ecsflow.errors import Problem, RenderError


def image_detail_to_definitions(detail: ImageDetail, container: str) -> tuple[ImageDefinition, ...]:
    if not NAME_PATTERN.match(container):
        raise RenderError(
            f"invalid container name {container!r}",
            [Problem("must be 1-255 letters, digits, '_' or '-'", "", "--container")],
            hint="Pass the name of the container in the task definition.",
        )
    return (ImageDefinition(container, detail.image_uri),)


def image_definitions_to_detail(definitions: Sequence[ImageDefinition], container: str | None = None) -> ImageDetail:
    names = [d.name for d in definitions]
    if container is None:
        if len(definitions) != 1:
            raise RenderError(
                f"imagedefinitions.json has {len(definitions)} entries ({', '.join(names)}); choose one",
                hint="Pass --container NAME: imageDetail.json holds a single image.",
            )
        chosen = definitions[0]
    else:
        match = [d for d in definitions if d.name == container]
        if not match:
            raise RenderError(
                f"container {container!r} is not in imagedefinitions.json (entries: {', '.join(names)})",
                hint="Pass one of the listed names to --container.",
            )
        chosen = match[0]
    return ImageDetail(chosen.image_uri, {"ImageURI": chosen.image_uri})
