from __future__ import annotations

from pathlib import Path

import pytest
from render_golden import assert_golden

from ecsflow.artifacts.imagedefs import ImageDefinition, image_definitions_json, parse_image_definitions
from ecsflow.artifacts.imagedetail import image_detail_json, parse_image_detail
from ecsflow.errors import RenderError
from ecsflow.render.convert import image_definitions_to_detail, image_detail_to_definitions

EXAMPLES = Path(__file__).parents[3] / "examples"


def test_image_detail_to_image_definitions_golden() -> None:
    detail = parse_image_detail((EXAMPLES / "imageDetail.json").read_text())
    defs = image_detail_to_definitions(detail, "web")
    assert defs == (ImageDefinition("web", detail.image_uri),)
    assert_golden("imagedefinitions-from-imageDetail.json", image_definitions_json(defs))


def test_image_definitions_to_image_detail_golden() -> None:
    defs = parse_image_definitions((EXAMPLES / "imagedefinitions.json").read_text())
    detail = image_definitions_to_detail(defs)
    assert_golden("imageDetail-from-imagedefinitions.json", image_detail_json(detail))


def test_round_trip_keeps_the_uri() -> None:
    detail = parse_image_detail((EXAMPLES / "imageDetail.json").read_text())
    back = image_definitions_to_detail(image_detail_to_definitions(detail, "web"), "web")
    assert back.image_uri == detail.image_uri
    assert parse_image_detail(image_detail_json(back)) == back


@pytest.mark.parametrize(
    ("defs", "container", "message"),
    [
        ((ImageDefinition("a", "x"), ImageDefinition("b", "y")), None, "has 2 entries (a, b); choose one"),
        ((ImageDefinition("a", "x"),), "c", "container 'c' is not in imagedefinitions.json (entries: a)"),
        ((), None, "has 0 entries"),
    ],
)
def test_choosing_an_entry(defs: tuple[ImageDefinition, ...], container: str | None, message: str) -> None:
    with pytest.raises(RenderError) as exc:
        image_definitions_to_detail(defs, container)
    assert message in exc.value.message


def test_chosen_entry() -> None:
    defs = (ImageDefinition("a", "x"), ImageDefinition("b", "y:1"))
    assert image_definitions_to_detail(defs, "b").image_uri == "y:1"


def test_container_name_is_checked() -> None:
    detail = parse_image_detail('{"ImageURI": "nginx"}')
    with pytest.raises(RenderError):
        image_detail_to_definitions(detail, "bad name")
