"""``ecsflow convert``: imageDetail.json <-> imagedefinitions.json."""

from __future__ import annotations

import click

from ecsflow.artifacts.imagedefs import image_definitions_json, parse_image_definitions
from ecsflow.artifacts.imagedetail import image_detail_json, parse_image_detail
from ecsflow.cli.artifact_io import emit, read_input
from ecsflow.render.convert import image_definitions_to_detail, image_detail_to_definitions

_OUT = click.option(
    "-o", "--out", "out", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout."
)


@click.group(
    "convert",
    help="Convert between imageDetail.json (ECR source, CodeDeployToECS) and imagedefinitions.json "
    "(the ECS deploy action).\n\n\b\nExamples:\n"
    "  ecsflow convert image-detail examples/imageDetail.json --container web -o imagedefinitions.json\n"
    "  ecsflow convert image-definitions examples/imagedefinitions.json --container web",
)
def convert() -> None:
    pass


@convert.command(
    "image-detail",
    help="imageDetail.json -> imagedefinitions.json for the container NAME (the file has no container name).",
)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--container", required=True, help="Container name in the task definition.")
@_OUT
def image_detail(file: str, container: str, out: str | None) -> None:
    detail = parse_image_detail(read_input(file), file)
    definitions = image_detail_to_definitions(detail, container)
    emit(
        image_definitions_json(definitions),
        output_path=out,
        result={"type": "image-definitions"},
        document=[{"name": d.name, "imageUri": d.image_uri} for d in definitions],
    )


@convert.command(
    "image-definitions",
    help="imagedefinitions.json -> imageDetail.json (ImageURI only) for one container; "
    "--container is needed when the file lists several.",
)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--container", default=None, help="Which entry to take.")
@_OUT
def image_definitions(file: str, container: str | None, out: str | None) -> None:
    definitions = parse_image_definitions(read_input(file), file)
    detail = image_definitions_to_detail(definitions, container)
    emit(image_detail_json(detail), output_path=out, result={"type": "image-detail"}, document=detail.fields)
