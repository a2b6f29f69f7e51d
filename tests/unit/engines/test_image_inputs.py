"""Image inputs (--image, --tag, --image-detail) and tag pinning."""

from __future__ import annotations

import pytest
from engine_world import REGISTRY, body

from ecsflow.config import ServiceConfig
from ecsflow.engines.images import ImageInputs, apply_pins, images_for, pin_images
from ecsflow.errors import InputError, Problem
from fakes import FakeEcr

SVC = ServiceConfig(key="api", cluster="c", service="api", images={"web": f"{REGISTRY}/app"})


def run(inputs: ImageInputs, template: dict | None = None, svc: ServiceConfig = SVC):  # type: ignore[no-untyped-def, type-arg]
    problems: list[Problem] = []
    used: set[str] = set()
    out = images_for(svc, template or body("api"), inputs, used, problems)
    return out, problems, used


def test_image_and_tag() -> None:
    out, problems, used = run(ImageInputs(tag="v5"))
    assert out.images == (("web", f"{REGISTRY}/app:v5"),) and not problems
    out, problems, used = run(ImageInputs(images=(("web", "nginx:1"),), tag="v5"))
    assert out.images == (("web", "nginx:1"),) and used == {"web"}  # --image wins over --tag


def test_tag_without_configured_repositories_is_a_problem() -> None:
    _, problems, _ = run(ImageInputs(tag="v5"), svc=ServiceConfig(key="api", cluster="c", service="api"))
    assert problems and problems[0].path == "services.api.images"


def test_image_detail_fills_the_placeholder_then_the_matching_repository() -> None:
    template = body("api", "<IMAGE1_NAME>")
    out, problems, _ = run(ImageInputs(image_details=((None, f"{REGISTRY}/app@sha256:{'a' * 64}"),)), template)
    assert out.placeholders == {"IMAGE1_NAME": f"{REGISTRY}/app@sha256:{'a' * 64}"} and not problems
    out, problems, _ = run(ImageInputs(image_details=((None, f"{REGISTRY}/app:v7"),)))
    assert out.images == (("web", f"{REGISTRY}/app:v7"),)
    _, problems, _ = run(ImageInputs(image_details=(("nope", "x:1"),)))
    assert "nope" in problems[0].message


def test_pinning_one_call_per_repository_and_every_missing_tag_listed() -> None:
    ecr = FakeEcr()
    digest = ecr.push("app", "v1")
    bodies = {"a": body("a", f"{REGISTRY}/app:v1"), "b": body("b", f"{REGISTRY}/app:v1"), "c": body("c", "nginx:1")}
    pins, notes = pin_images(ecr, bodies)
    assert ecr.calls["BatchGetImage"] == 1
    assert pins["a"][0].pinned == f"{REGISTRY}/app:v1@{digest}"
    assert pins["c"][0].pinned == "nginx:1" and "not in Amazon ECR" in notes[0]
    assert apply_pins(bodies["a"], pins["a"])["containerDefinitions"][0]["image"] == pins["a"][0].pinned
    with pytest.raises(InputError) as err:
        pin_images(ecr, {"a": body("a", f"{REGISTRY}/app:v2"), "b": body("b", f"{REGISTRY}/app:v3")})
    assert len(err.value.problems) == 2
    assert "nothing was registered" in (err.value.hint or "")
