"""Round trips: what ecsflow writes, it reads back unchanged (hypothesis, deterministic)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsflow.artifacts.imagedefs import ImageDefinition, image_definitions_json, parse_image_definitions
from ecsflow.artifacts.imagedetail import ImageDetail, image_detail_json, parse_image_detail
from ecsflow.artifacts.imageref import ImageRef
from ecsflow.artifacts.loader import load_document
from ecsflow.artifacts.serialize import dump_yaml

ROUND_TRIP = settings(max_examples=20, derandomize=True, deadline=None, database=None)

component = st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,6})?", fullmatch=True)
refs = st.builds(
    ImageRef,
    repository=st.lists(component, min_size=1, max_size=3).map("/".join),
    registry=st.none()
    | st.just("123456789012.dkr.ecr.us-east-1.amazonaws.com")
    | st.just("localhost:5000")
    | st.just("quay.io"),
    tag=st.none() | st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    digest=st.none() | st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True),
)
names = st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)


@ROUND_TRIP
@given(ref=refs)
def test_image_ref_str_and_parse(ref: ImageRef) -> None:
    assert ImageRef.parse(str(ref)) == ref


@ROUND_TRIP
@given(entries=st.dictionaries(names, refs.map(str), min_size=1, max_size=3))
def test_image_definitions(entries: dict[str, str]) -> None:
    defs = tuple(ImageDefinition(n, u) for n, u in entries.items())
    assert parse_image_definitions(image_definitions_json(defs)) == defs


@ROUND_TRIP
@given(uri=refs.map(str), tags=st.lists(names, max_size=3), size=st.integers(0, 10**10).map(str))
def test_image_detail(uri: str, tags: list[str], size: str) -> None:
    detail = ImageDetail(uri, {"ImageURI": uri, "ImageTags": tags, "ImageSizeInBytes": size})
    assert parse_image_detail(image_detail_json(detail)) == detail


@ROUND_TRIP
@given(text=st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True))
def test_yaml_numbers_are_written_as_read(text: str) -> None:
    doc = load_document(f"v: {text}\n", "a.yaml")
    assert dump_yaml(doc.data) == f"v: {text}\n"
