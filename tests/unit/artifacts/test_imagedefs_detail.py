from __future__ import annotations

import json

import pytest

from ecsflow.artifacts.imagedefs import (
    MAX_BYTES,
    ImageDefinition,
    image_definitions_json,
    parse_image_definitions,
)
from ecsflow.artifacts.imagedetail import ImageDetail, image_detail_json, parse_image_detail
from ecsflow.errors import ArtifactError

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1"


def problems_of(fn, content: str | bytes, file: str) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ArtifactError) as exc:
        fn(content, file)
    return [str(p) for p in exc.value.problems]


def test_image_definitions_round_trip() -> None:
    defs = (ImageDefinition("web", URI), ImageDefinition("proxy", "envoyproxy/envoy:v1.31"))
    text = image_definitions_json(defs)
    assert json.loads(text) == [
        {"name": "web", "imageUri": URI},
        {"name": "proxy", "imageUri": "envoyproxy/envoy:v1.31"},
    ]
    assert parse_image_definitions(text) == defs


def test_image_definitions_every_problem() -> None:
    text = json.dumps(
        [
            {"name": "web", "imageUri": URI},
            {"name": "web", "imageUri": URI, "extra": 1},
            {"name": "x", "ImageURI": URI},
            {"name": 3, "imageUri": "bad image"},
            "web",
        ]
    )
    assert problems_of(parse_image_definitions, text, "imagedefinitions.json") == [
        "imagedefinitions.json: [1].extra: unknown field 'extra'",
        "imagedefinitions.json: [1].name: duplicate container name 'web' (also [0])",
        "imagedefinitions.json: [2].ImageURI: unknown field 'ImageURI'; imageDetail.json uses ImageURI, this file uses imageUri",  # noqa: E501
        "imagedefinitions.json: [2].imageUri: required field is missing",
        "imagedefinitions.json: [3].name: expected a non-empty string, got 3",
        "imagedefinitions.json: [3].imageUri: invalid image reference 'bad image': characters not allowed by ECS: ' '",
        'imagedefinitions.json: [4]: expected an object with name and imageUri, got "web"',
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[]", "the list is empty"),
        ('{"name": "web"}', "must be an array at the top level, got object"),
        ("name: web\n", "invalid JSON at line 1, column 1"),
        (b"[\xfe]", "not UTF-8 text"),
    ],
)
def test_image_definitions_whole_file_problems(content: str | bytes, expected: str) -> None:
    found = problems_of(parse_image_definitions, content, "imagedefinitions.json")
    assert any(expected in p for p in found), found


def test_image_definitions_100kb_limit() -> None:
    entry = {"name": "web", "imageUri": URI}
    big = json.dumps([entry]) + " " * MAX_BYTES
    found = problems_of(parse_image_definitions, big, "imagedefinitions.json")
    assert "CodePipeline reads at most 102400 (100 KB)" in found[0]


def test_image_detail_from_ecr_source() -> None:
    text = json.dumps(
        {
            "ImageSizeInBytes": "44728918",
            "ImageDigest": "sha256:" + "a" * 64,
            "Version": "1.0",
            "ImagePushedAt": "Mon Jan 21 20:04:00 UTC 2019",
            "RegistryId": "123456789012",
            "RepositoryName": "web",
            "ImageURI": URI,
            "ImageTags": ["latest", "v1"],
        }
    )
    detail = parse_image_detail(text)
    assert detail.image_uri == URI and detail.tags == ["latest", "v1"] and detail.digest == "sha256:" + "a" * 64
    assert json.loads(image_detail_json(detail)) == json.loads(text)
    assert parse_image_detail('{"ImageURI": "nginx"}') == ImageDetail("nginx", {"ImageURI": "nginx"})


def test_image_detail_every_problem() -> None:
    text = json.dumps({"ImageUri": URI, "ImageSizeInBytes": 44728918, "ImageTags": ["a", 1], "Version": 1.0})
    assert problems_of(parse_image_detail, text, "imageDetail.json") == [
        "imageDetail.json: ImageUri: unknown field 'ImageUri'; the image field is spelt ImageURI",
        "imageDetail.json: ImageSizeInBytes: expected string, got 44728918 (ECR writes it as a string)",
        "imageDetail.json: ImageTags[1]: expected string, got 1",
        "imageDetail.json: Version: expected string, got 1.0",
        "imageDetail.json: ImageURI: required field is missing",
    ]


def test_image_detail_top_level_and_values() -> None:
    assert "must be an object" in problems_of(parse_image_detail, "[]", "imageDetail.json")[0]
    found = problems_of(parse_image_detail, '{"ImageURI": "a@sha1:x", "ImageSizeInBytes": "12kb"}', "imageDetail.json")
    assert "invalid image reference" in found[0] and "expected a decimal number as text" in found[1]
