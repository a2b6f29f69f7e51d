"""The promotion engine over the real ECR adapter on the local AWS (BatchGetImage + PutImage)."""

from __future__ import annotations

import pytest
from deploy_project import calls, push

from ecsflow.aws import AwsClients, AwsSettings, EcrAdapter
from ecsflow.engines.promote import PromoteAction, PromotionRecord, promote, promotions
from ecsflow.errors import InputError, ResourceNotFound
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e


def adapter(aws: LocalAWS) -> EcrAdapter:
    return EcrAdapter(AwsClients(AwsSettings(region="us-east-1", endpoint_url=aws.endpoint_url)))


def digest_of(aws: LocalAWS, repository: str, tag: str) -> str:
    images = aws.client("ecr").batch_get_image(repositoryName=repository, imageIds=[{"imageTag": tag}])["images"]
    return str(images[0]["imageId"]["imageDigest"])


def test_retag_keeps_the_digest_without_pull_or_push(local_aws: LocalAWS, local_world: World) -> None:
    digest = push(local_aws, "v2")
    local_aws.reset_calls()
    result = promote(adapter(local_aws), "web:v2", "staging", record=PromotionRecord(commit="abc123", at=0))
    assert result.action is PromoteAction.CREATED
    assert result.digest == digest
    assert digest_of(local_aws, "web", "staging") == digest
    assert result.uri == f"web:staging@{digest}"
    made = calls(local_aws)
    # No layer is uploaded or downloaded: no InitiateLayerUpload, no GetDownloadUrlForLayer.
    assert made["ecr:PutImage"] == 1
    assert not any("Layer" in op for op in made)
    record = promotions(adapter(local_aws), "web")["staging"]
    assert record == {"digest": digest, "from": "v2", "at": "1970-01-01T00:00:00Z", "commit": "abc123"}


def test_same_tag_twice_is_a_no_op(local_aws: LocalAWS, local_world: World) -> None:
    push(local_aws, "v2")
    ecr = adapter(local_aws)
    promote(ecr, "web:v2", "staging")
    local_aws.reset_calls()
    again = promote(ecr, "web:v2", "staging")
    assert again.action is PromoteAction.UNCHANGED
    assert "ecr:PutImage" not in calls(local_aws)


def test_put_of_a_tag_already_on_the_digest_is_success(local_aws: LocalAWS, local_world: World) -> None:
    push(local_aws, "v2")
    ecr = adapter(local_aws)
    image = ecr.get_image("web", tag="v2")
    assert image is not None
    assert ecr.put_tag(image, "v2") is False  # ImageAlreadyExistsException


def test_moving_a_tag_needs_force(local_aws: LocalAWS, local_world: World) -> None:
    old = push(local_aws, "v1-build")
    new = push(local_aws, "v2")
    ecr = adapter(local_aws)
    promote(ecr, "web:v1-build", "staging")
    with pytest.raises(InputError, match="names another image") as err:
        promote(ecr, "web:v2", "staging")
    assert old in err.value.message and err.value.hint and "--force" in err.value.hint
    assert digest_of(local_aws, "web", "staging") == old
    moved = promote(ecr, "web:v2", "staging", force=True)
    assert (moved.action, moved.previous_digest) == (PromoteAction.MOVED, old)
    assert digest_of(local_aws, "web", "staging") == new


def test_immutable_repository_is_refused_even_with_force(local_aws: LocalAWS, local_world: World) -> None:
    local_aws.client("ecr").create_repository(repositoryName="locked", imageTagMutability="IMMUTABLE")
    first = push(local_aws, "a", "locked")
    push(local_aws, "b", "locked")
    ecr = adapter(local_aws)
    assert promote(ecr, "locked:a", "prod").action is PromoteAction.CREATED
    local_aws.reset_calls()
    with pytest.raises(InputError) as err:
        promote(ecr, "locked:b", "prod", force=True)
    assert "'locked'" in err.value.message and "'prod'" in err.value.message
    assert "immutable" in err.value.message and err.value.hint and "new tag" in err.value.hint
    assert "ecr:PutImage" not in calls(local_aws)
    assert digest_of(local_aws, "locked", "prod") == first


def test_digest_reference_and_dry_run(local_aws: LocalAWS, local_world: World) -> None:
    digest = push(local_aws, "v3")
    ecr = adapter(local_aws)
    planned = promote(ecr, f"{local_world.repository_uri}@{digest}", "test", dry_run=True)
    assert planned.dry_run and planned.action is PromoteAction.CREATED
    assert ecr.get_image("web", tag="test") is None
    done = promote(ecr, f"{local_world.repository_uri}@{digest}", "test")
    assert done.source_tag is None and digest_of(local_aws, "web", "test") == digest


def test_missing_source_is_not_found(local_aws: LocalAWS, local_world: World) -> None:
    with pytest.raises(ResourceNotFound, match="tag 'nope' not found in ECR repository 'web'"):
        promote(adapter(local_aws), "web:nope", "staging")


def test_api_calls_of_a_promotion(local_aws: LocalAWS, local_world: World) -> None:
    push(local_aws, "v1-build")
    push(local_aws, "v2")
    promote(adapter(local_aws), "web:v1-build", "staging")
    local_aws.reset_calls()
    promote(adapter(local_aws), "web:v2", "staging", force=True, record=PromotionRecord(commit="abc"))
    # source, current target, read-back; the repository described once (mutability and the
    # record's ARN); one PutImage; one TagResource for the record.
    assert calls(local_aws) == {
        "ecr:BatchGetImage": 3,
        "ecr:DescribeRepositories": 1,
        "ecr:PutImage": 1,
        "ecr:TagResource": 1,
    }
