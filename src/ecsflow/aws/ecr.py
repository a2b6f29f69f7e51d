"""ECR adapter: tag -> digest resolution (``ecsflow.ports.EcrPort``)."""

from __future__ import annotations

from collections.abc import Sequence

from ecsflow.aws.session import AwsClients

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
