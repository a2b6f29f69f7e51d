"""ECR adapter: tag -> digest resolution (``ecsflow.ports.EcrPort``) and retagging for
promotion (``ecsflow.ports.EcrRetagPort``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecsflow.aws.session import AwsClients
from ecsflow.errors import AwsError, OperationFailed, ResourceNotFound
from ecsflow.ports import EcrImage, TagMutability

BATCH_GET_IMAGE_MAX = 100  # imageIds per BatchGetImage call (AWS-SEMANTICS.md §11.1)
# Ask for every manifest type so multi-arch images (index / manifest list) resolve to the
# index digest, which is what `docker pull repo@digest` and ECS use.
_MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v1+json",
]


class EcrAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients
        self._repositories: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}

    def resolve_tags(
        self, repository: str, tags: Sequence[str], *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str | None]:
        # BatchGetImage reports a missing tag in `failures` instead of raising, so one call
        # resolves every tag of a repository and still says precisely which ones are missing.
        out: dict[str, str | None] = dict.fromkeys(tags)
        unique = list(dict.fromkeys(tags))
        for i in range(0, len(unique), BATCH_GET_IMAGE_MAX):
            batch = unique[i : i + BATCH_GET_IMAGE_MAX]
            kwargs: dict[str, object] = {
                "repositoryName": repository,
                "imageIds": [{"imageTag": t} for t in batch],
                "acceptedMediaTypes": _MEDIA_TYPES,
            }
            if registry_id:
                kwargs["registryId"] = registry_id
            response = self._aws.call("ecr", "batch_get_image", region=region, **kwargs)
            for image in response.get("images") or ():
                ident = image.get("imageId") or {}
                if ident.get("imageTag") in out and ident.get("imageDigest"):
                    out[ident["imageTag"]] = str(ident["imageDigest"])
        return out

    # --- retagging (promotion): BatchGetImage + PutImage, no pull or push (AWS-SEMANTICS.md §11.1)

    def get_image(
        self,
        repository: str,
        *,
        tag: str | None = None,
        digest: str | None = None,
        registry_id: str | None = None,
        region: str | None = None,
    ) -> EcrImage | None:
        ident = {"imageDigest": digest} if digest else {"imageTag": tag or "latest"}
        kwargs: dict[str, object] = {
            "repositoryName": repository,
            "imageIds": [ident],
            "acceptedMediaTypes": _MEDIA_TYPES,
        }
        if registry_id:
            kwargs["registryId"] = registry_id
        response = self._aws.call("ecr", "batch_get_image", region=region, **kwargs)
        for image in response.get("images") or ():
            manifest = image.get("imageManifest")
            found = (image.get("imageId") or {}).get("imageDigest")
            if manifest is not None and found:
                return EcrImage(
                    repository=repository,
                    digest=str(found),
                    manifest=str(manifest),
                    media_type=image.get("imageManifestMediaType"),
                    registry_id=str(image.get("registryId") or registry_id or "") or None,
                    region=region,
                )
        # A missing tag or digest is a `failures[]` entry (ImageNotFound), not an exception.
        return None

    def put_tag(self, image: EcrImage, tag: str) -> bool:
        kwargs: dict[str, object] = {
            "repositoryName": image.repository,
            # Byte for byte: any reformatting would change the digest (a different image).
            "imageManifest": image.manifest,
            "imageTag": tag,
            # With imageDigest, ECR itself checks that the manifest is the one we read
            # (ImageDigestDoesNotMatchException otherwise).
            "imageDigest": image.digest,
        }
        if image.media_type:
            kwargs["imageManifestMediaType"] = image.media_type
        if image.registry_id:
            kwargs["registryId"] = image.registry_id
        try:
            response = self._aws.call("ecr", "put_image", region=image.region, **kwargs)
        except AwsError as exc:
            if exc.code == "ImageAlreadyExistsException":
                return False  # the tag already names this digest: nothing to do
            raise
        put = ((response.get("image") or {}).get("imageId") or {}).get("imageDigest")
        if put and put != image.digest:
            raise OperationFailed(
                f"ECR stored {image.repository}:{tag} as {put}, not {image.digest}",
                hint="the registry changed the manifest; check the repository's settings before deploying this tag",
            )
        return True

    def _describe_repository(self, repository: str, registry_id: str | None, region: str | None) -> dict[str, Any]:
        # Once per repository and run: its ARN and tag mutability do not change during a promotion.
        key = (repository, registry_id, region)
        if key in self._repositories:
            return self._repositories[key]
        kwargs: dict[str, object] = {"repositoryNames": [repository]}
        if registry_id:
            kwargs["registryId"] = registry_id
        response = self._aws.call("ecr", "describe_repositories", region=region, **kwargs)
        repos = response.get("repositories") or []
        if not repos:
            raise ResourceNotFound(f"ECR repository {repository!r} not found", operation="ecr:DescribeRepositories")
        found: dict[str, Any] = repos[0]
        self._repositories[key] = found
        return found

    def tag_mutability(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> TagMutability:
        repo = self._describe_repository(repository, registry_id, region)
        filters = repo.get("imageTagMutabilityExclusionFilters") or ()
        return TagMutability(
            mode=str(repo.get("imageTagMutability") or "MUTABLE"),
            exclusions=tuple(str(f.get("filter", "")) for f in filters if f.get("filter")),
        )

    def read_repository_tags(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str]:
        arn = self._describe_repository(repository, registry_id, region)["repositoryArn"]
        response = self._aws.call("ecr", "list_tags_for_resource", region=region, resourceArn=arn)
        return {str(t["Key"]): str(t.get("Value", "")) for t in response.get("tags") or ()}

    def write_repository_tags(
        self, repository: str, tags: Mapping[str, str], *, registry_id: str | None = None, region: str | None = None
    ) -> None:
        arn = self._describe_repository(repository, registry_id, region)["repositoryArn"]
        pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
        self._aws.call("ecr", "tag_resource", region=region, resourceArn=arn, tags=pairs)
