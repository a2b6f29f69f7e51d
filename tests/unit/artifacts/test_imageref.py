from __future__ import annotations

import pytest

from ecsflow.artifacts.imageref import ImageRef, image_problem
from ecsflow.errors import ArtifactError

DIGEST = "sha256:" + "ab" * 32
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", None, "nginx", None, None),
        ("nginx:1.27", None, "nginx", "1.27", None),
        ("org/img", None, "org/img", None, None),
        ("quay.io/org/img:v1", "quay.io", "org/img", "v1", None),
        ("localhost:5000/app", "localhost:5000", "app", None, None),
        ("localhost/app:dev", "localhost", "app", "dev", None),
        ("registry.example.com:8443/team/app:1", "registry.example.com:8443", "team/app", "1", None),
        (f"{ECR}/web:v1", ECR, "web", "v1", None),
        (f"{ECR}/web@{DIGEST}", ECR, "web", None, DIGEST),
        (f"{ECR}/team/web:v1@{DIGEST}", ECR, "team/web", "v1", DIGEST),
        (f"web@{DIGEST}", None, "web", None, DIGEST),
    ],
)
def test_parse_and_round_trip(
    text: str, registry: str | None, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageRef.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    assert str(ref) == text
    assert image_problem(text) is None


def test_ecr_parts() -> None:
    ref = ImageRef.parse(f"{ECR}/team/web:v1")
    assert ref.is_ecr and ref.account == "123456789012" and ref.region == "us-east-1"
    assert ref.name == f"{ECR}/team/web"
    china = ImageRef.parse("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web")
    assert china.is_ecr and china.region == "cn-north-1"
    hub = ImageRef.parse("nginx")
    assert not hub.is_ecr and hub.account is None and hub.region is None


def test_helpers() -> None:
    ref = ImageRef.parse(f"{ECR}/web:v1")
    pinned = ref.with_digest(DIGEST)
    assert str(pinned) == f"{ECR}/web:v1@{DIGEST}"
    assert pinned.without_digest() == ref
    assert str(pinned.with_tag("v2")) == f"{ECR}/web:v2"
    assert ImageRef.parse("nginx").effective_tag == "latest"
    assert ImageRef.parse(f"nginx@{DIGEST}").effective_tag is None
    with pytest.raises(ArtifactError):
        ref.with_digest("sha256:abc")
    with pytest.raises(ArtifactError):
        ref.with_tag("-bad")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("nginx@sha512:" + "a" * 128, "sha256"),
        ("nginx@sha256:" + "a" * 63, "64 hex"),
        ("nginx@sha256:" + "g" * 64, "64 hex"),
        ("a@b@c", "more than one '@'"),
        ("@" + DIGEST, "no repository"),
        ("a" * 256, "at most 255"),
        ("nginx:latest!", "characters not allowed"),
        ("nginx: latest", "characters not allowed"),
        ("nginx:-x", "invalid tag"),
        ("a//b", "empty repository path component"),
        ("bad_host.:5000/app", "invalid registry host"),
    ],
)
def test_invalid(text: str, why: str) -> None:
    problem = image_problem(text)
    assert problem is not None and why in problem
    with pytest.raises(ArtifactError) as exc:
        ImageRef.parse(text, where="containerDefinitions[0].image")
    assert "containerDefinitions[0].image" in exc.value.message


def test_255_characters_before_the_digest_is_the_limit() -> None:
    name = "a" * 255
    assert image_problem(name) is None
    assert image_problem(f"{name}@{DIGEST}") is None  # the limit counts only what is before '@'
