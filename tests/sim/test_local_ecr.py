"""ECR: real digests, retag by BatchGetImage + PutImage, AWS's retag errors."""

from __future__ import annotations

import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.ecr import DOCKER_MANIFEST, image_manifest, push_image

OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _index(n: int) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "size": 500 + n,
                    "digest": sha256(f"child {n}"),
                    "platform": {"architecture": "arm64", "os": "linux"},
                }
            ],
        }
    )


def test_digest_is_sha256_of_the_exact_manifest(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="web")
    manifest, expected = image_manifest("web", "v1")
    image = ecr.put_image(repositoryName="web", imageManifest=manifest, imageTag="v1")["image"]
    assert image["imageId"]["imageDigest"] == expected == sha256(manifest)
    detail = ecr.describe_images(repositoryName="web")["imageDetails"][0]
    assert detail["imageDigest"] == expected


def test_index_digests_are_real_and_distinct(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="multi")
    digests = []
    for n in range(6):
        manifest = _index(n)
        image = ecr.put_image(
            repositoryName="multi", imageManifest=manifest, imageManifestMediaType=OCI_INDEX, imageTag=f"t{n}"
        )["image"]
        assert image["imageId"]["imageDigest"] == sha256(manifest)
        digests.append(image["imageId"]["imageDigest"])
    assert len(set(digests)) == 6


def test_retag_keeps_the_digest(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="web")
    digest = push_image(ecr, "web", "abc123")
    got = ecr.batch_get_image(repositoryName="web", imageIds=[{"imageTag": "abc123"}])
    source = got["images"][0]
    retagged = ecr.put_image(
        repositoryName="web",
        imageManifest=source["imageManifest"],
        imageManifestMediaType=source["imageManifestMediaType"],
        imageTag="staging",
    )["image"]
    assert retagged["imageId"]["imageDigest"] == digest
    detail = ecr.describe_images(repositoryName="web", imageIds=[{"imageDigest": digest}])["imageDetails"][0]
    assert sorted(detail["imageTags"]) == ["abc123", "staging"]


def test_missing_tag_is_a_failure_not_an_exception(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="web")
    got = ecr.batch_get_image(repositoryName="web", imageIds=[{"imageTag": "nope"}])
    assert got["images"] == []
    assert got["failures"][0]["failureCode"] == "ImageNotFound"


def test_same_tag_same_digest_is_image_already_exists(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="web")
    push_image(ecr, "web", "v1")
    manifest, _ = image_manifest("web", "v1")
    with pytest.raises(ClientError) as caught:
        ecr.put_image(repositoryName="web", imageManifest=manifest, imageTag="v1")
    assert caught.value.response["Error"]["Code"] == "ImageAlreadyExistsException"


def test_immutable_repository_refuses_to_move_a_tag(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="prod", imageTagMutability="IMMUTABLE")
    push_image(ecr, "prod", "v1")
    other, _ = image_manifest("prod", "v2")
    with pytest.raises(ClientError) as caught:
        ecr.put_image(repositoryName="prod", imageManifest=other, imageManifestMediaType=DOCKER_MANIFEST, imageTag="v1")
    assert caught.value.response["Error"]["Code"] == "ImageTagAlreadyExistsException"
    assert "'v1'" in caught.value.response["Error"]["Message"]
    assert "immutable" in caught.value.response["Error"]["Message"]


def test_mutable_repository_moves_the_tag(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="web")
    first = push_image(ecr, "web", "latest")
    moved, digest = image_manifest("web", "other")
    ecr.put_image(repositoryName="web", imageManifest=moved, imageTag="latest")
    detail = ecr.describe_images(repositoryName="web", imageIds=[{"imageTag": "latest"}])["imageDetails"][0]
    assert detail["imageDigest"] == digest != first


def test_immutable_with_exclusion_lets_excluded_tags_move(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(
        repositoryName="mixed",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest*"}],
    )
    push_image(ecr, "mixed", "latest")
    push_image(ecr, "mixed", "v1")
    other, digest = image_manifest("mixed", "new")
    ecr.put_image(repositoryName="mixed", imageManifest=other, imageTag="latest")  # excluded: moves
    moved = ecr.describe_images(repositoryName="mixed", imageIds=[{"imageTag": "latest"}])["imageDetails"][0]
    assert moved["imageDigest"] == digest
    with pytest.raises(ClientError) as caught:
        ecr.put_image(repositoryName="mixed", imageManifest=other, imageTag="v1")
    assert caught.value.response["Error"]["Code"] == "ImageTagAlreadyExistsException"


def test_digest_parameter_must_match(local_aws: LocalAWS) -> None:
    ecr = local_aws.client("ecr")
    ecr.create_repository(repositoryName="web")
    manifest, _ = image_manifest("web", "v1")
    with pytest.raises(ClientError) as caught:
        ecr.put_image(repositoryName="web", imageManifest=manifest, imageTag="v1", imageDigest=sha256("other"))
    assert caught.value.response["Error"]["Code"] == "ImageDigestDoesNotMatchException"


def test_put_image_into_a_missing_repository(local_aws: LocalAWS) -> None:
    manifest, _ = image_manifest("web", "v1")
    with pytest.raises(ClientError) as caught:
        local_aws.client("ecr").put_image(repositoryName="missing", imageManifest=manifest, imageTag="v1")
    assert caught.value.response["Error"]["Code"] == "RepositoryNotFoundException"
