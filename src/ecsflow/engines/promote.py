"""Promotion: put a new tag on an image in ECR without pull or push, and record it.

``promote(ecr, "web:v42", "staging")`` reads the image's manifest with ``BatchGetImage``
and sends it back unchanged with ``PutImage`` under the new tag (AWS-SEMANTICS.md
§11.1), so the digest stays the same; ECR checks it (``imageDigest`` is sent along) and
ecsflow reads the tag back to prove it.

* the tag already names this digest: nothing to do (``ImageAlreadyExistsException`` is
  success, and ecsflow does not even call PutImage when it can see it);
* the tag names another digest: moved only with ``force``; a repository whose tags are
  immutable (``IMMUTABLE``, or ``*_WITH_EXCLUSION`` filters that make this tag
  immutable) cannot move it at all: an error naming the repository and the tag, before
  any change (and ``ImageTagAlreadyExistsException`` is reported the same way);
* ``dry_run``: the same checks, no change.

Record: each promotion writes a tag on the ECR *repository*,
``ecsflow:promoted:<tag>`` = ``<digest> from=<source tag> at=<UTC time> commit=<sha>``.
Image tags cannot carry metadata, and a repository tag lives in AWS next to the image,
so it survives any CI; it needs ``ecr:TagResource``, and a promotion whose record cannot
be written still succeeds, with a warning.

``promote_running`` promotes what runs in an environment's services (``ecsflow.engines.running``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase

from ecsflow.artifacts.imageref import ImageRef
from ecsflow.engines.running import ServiceTarget, running_services
from ecsflow.errors import AwsAccessError, AwsError, InputError, OperationFailed, Problem, ResourceNotFound
from ecsflow.events import EventSink, Message, null_sink
from ecsflow.ports import Clock, EcrImage, EcrRetagPort, EcsPort, SystemClock, TagMutability

RECORD_PREFIX = "ecsflow:promoted:"
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.:/=+\-@]")  # ECR resource tag values


class PromoteAction(StrEnum):
    CREATED = "created"  # the tag did not exist
    MOVED = "moved"  # the tag named another digest (--force)
    UNCHANGED = "unchanged"  # the tag already named this digest


@dataclass(frozen=True)
class PromotionRecord:
    """Who promoted, from which commit and environment (written on the repository)."""

    commit: str | None = None
    actor: str | None = None
    at: float | None = None
    source_env: str | None = None


@dataclass(frozen=True)
class PromotionResult:
    repository: str
    registry: str | None  # registry host, when the source named one
    digest: str
    source: str  # the image as given (or as it runs)
    source_tag: str | None
    to_tag: str
    action: PromoteAction
    previous_digest: str | None = None  # what the tag named before, when it existed
    dry_run: bool = False
    service: str | None = None  # --from-env: the service key, and the container
    container: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def uri(self) -> str:
        """The promoted image, tag and digest: ``registry/repo:to_tag@sha256:…``."""
        name = f"{self.registry}/{self.repository}" if self.registry else self.repository
        return f"{name}:{self.to_tag}@{self.digest}"

    def describe(self) -> str:
        short = self.digest[:19] + "…"
        if self.action is PromoteAction.UNCHANGED:
            return f"{self.repository}:{self.to_tag} already names {short}: nothing to do"
        verb = {PromoteAction.CREATED: "tag", PromoteAction.MOVED: "move"}[self.action]
        would = "would " if self.dry_run else ""
        moved = f" (was {self.previous_digest[:19]}…)" if self.previous_digest else ""
        return f"{would}{verb} {self.repository}:{self.to_tag} → {short} from {self.source}{moved}"


def tag_is_immutable(mutability: TagMutability, tag: str) -> bool:
    """Whether ECR refuses to move ``tag``: the mode, and wildcard exclusion filters (§11.1)."""
    excluded = any(fnmatchcase(tag, pattern) for pattern in mutability.exclusions)
    if mutability.mode == "IMMUTABLE":
        return True
    if mutability.mode == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mutability.mode == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False


def _immutable_error(repository: str, tag: str, current: str | None, digest: str) -> InputError:
    was = f" (it names {current})" if current else ""
    return InputError(
        f"ECR repository {repository!r} has immutable tags: tag {tag!r} already exists{was} and cannot be moved "
        f"to {digest}",
        [Problem(f"tag {tag!r} is immutable", "--to-tag", repository)],
        hint=(
            "promote to a new tag (e.g. one per release), or allow moving this tag: "
            "`aws ecr put-image-tag-mutability` with MUTABLE or an exclusion filter for it; nothing was changed"
        ),
    )


def record_value(result: PromotionResult, record: PromotionRecord) -> str:
    parts = [result.digest, f"from={result.source_tag or '-'}"]
    if record.source_env:
        parts.append(f"env={record.source_env}")
    if record.at is not None:
        parts.append("at=" + datetime.fromtimestamp(record.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if record.commit:
        parts.append(f"commit={record.commit[:40]}")
    if record.actor:
        parts.append(f"by={record.actor}")
    return _UNSAFE.sub("_", " ".join(parts))[:256]


def parse_record(value: str) -> dict[str, str]:
    """The fields of a promotion record tag value (``digest`` plus ``from``, ``env``, ``at``, …)."""
    words = value.split()
    out = {"digest": words[0]} if words else {}
    for word in words[1:]:
        key, sep, val = word.partition("=")
        if sep:
            out[key] = val
    return out


def promote(
    ecr: EcrRetagPort,
    image: str | ImageRef,
    to_tag: str,
    *,
    force: bool = False,
    dry_run: bool = False,
    record: PromotionRecord | None = None,
    sink: EventSink = null_sink,
    clock: Clock | None = None,
    service: str | None = None,
    container: str | None = None,
) -> PromotionResult:
    """Retag ``image`` (``repo:tag``, ``repo@sha256:…``, or a full ECR URI) as ``to_tag``."""
    now = (clock or SystemClock()).now()
    ref = image if isinstance(image, ImageRef) else ImageRef.parse(image, where="IMAGE")
    given = str(ref)
    if not _TAG.match(to_tag):
        raise InputError(
            f"--to-tag {to_tag!r} is not a valid image tag",
            [Problem("up to 128 of [A-Za-z0-9_.-], not starting with . or -", "--to-tag")],
        )
    if ref.registry is not None and not ref.is_ecr:
        raise InputError(
            f"{given} is not in Amazon ECR: promotion retags images in ECR",
            [Problem(f"registry {ref.registry!r} is not <account>.dkr.ecr.<region>.amazonaws.com", "IMAGE")],
            hint="give an ECR repository (repo:tag, repo@sha256:…, or its full URI)",
        )
    where = {"registry_id": ref.account, "region": ref.region}
    source = ecr.get_image(ref.repository, tag=ref.effective_tag, digest=ref.digest, **where)
    if source is None:
        what = f"digest {ref.digest}" if ref.digest else f"tag {ref.effective_tag!r}"
        raise ResourceNotFound(
            f"{what} not found in ECR repository {ref.repository!r}",
            operation="ecr:BatchGetImage",
            hint="check the image, the region and the account (`aws ecr describe-images`); nothing was changed",
        )
    source = EcrImage(
        source.repository, source.digest, source.manifest, source.media_type, source.registry_id, ref.region
    )
    current = ecr.get_image(ref.repository, tag=to_tag, **where)

    def result(action: PromoteAction, previous: str | None = None) -> PromotionResult:
        return PromotionResult(
            repository=ref.repository,
            registry=ref.registry,
            digest=source.digest,
            source=given,
            source_tag=ref.tag,
            to_tag=to_tag,
            action=action,
            previous_digest=previous,
            dry_run=dry_run,
            service=service,
            container=container,
        )

    if current is not None and current.digest == source.digest:
        done = result(PromoteAction.UNCHANGED)
        sink(Message(now, service, done.describe()))
        return done
    action = PromoteAction.CREATED
    if current is not None:
        try:
            immutable = tag_is_immutable(ecr.tag_mutability(ref.repository, **where), to_tag)
        except AwsAccessError:
            immutable = False  # not allowed to read it: PutImage still refuses an immutable tag
        if immutable:
            raise _immutable_error(ref.repository, to_tag, current.digest, source.digest)
        if not force:
            raise InputError(
                f"tag {to_tag!r} in ECR repository {ref.repository!r} names another image ({current.digest})",
                [Problem(f"moving it to {source.digest} needs --force", "--to-tag", ref.repository)],
                hint="add --force to move the tag (the other image keeps its other tags); nothing was changed",
            )
        action = PromoteAction.MOVED
    planned = result(action, current.digest if current else None)
    if dry_run:
        sink(Message(now, service, planned.describe()))
        return planned
    try:
        changed = ecr.put_tag(source, to_tag)
    except AwsError as exc:
        if exc.code == "ImageTagAlreadyExistsException":
            raise _immutable_error(ref.repository, to_tag, current.digest if current else None, source.digest) from exc
        raise
    if not changed:
        planned = result(PromoteAction.UNCHANGED)
    check = ecr.get_image(ref.repository, tag=to_tag, **where)
    if check is None or check.digest != source.digest:
        raise OperationFailed(
            f"after PutImage, {ref.repository}:{to_tag} names {check.digest if check else 'nothing'}, "
            f"not {source.digest}",
            hint="someone else moved the tag at the same time; promote again",
        )
    sink(Message(now, service, planned.describe()))
    if record is not None and planned.action is not PromoteAction.UNCHANGED:
        _write_record(ecr, ref, planned, record, sink, now)
    return planned


def _write_record(
    ecr: EcrRetagPort, ref: ImageRef, result: PromotionResult, record: PromotionRecord, sink: EventSink, now: float
) -> None:
    try:
        ecr.write_repository_tags(
            ref.repository,
            {f"{RECORD_PREFIX}{result.to_tag}"[:128]: record_value(result, record)},
            registry_id=ref.account,
            region=ref.region,
        )
    except AwsError as exc:
        sink(
            Message(
                now,
                result.service,
                f"promotion done, but its record was not written on {ref.repository} ({exc.message}); "
                "allow ecr:TagResource to keep promotion records",
                "warning",
            )
        )


def promotions(
    ecr: EcrRetagPort, repository: str, *, registry_id: str | None = None, region: str | None = None
) -> dict[str, dict[str, str]]:
    """The promotion records of a repository: tag -> fields (``digest``, ``from``, ``at``, …)."""
    tags = ecr.read_repository_tags(repository, registry_id=registry_id, region=region)
    return {k[len(RECORD_PREFIX) :]: parse_record(v) for k, v in tags.items() if k.startswith(RECORD_PREFIX)}


def promote_running(
    ecs: EcsPort,
    ecr: EcrRetagPort,
    targets: Sequence[ServiceTarget],
    to_tag: str,
    *,
    env: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    record: PromotionRecord | None = None,
    sink: EventSink = null_sink,
    clock: Clock | None = None,
) -> list[PromotionResult]:
    """Promote the exact digests that run in ``targets`` (one environment's services).

    Every service is checked first (settled, every ECR image pinned to a digest); images
    outside ECR are skipped with a note. One image used by several containers is tagged once."""
    running = running_services(ecs, targets, env=env)
    out: list[PromotionResult] = []
    seen: dict[tuple[str | None, str, str], PromotionResult] = {}
    now = (clock or SystemClock()).now()
    for svc in running:
        for note in svc.notes:
            sink(Message(now, svc.key, note, "warning"))
        for img in svc.images:
            ref = img.ref
            if not ref.is_ecr or img.digest is None:
                continue
            key = (ref.registry, ref.repository, img.digest)
            if key in seen:
                continue
            seen[key] = promote(
                ecr,
                ref,
                to_tag,
                force=force,
                dry_run=dry_run,
                record=record,
                sink=sink,
                clock=clock,
                service=svc.key,
                container=img.container,
            )
            out.append(seen[key])
    if not out:
        raise InputError(
            "no ECR image runs in " + (f"environment {env!r}" if env else "these services"),
            [Problem("nothing to promote", t.key) for t in targets],
            hint="promotion retags images in Amazon ECR",
        )
    return out
