"""Deploy records: what ecsflow registered, written as tags on the task definition revision.

``history``, ``status`` and ``rollback`` read them back with ``read_record``, so no
extra store is needed. Tag rules (ECS TagResource): keys ≤ 128, values ≤ 256 characters
of letters, digits, spaces and ``_ . : / = + - @``; at most 50 tags per resource, so
ecsflow writes at most ``10 + containers`` (≤ 20) and keeps the user's own tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

PREFIX = "ecsflow:"
IMAGE_PREFIX = f"{PREFIX}image:"
MAX_TAGS = 50
_VALUE_MAX = 256
_KEY_MAX = 128
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.:/=+\-@]")


@dataclass(frozen=True)
class DeployRecord:
    """Who registered a revision, from what, and which exact images it pins."""

    commit: str | None = None
    actor: str | None = None
    at: float | None = None
    source: str | None = None  # template file (or "service:<arn>" / "latest:<arn>" for other bases)
    environment: str | None = None
    services: tuple[str, ...] = ()  # keys in ecsflow.yml the revision was registered for
    images: tuple[tuple[str, str], ...] = ()  # (container, image as registered)
    tool_version: str | None = None
    promoted_from: str | None = None  # deploy --from-env: the environment whose digests were deployed


def _clean(value: str, limit: int = _VALUE_MAX) -> str:
    return _UNSAFE.sub("_", value)[:limit]


def record_tags(record: DeployRecord) -> dict[str, str]:
    """The tags that store ``record``."""
    tags: dict[str, str] = {}
    if record.commit:
        tags[f"{PREFIX}commit"] = _clean(record.commit)
    if record.actor:
        tags[f"{PREFIX}actor"] = _clean(record.actor)
    if record.at is not None:
        tags[f"{PREFIX}at"] = datetime.fromtimestamp(record.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if record.source:
        # Keep the end of a long path: the file name says more than the folders.
        tags[f"{PREFIX}source"] = _clean(record.source[-_VALUE_MAX:])
    if record.environment:
        tags[f"{PREFIX}env"] = _clean(record.environment)
    if record.services:
        tags[f"{PREFIX}services"] = _clean(" ".join(record.services))
    if record.tool_version:
        tags[f"{PREFIX}version"] = _clean(record.tool_version)
    if record.promoted_from:
        tags[f"{PREFIX}from-env"] = _clean(record.promoted_from)
    if record.environment or record.promoted_from:
        key, value = deployment_tag(record)
        tags[key] = value
    for container, image in record.images:
        key = _clean(f"{IMAGE_PREFIX}{container}", _KEY_MAX)
        # A too-long reference keeps its digest, the part that identifies the image.
        tags[key] = image if len(image) <= _VALUE_MAX else image[-_VALUE_MAX:]
    return tags


UserTags = Sequence[Mapping[str, str]] | Mapping[str, str] | None


def merge_tags(user: UserTags, record: Mapping[str, str]) -> dict[str, str]:
    """The user's tags (from the template's ``tags``) plus the record; the record's keys win.
    User tags beyond the 50-tag limit would make RegisterTaskDefinition fail, so the
    record drops its per-image tags first."""
    if user is None:
        merged: dict[str, str] = {}
    elif isinstance(user, Mapping):
        merged = dict(user)
    else:
        merged = {str(t.get("key")): str(t.get("value", "")) for t in user}
    merged = {k: v for k, v in merged.items() if not k.startswith(PREFIX)}
    room = MAX_TAGS - len(merged)
    wanted = sorted(record.items(), key=lambda kv: kv[0].startswith(IMAGE_PREFIX))
    merged.update(dict(wanted[: max(room, 0)]))
    return merged


def read_record(tags: Mapping[str, str]) -> DeployRecord | None:
    """The record stored in a revision's tags, or ``None`` when ecsflow did not register it."""
    if not any(k.startswith(PREFIX) for k in tags):
        return None
    at: float | None = None
    if stamp := tags.get(f"{PREFIX}at"):
        try:
            at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            at = None
    images = tuple(sorted((k[len(IMAGE_PREFIX) :], v) for k, v in tags.items() if k.startswith(IMAGE_PREFIX)))
    services = tuple((tags.get(f"{PREFIX}services") or "").split())
    return DeployRecord(
        commit=tags.get(f"{PREFIX}commit"),
        actor=tags.get(f"{PREFIX}actor"),
        at=at,
        source=tags.get(f"{PREFIX}source"),
        environment=tags.get(f"{PREFIX}env"),
        services=services,
        images=images,
        tool_version=tags.get(f"{PREFIX}version"),
        promoted_from=tags.get(f"{PREFIX}from-env"),
    )


# --- per-environment deploy records ------------------------------------------------------
# One revision may run in several environments (a deploy reuses an identical ACTIVE
# revision instead of registering a copy), so its registration record names only the
# first one. Every deploy also writes ``ecsflow:deployed:<env>`` on the revision it
# deploys (at registration, or with TagResource when it reuses one): the last deploy of
# that revision to that environment, with its commit, actor and source environment.
DEPLOYED_PREFIX = f"{PREFIX}deployed:"
DEFAULT_ENV = "default"


def deployment_tag(record: DeployRecord) -> tuple[str, str]:
    """The ``ecsflow:deployed:<env>`` tag of one deploy."""
    parts = []
    if record.at is not None:
        parts.append("at=" + datetime.fromtimestamp(record.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if record.commit:
        parts.append(f"commit={record.commit}")
    if record.actor:
        parts.append(f"by={record.actor}")
    if record.promoted_from:
        parts.append(f"from={record.promoted_from}")
    key = _clean(f"{DEPLOYED_PREFIX}{record.environment or DEFAULT_ENV}", _KEY_MAX)
    return key, _clean(" ".join(parts).replace("  ", " "))


def record_for(tags: Mapping[str, str], env: str | None) -> DeployRecord | None:
    """The record of the revision as deployed to ``env``: the registration record with the
    environment's own deploy (commit, actor, time, source environment) over it."""
    base = read_record(tags)
    value = tags.get(_clean(f"{DEPLOYED_PREFIX}{env or DEFAULT_ENV}", _KEY_MAX))
    if value is None:
        return base
    fields = dict(word.partition("=")[::2] for word in value.split() if "=" in word)
    at: float | None = None
    if stamp := fields.get("at"):
        try:
            at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            at = None
    base = base or DeployRecord()
    return DeployRecord(
        commit=fields.get("commit") or base.commit,
        actor=fields.get("by") or base.actor,
        at=at if at is not None else base.at,
        source=base.source,
        environment=env,
        services=base.services,
        images=base.images,
        tool_version=base.tool_version,
        promoted_from=fields.get("from"),
    )
