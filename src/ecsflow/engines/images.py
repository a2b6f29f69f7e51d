"""Image inputs of a deploy, and pinning every ECR tag to its digest before registering.

Inputs (``ecsflow deploy``): ``--image CONTAINER=URI`` and imagedefinitions.json entries
(by container name), ``--tag TAG`` (applied to the repositories a service configures
under ``images:``), ``--image-detail [NAME=]FILE`` (a ``<NAME>`` placeholder, a container
of that name, or the container whose configured repository matches the ImageURI).

Pinning: every private-ECR image given by tag becomes ``repo:tag@sha256:…``. ECS itself
resolves tags at deployment start (``versionConsistency``, AWS-SEMANTICS.md §6.1), but the
revision keeps the tag, so a rollback or a promotion later may run another image. One
``BatchGetImage`` per repository resolves all its tags; a tag that does not exist stops
the deploy before anything is registered. Images outside ECR are kept as written
(ecsflow does not call other registries) and a note says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsflow.artifacts.imageref import ImageRef
from ecsflow.config import ServiceConfig
from ecsflow.errors import InputError, Problem
from ecsflow.plan import PinnedImage
from ecsflow.ports import EcrPort
from ecsflow.render.placeholders import ANGLE


@dataclass(frozen=True)
class ImageInputs:
    images: tuple[tuple[str, str], ...] = ()  # (container, image) from --image and imagedefinitions.json
    tag: str | None = None
    image_details: tuple[tuple[str | None, str], ...] = ()  # (placeholder or container, ImageURI)
    # --from-env: service key -> (container, image) that runs in the source environment
    per_service: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.images or self.tag or self.image_details or self.per_service)


@dataclass(frozen=True)
class ServiceImages:
    """What rendering gets for one service."""

    images: tuple[tuple[str, str], ...] = ()
    placeholders: Mapping[str, str] | None = None


def _containers(body: Mapping[str, Any]) -> list[str]:
    return [str(c.get("name")) for c in body.get("containerDefinitions") or () if isinstance(c, Mapping)]


def _placeholders(body: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(ANGLE.findall(value))
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body)
    return found


def _repository(uri: str) -> str:
    return uri.split("@", 1)[0].rsplit(":", 1)[0] if ":" in uri.rsplit("/", 1)[-1] else uri.split("@", 1)[0]


def images_for(
    svc: ServiceConfig, body: Mapping[str, Any], inputs: ImageInputs, used: set[str], problems: list[Problem]
) -> ServiceImages:
    """The image edits for one service. ``used`` collects the --image containers some service took,
    so a container no selected service has is reported (it is most likely a typo)."""
    containers = _containers(body)
    pairs: dict[str, str] = {}
    for container, image in inputs.per_service.get(svc.key, ()):
        if container in containers:
            pairs[container] = image
        else:
            problems.append(
                Problem(
                    f"container {container!r} runs in the source environment but is not in this task definition "
                    f"(containers: {', '.join(containers)})",
                    f"services.{svc.key}",
                )
            )
    for container, image in inputs.images:
        if container in containers:
            pairs[container] = image
            used.add(container)
    if inputs.tag:
        if not svc.images:
            problems.append(
                Problem(
                    "--tag needs the repositories of this service: add `images: {CONTAINER: REPOSITORY}`",
                    f"services.{svc.key}.images",
                )
            )
        for container, repository in svc.images.items():
            if container not in containers:
                problems.append(
                    Problem(
                        f"container {container!r} is not in the task definition (containers: {', '.join(containers)})",
                        f"services.{svc.key}.images.{container}",
                    )
                )
            elif container not in pairs:
                pairs[container] = f"{_repository(repository)}:{inputs.tag}"
    placeholders: dict[str, str] = {}
    names = _placeholders(body)
    for name, uri in inputs.image_details:
        if name is None:
            by_repo = [c for c, repo in svc.images.items() if _repository(repo) == _repository(uri)]
            if "IMAGE1_NAME" in names:
                placeholders["IMAGE1_NAME"] = uri
            elif len(by_repo) == 1:
                pairs.setdefault(by_repo[0], uri)
            elif len(containers) == 1:
                pairs.setdefault(containers[0], uri)
            else:
                problems.append(
                    Problem(
                        "cannot tell which container takes the imageDetail.json image: give "
                        "--image-detail CONTAINER=FILE or configure images: for the service",
                        f"services.{svc.key}",
                    )
                )
        elif name in names:
            placeholders[name] = uri
        elif name in containers:
            pairs.setdefault(name, uri)
        else:
            problems.append(
                Problem(
                    f"--image-detail {name}=…: no <{name}> placeholder and no container {name!r}", f"services.{svc.key}"
                )
            )
    return ServiceImages(tuple(pairs.items()), placeholders or None)


def pin_images(
    ecr: EcrPort, bodies: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, tuple[PinnedImage, ...]], list[str]]:
    """Resolve every ECR tag in ``bodies`` (service key -> rendered request) to its digest.

    Returns (service key -> pinned images, notes). Raises ``InputError`` listing every tag
    that does not exist, before anything is registered. One call per repository."""
    wanted: dict[tuple[str | None, str | None, str], set[str]] = {}
    refs: dict[tuple[str, str], ImageRef] = {}
    notes: list[str] = []
    for key, body in bodies.items():
        for container in body.get("containerDefinitions") or ():
            image = str(container.get("image", ""))
            ref = ImageRef.parse(image, where=f"{key}: containerDefinitions[{container.get('name')}].image")
            refs[(key, str(container.get("name")))] = ref
            if ref.digest:
                continue
            if not ref.is_ecr:
                notes.append(f"{key}: {image} is not in Amazon ECR: deployed by tag, not pinned to a digest")
                continue
            tag = ref.effective_tag or "latest"
            wanted.setdefault((ref.account, ref.region, ref.repository), set()).add(tag)
    digests: dict[tuple[str | None, str | None, str, str], str | None] = {}
    for (account, region, repository), tags in sorted(wanted.items(), key=lambda kv: str(kv[0])):
        found = ecr.resolve_tags(repository, sorted(tags), registry_id=account, region=region)
        for tag in tags:
            digests[(account, region, repository, tag)] = found.get(tag)
    problems: list[Problem] = []
    pinned: dict[str, list[PinnedImage]] = {key: [] for key in bodies}
    for (key, container), ref in refs.items():
        requested = str(ref)
        if ref.digest or not ref.is_ecr:
            pinned[key].append(PinnedImage(container, requested, requested))
            continue
        tag = ref.effective_tag or "latest"
        digest = digests.get((ref.account, ref.region, ref.repository, tag))
        if digest is None:
            problems.append(
                Problem(
                    f"tag {tag!r} does not exist in ECR repository {ref.repository!r} "
                    f"(account {ref.account}, {ref.region})",
                    f"containerDefinitions[{container}].image",
                    key,
                )
            )
            continue
        # `repo:tag@sha256:…` keeps the tag readable next to the pin. Whether ECS validation
        # accepts tag and digest together is [uncertain] (AWS-SEMANTICS.md §11.2); Docker and
        # containerd do, ECS hands the string to them, and the digest is what gets pulled.
        pinned[key].append(PinnedImage(container, requested, str(ref.with_tag(tag).with_digest(digest))))
    if problems:
        n = len(problems)
        raise InputError(
            f"{n} image tag{'s' * (n != 1)} not found in ECR",
            problems,
            hint="push the image first, or fix the tag; nothing was registered or deployed",
        )
    return {k: tuple(v) for k, v in pinned.items()}, notes


def apply_pins(body: Mapping[str, Any], pins: Sequence[PinnedImage]) -> dict[str, Any]:
    """A copy of ``body`` with every container's image replaced by its pinned form."""
    by_name = {p.container: p.pinned for p in pins}
    out = dict(body)
    out["containerDefinitions"] = [
        {**c, "image": by_name.get(str(c.get("name")), c.get("image"))} for c in body.get("containerDefinitions") or ()
    ]
    return out
