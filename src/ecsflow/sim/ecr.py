"""ECR as AWS documents it: real digests, retag errors, and a helper to push an image.

Overrides of moto 5.2.5 (pinned by ``tests/sim/contracts/test_moto_ecr.py``):

* ``imageDigest`` is ``sha256:`` + the sha256 of the exact manifest bytes, for single
  manifests and for indexes / manifest lists (moto hashes the concatenated layer
  digests, or a random number when there are no layers). Source: the OCI image spec
  (content descriptors) and the ECR PutImage API reference.
* ``PutImage`` with an ``imageDigest`` that is not the manifest's digest fails with
  ``ImageDigestDoesNotMatchException`` (moto accepts it unchecked).
* Moving a tag in an immutable repository fails with ``ImageTagAlreadyExistsException``
  (moto answers ``ImageAlreadyExistsException``). Re-putting a tag on the digest it
  already names stays ``ImageAlreadyExistsException``, as AWS documents.
* ``imagePushedAt`` comes from the simulated clock.
"""

from __future__ import annotations

import functools
import hashlib
import json
from fnmatch import fnmatchcase
from typing import Any

from moto.core.exceptions import ServiceException

from ecsflow.sim.context import SimContext

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


class ImageTagAlreadyExistsException(ServiceException):
    code = "ImageTagAlreadyExistsException"


class ImageDigestDoesNotMatchException(ServiceException):
    code = "ImageDigestDoesNotMatchException"


def manifest_digest(manifest: str) -> str:
    return "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def _tag_is_immutable(repository: Any, tag: str) -> bool:
    mode = str(getattr(repository.image_tag_mutability, "value", repository.image_tag_mutability))
    filters = [f.get("filter", "") for f in repository.image_tag_mutability_exclusion_filters or []]
    # Exclusion filters are wildcard patterns (filterType WILDCARD) per the ECR API model.
    excluded = any(fnmatchcase(tag, pattern) for pattern in filters)
    if mode == "IMMUTABLE":
        return True
    if mode == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mode == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False


def install(ctx: SimContext) -> None:
    from moto.ecr import exceptions as ecr_exceptions
    from moto.ecr.models import ECRBackend, Image

    def _create_digest(self: Any) -> None:
        self._image_digest = manifest_digest(self.image_manifest)

    Image._create_digest = _create_digest  # type: ignore[method-assign]

    original_put_image = ECRBackend.put_image

    @functools.wraps(original_put_image)
    def put_image(
        self: Any,
        repository_name: str,
        image_manifest: str,
        image_tag: str,
        image_manifest_mediatype: str | None = None,
        digest: str | None = None,
    ) -> Any:
        repository = self.repositories.get(repository_name)
        if repository is None:
            raise ecr_exceptions.RepositoryNotFoundException(repository_name, self.account_id)
        real = manifest_digest(image_manifest)
        if digest and digest != real:
            raise ImageDigestDoesNotMatchException(
                f"Invalid parameter at 'imageDigest' failed to satisfy constraint: the digest {digest} "
                f"does not match the digest of the manifest ({real})"
            )
        if image_tag and _tag_is_immutable(repository, image_tag):
            for image in repository.images:
                if image_tag in image.image_tags and image.get_image_digest() != real:
                    raise ImageTagAlreadyExistsException(
                        f"The image tag '{image_tag}' already exists in the '{repository_name}' repository "
                        "and cannot be overwritten because the repository is immutable."
                    )
        known = {id(image) for image in repository.images}
        image = original_put_image(self, repository_name, image_manifest, image_tag, image_manifest_mediatype, real)
        if id(image) not in known:
            image.image_pushed_at = int(ctx.clock.now())
        return image

    ECRBackend.put_image = put_image  # type: ignore[method-assign]


def image_manifest(name: str, tag: str) -> tuple[str, str]:
    """A small, valid Docker v2 manifest whose layer and config depend only on name:tag.

    Returns (manifest, digest). The same name and tag always give the same digest.
    """
    layer = hashlib.sha256(f"layer {name}:{tag}".encode()).hexdigest()
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "config": {"Labels": {"image": f"{name}:{tag}"}}},
        sort_keys=True,
    )
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {
                "mediaType": DOCKER_CONFIG,
                "size": len(config),
                "digest": "sha256:" + hashlib.sha256(config.encode()).hexdigest(),
            },
            "layers": [{"mediaType": DOCKER_LAYER, "size": 1024, "digest": f"sha256:{layer}"}],
        },
        indent=3,
    )
    return manifest, manifest_digest(manifest)


def push_image(ecr: Any, repository: str, tag: str) -> str:
    """Push ``repository:tag`` through the ECR API (any endpoint); returns the image digest."""
    manifest, digest = image_manifest(repository, tag)
    response = ecr.put_image(
        repositoryName=repository, imageManifest=manifest, imageManifestMediaType=DOCKER_MANIFEST, imageTag=tag
    )
    return str(response["image"]["imageId"]["imageDigest"]) or digest
