"""Semantic diff of task definitions and service settings, with secrets masked.

Two task definitions are compared the way ECS compares them, not as text:

* read-only fields of ``DescribeTaskDefinition`` (``revision``, ``status``, ``registeredAt``…)
  are not part of a task definition one registers, so they never show as changes;
* values AWS fills in when a field is left out (``essential: true``, ``protocol: tcp``,
  ``cpu: 0`` in a container, empty lists, ``hostPort`` equal to ``containerPort`` with
  ``awsvpc``) count as "not set";
* lists whose order ECS ignores (containers, environment, secrets, port mappings, mount
  points, volumes, tags, ``requiresCompatibilities``…) are compared as keyed sets, so the
  path of a change names the item (``containerDefinitions[web].environment[LOG_LEVEL]``).

Masking: the value of an environment variable whose *name* looks secret is shown as
``****`` in every rendering (the pattern is configurable), and ``secrets`` are shown by
their ``valueFrom`` reference only, never resolved. ``Masker`` also scrubs free text.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MASK = "****"
# The same default as ecsflow.yml's `defaults.secret_pattern` (diff cannot import the config layer).
DEFAULT_MASK_PATTERN = r"(?i)(secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential)"
MASK_PATTERN_ENV = "ECSFLOW_MASK_PATTERN"


class Masker:
    """Hides the values of secret-looking environment variables wherever ecsflow renders.

    ``pattern`` is a regular expression searched in variable *names*. Values seen through
    ``mask_environment`` are remembered, so ``scrub`` also hides them if they turn up in
    free text (an ECS event, a log line), the way CI runners mask registered secrets.
    """

    def __init__(self, pattern: str | None = None) -> None:
        self.pattern = re.compile(pattern or DEFAULT_MASK_PATTERN)
        # "NAME": "value" (JSON), NAME=value (env, URLs, flags) and NAME: value (YAML, logs; a
        # space after the colon, so image references such as token-service:v1 stay intact).
        name = r"[A-Za-z_][A-Za-z0-9_.-]*"
        self._assignment = re.compile(
            rf"""(?P<key>(?P<q>["'])(?P<qname>{name})(?P=q)\s*[:=]\s*"""
            rf"""|(?P<ename>{name})\s*=\s*|(?P<cname>{name}):[ \t]+)"""
            r"""(?P<value>"[^"]*"|'[^']*'|[^\s,;}&]+)"""
        )
        self._known: set[str] = set()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, pattern: str | None = None) -> Masker:
        env = os.environ if environ is None else environ
        return cls(pattern or env.get(MASK_PATTERN_ENV) or None)

    def is_secret_name(self, name: str) -> bool:
        return bool(self.pattern.search(name))

    def remember(self, values: Iterable[str]) -> None:
        # Very short values would mask half of every line; CI runners skip them too.
        self._known.update(v for v in values if len(v) >= 4)

    def mask_value(self, name: str, value: Any) -> Any:
        if self.is_secret_name(name) and value not in (None, ""):
            if isinstance(value, str):
                self.remember([value])
            return MASK
        return value

    def mask_environment(self, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``[{name, value}]`` with secret-looking values replaced by ``****``."""
        out: list[dict[str, Any]] = []
        for item in items:
            copy = dict(item)
            if "value" in copy:
                copy["value"] = self.mask_value(str(copy.get("name", "")), copy["value"])
            out.append(copy)
        return out

    def mask_task_definition(self, taskdef: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a task definition safe to print (environment masked; secrets are references)."""
        copy = dict(taskdef)
        containers = []
        for container in taskdef.get("containerDefinitions") or []:
            c = dict(container)
            if "environment" in c:
                c["environment"] = self.mask_environment(c["environment"] or [])
            containers.append(c)
        if "containerDefinitions" in copy:
            copy["containerDefinitions"] = containers
        return copy

    def scrub(self, text: str) -> str:
        """Free text with remembered secret values and secret-looking assignments masked."""
        for value in sorted(self._known, key=len, reverse=True):
            text = text.replace(value, MASK)

        def _assign(m: re.Match[str]) -> str:
            name = m.group("qname") or m.group("ename") or m.group("cname")
            if not self.is_secret_name(name) or m.group("value").strip("\"'") == MASK:
                return m.group(0)
            quote = m.group("value")[0] if m.group("value")[:1] in ("'", '"') else ""
            return f"{m.group('key')}{quote}{MASK}{quote}"

        return self._assignment.sub(_assign, text)

    def scrub_obj(self, obj: Any) -> Any:
        """``scrub`` applied to every string in a JSON-like structure."""
        if isinstance(obj, str):
            return self.scrub(obj)
        if isinstance(obj, Mapping):
            return {k: self.scrub_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.scrub_obj(v) for v in obj]
        return obj


# --- normalization --------------------------------------------------------------------

# DescribeTaskDefinition fields RegisterTaskDefinition does not accept (AWS-SEMANTICS §8.1).
READ_ONLY_TASKDEF_FIELDS = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequestedAt",
    }
)

# Lists whose order ECS ignores, and the field that identifies an item.
_KEYED_LISTS: dict[str, tuple[str, ...]] = {
    "containerDefinitions": ("name",),
    "environment": ("name",),
    "secrets": ("name",),
    "portMappings": ("containerPort", "protocol", "name"),
    "mountPoints": ("containerPath", "sourceVolume"),
    "volumesFrom": ("sourceContainer",),
    "volumes": ("name",),
    "ulimits": ("name",),
    "systemControls": ("namespace",),
    "extraHosts": ("hostname",),
    "tags": ("key",),
    "dependsOn": ("containerName",),
    "placementConstraints": ("type", "expression"),
    "resourceRequirements": ("type",),
    "inferenceAccelerators": ("deviceName",),
    "environmentFiles": ("value",),
}
# Lists of scalars whose order ECS ignores.
_SET_LISTS = frozenset({"requiresCompatibilities", "dockerSecurityOptions", "links"})

# Container fields AWS fills with a default when they are left out.
_CONTAINER_DEFAULTS: dict[str, Any] = {"essential": True, "cpu": 0}
_TASKDEF_DEFAULTS: dict[str, Any] = {"enableFaultInjection": False}
# Fields ECS reports as strings although files often give numbers (cpu/memory at task level).
_NUMERIC_STRINGS = frozenset({"cpu", "memory"})


def normalize_task_definition(taskdef: Mapping[str, Any]) -> dict[str, Any]:
    """The comparable form of a task definition (register shape, defaults removed)."""
    out: dict[str, Any] = {}
    network_mode = taskdef.get("networkMode")
    # DescribeTaskDefinition may wrap the definition and put ``tags`` next to it.
    if "taskDefinition" in taskdef and isinstance(taskdef["taskDefinition"], Mapping):
        merged = dict(taskdef["taskDefinition"])
        if taskdef.get("tags"):
            merged["tags"] = taskdef["tags"]
        return normalize_task_definition(merged)
    for key, value in taskdef.items():
        if key in READ_ONLY_TASKDEF_FIELDS or _is_empty(value):
            continue
        if _TASKDEF_DEFAULTS.get(key, _Missing) == value:
            continue
        if key in _NUMERIC_STRINGS and isinstance(value, int | str):
            out[key] = str(value).strip()
            continue
        if key == "containerDefinitions":
            out[key] = [_normalize_container(c, network_mode) for c in value]
            continue
        out[key] = _normalize_any(value)
    return out


def _normalize_container(container: Mapping[str, Any], network_mode: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in container.items():
        if _is_empty(value) or _CONTAINER_DEFAULTS.get(key, _Missing) == value:
            continue
        if key == "portMappings":
            out[key] = [_normalize_port(p, network_mode) for p in value]
            continue
        out[key] = _normalize_any(value)
    return out


def _normalize_port(port: Mapping[str, Any], network_mode: str | None) -> dict[str, Any]:
    out = {k: v for k, v in port.items() if not _is_empty(v)}
    if out.get("protocol") == "tcp":
        out.pop("protocol")  # ECS fills protocol "tcp" when it is left out
    # With awsvpc (and host) the host port is blank or equal to the container port; ECS fills it in.
    if network_mode in ("awsvpc", "host") and out.get("hostPort") == out.get("containerPort"):
        out.pop("hostPort", None)
    # hostPort 0 and no hostPort both mean a dynamic host port (bridge mode), per the
    # PortMapping.hostPort documentation of the ECS API.
    if out.get("hostPort") == 0:
        out.pop("hostPort")
    return out


def _normalize_any(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _normalize_any(v) for k, v in value.items() if not _is_empty(v)}
    if isinstance(value, list):
        return [_normalize_any(v) for v in value]
    return value


class _MissingType:
    pass


_Missing = _MissingType()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict | tuple) and len(value) == 0)


# --- the diff ---------------------------------------------------------------------------


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


_SIGN = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}


@dataclass(frozen=True)
class Change:
    """One difference. ``before``/``after`` are already masked: safe to print or serialize."""

    path: str
    kind: ChangeKind
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": str(self.kind), "before": self.before, "after": self.after}

    def __str__(self) -> str:
        sign = _SIGN[self.kind]
        if self.kind is ChangeKind.ADDED:
            return f"{sign} {self.path}: {_show(self.after)}"
        if self.kind is ChangeKind.REMOVED:
            return f"{sign} {self.path}: {_show(self.before)}"
        return f"{sign} {self.path}: {_show(self.before)} → {_show(self.after)}"


@dataclass(frozen=True)
class Diff:
    """The changes from ``before`` (what runs) to ``after`` (what would be deployed)."""

    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def lines(self) -> list[str]:
        return [str(c) for c in self.changes]


def diff_task_definitions(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, masker: Masker | None = None
) -> Diff:
    """Semantic diff of two task definitions (either may be a DescribeTaskDefinition result)."""
    m = masker or Masker()
    a = normalize_task_definition(before or {})
    b = normalize_task_definition(after or {})
    changes: list[Change] = []
    _diff_value("", a, b, changes, m, partial=False, secret=False)
    return Diff(tuple(changes))


def diff_service_settings(live: Mapping[str, Any], desired: Mapping[str, Any], *, masker: Masker | None = None) -> Diff:
    """Diff of the service settings ecsflow.yml sets against the live service.

    Only what ``desired`` names is compared: a setting left out of the config is owned
    by someone else (an autoscaled ``desiredCount``, a console-set health-check grace).
    """
    m = masker or Masker()
    changes: list[Change] = []
    _diff_value("", _normalize_any(dict(live)), _normalize_any(dict(desired)), changes, m, partial=True, secret=False)
    return Diff(tuple(changes))


def _diff_value(
    path: str, before: Any, after: Any, out: list[Change], m: Masker, *, partial: bool, secret: bool
) -> None:
    if before == after:
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        keys = list(after) if partial else [*before, *(k for k in after if k not in before)]
        for key in keys:
            sub = _join(path, str(key))
            is_secret = secret or (
                key == "value" and m.is_secret_name(str(before.get("name") or after.get("name") or ""))
            )
            if key not in before:
                out.append(Change(sub, ChangeKind.ADDED, after=_safe(after[key], m, is_secret)))
            elif key not in after:
                out.append(Change(sub, ChangeKind.REMOVED, before=_safe(before[key], m, is_secret)))
            else:
                _diff_list_or_value(sub, str(key), before[key], after[key], out, m, partial, is_secret)
        return
    out.append(Change(path, ChangeKind.CHANGED, _safe(before, m, secret), _safe(after, m, secret)))


def _diff_list_or_value(
    path: str, key: str, before: Any, after: Any, out: list[Change], m: Masker, partial: bool, secret: bool
) -> None:
    if before == after:
        return
    if isinstance(before, list) and isinstance(after, list):
        if key in _SET_LISTS and sorted(map(str, before)) == sorted(map(str, after)):
            return
        fields = _KEYED_LISTS.get(key)
        if fields:
            a, b = _index(before, fields), _index(after, fields)
            if a is not None and b is not None:
                for item_key in [*a, *(k for k in b if k not in a)]:
                    sub = f"{path}[{item_key}]"
                    if item_key not in b:
                        if not partial:
                            out.append(Change(sub, ChangeKind.REMOVED, before=_safe(a[item_key], m, secret)))
                    elif item_key not in a:
                        out.append(Change(sub, ChangeKind.ADDED, after=_safe(b[item_key], m, secret)))
                    else:
                        _diff_value(sub, a[item_key], b[item_key], out, m, partial=partial, secret=secret)
                return
    _diff_value(path, before, after, out, m, partial=partial, secret=secret)


def _index(items: list[Any], fields: tuple[str, ...]) -> dict[str, Any] | None:
    """Items keyed by their identifying fields, or None when items cannot be keyed uniquely."""
    out: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping):
            return None
        parts = [str(item[f]) for f in fields if item.get(f) not in (None, "")]
        if not parts:
            return None
        key = "/".join(parts)
        if key in out:
            return None
        out[key] = item
    return out


def _safe(value: Any, m: Masker, secret: bool) -> Any:
    """``value`` with every secret-looking ``{name, value}`` pair masked (deeply)."""
    if secret and value not in (None, ""):
        return MASK
    if isinstance(value, Mapping):
        name = value.get("name")
        return {
            k: (m.mask_value(name, v) if k == "value" and isinstance(name, str) else _safe(v, m, False))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_safe(v, m, False) for v in value]
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, default=str)
