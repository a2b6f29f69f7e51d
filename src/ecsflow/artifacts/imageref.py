"""Image references as ECS accepts them in ``containerDefinitions[].image``.

Forms (AWS-SEMANTICS §8.2, §11.2): ``registry/repo:tag``, ``repo@sha256:<64 hex>``,
``repo:tag@sha256:…``, Docker Hub short names (``nginx``, ``org/img``), registries
with a port (``localhost:5000/app``). ECS limits: at most 255 characters before
``@`` from ``[A-Za-z0-9-_:./#]``; the only digest algorithm is ``sha256``.

Whether ECS accepts tag *and* digest together is not documented (AWS-SEMANTICS §11.2,
[uncertain]); Docker does, and ECS passes the string to the container runtime, so
``repo:tag@sha256:…`` is accepted here: it keeps the tag readable next to the pin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ecsflow.errors import ArtifactError, Problem

MAX_NAME_LENGTH = 255  # ECS: characters before "@"
_ALLOWED = re.compile(r"^[A-Za-z0-9\-_:./#]+$")
_DIGEST = re.compile(r"^sha256:[0-9a-fA-F]{64}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_COMPONENT = re.compile(r"^[A-Za-z0-9_#][A-Za-z0-9_.#-]*$")
_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$"
)
_ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference; ``str()`` gives it back in canonical form."""

    repository: str
    registry: str | None = None
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str, *, where: str = "image") -> ImageRef:
        """Parse ``text`` or raise ``ArtifactError`` naming ``where`` and what is wrong."""
        result = _parse(text)
        if isinstance(result, str):
            raise ArtifactError(
                f"{where}: invalid image reference {text!r}: {result}",
                [Problem(f"invalid image reference {text!r}: {result}", "", where)],
                hint="Use registry/repository:tag or registry/repository@sha256:<64 hex digits>.",
            )
        return result

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    @property
    def name(self) -> str:
        """``registry/repository`` (or just the repository for Docker Hub)."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def is_ecr(self) -> bool:
        """A private Amazon ECR registry (``<account>.dkr.ecr.<region>.amazonaws.com``)."""
        return self.registry is not None and _ECR_HOST.match(self.registry) is not None

    @property
    def account(self) -> str | None:
        match = _ECR_HOST.match(self.registry or "")
        return match.group(1) if match else None

    @property
    def region(self) -> str | None:
        match = _ECR_HOST.match(self.registry or "")
        return match.group(2) if match else None

    @property
    def effective_tag(self) -> str | None:
        """The tag a pull resolves: the given one, ``latest`` when neither tag nor digest is given."""
        if self.tag or self.digest:
            return self.tag
        return "latest"

    def with_digest(self, digest: str) -> ImageRef:
        """Pin to ``digest`` (the tag, if any, stays for readers)."""
        if not _DIGEST.match(digest):
            raise ArtifactError(f"invalid image digest {digest!r}: expected sha256: followed by 64 hex digits")
        return replace(self, digest=digest)

    def without_digest(self) -> ImageRef:
        return replace(self, digest=None)

    def with_tag(self, tag: str) -> ImageRef:
        if not _TAG.match(tag):
            raise ArtifactError(f"invalid image tag {tag!r}: up to 128 of [A-Za-z0-9_.-], not starting with . or -")
        return replace(self, tag=tag, digest=None)


def image_problem(text: str) -> str | None:
    """Why ``text`` is not an image reference ECS accepts, or None when it is fine."""
    result = _parse(text)
    return result if isinstance(result, str) else None


def _parse(text: str) -> ImageRef | str:
    if not isinstance(text, str) or not text:
        return "empty"
    name, at, digest = text.partition("@")
    if at:
        if "@" in digest:
            return "more than one '@'"
        if not _DIGEST.match(digest):
            return "the digest must be sha256: followed by exactly 64 hex digits (the only algorithm ECS supports)"
    if not name:
        return "no repository before '@'"
    if len(name) > MAX_NAME_LENGTH:
        return f"{len(name)} characters before the digest; ECS allows at most {MAX_NAME_LENGTH}"
    if not _ALLOWED.match(name):
        bad = sorted({c for c in name if not re.match(r"[A-Za-z0-9\-_:./#]", c)})
        return f"characters not allowed by ECS: {''.join(bad)!r}"
    slash = name.rfind("/")
    tag: str | None = None
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.match(tag):
            return f"invalid tag {tag!r}: up to 128 of [A-Za-z0-9_.-], not starting with . or -"
    parts = name.split("/")
    registry: str | None = None
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts.pop(0)
        if not _HOST.match(registry):
            return f"invalid registry host {registry!r}"
    for part in parts:
        if not _COMPONENT.match(part):
            return f"invalid repository path component {part!r}" if part else "empty repository path component"
    return ImageRef(repository="/".join(parts), registry=registry, tag=tag, digest=digest or None)
