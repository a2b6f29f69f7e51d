"""Pipeline triggers: CodePipeline V2's Git trigger model, read from ``ecsflow.yml``.

The ``triggers`` of a pipeline keep CodePipeline's own JSON shape (AWS-SEMANTICS §10.1) so a
team can copy them between ``ecsflow.yml`` and a pipeline definition::

    pipelines:
      app:
        triggers:
          - providerType: CodeStarSourceConnection      # optional
            gitConfiguration:
              sourceActionName: Source
              push:
                - branches: {includes: [main, "release/**"], excludes: [release/old]}
                  filePaths: {includes: ["app/**"], excludes: ["**/*.md"]}

A trigger may also be written without the ``gitConfiguration`` wrapper
(``- {sourceActionName: Source, push: [...]}``; ``sourceActionName`` then defaults to
``Source``), and ``triggers`` may be one mapping instead of a list.

Validation follows CodePipeline's limits (API model) and its structural rules (user guide
"valid combinations" and the CDK checks, AWS-SEMANTICS §10.1): every problem is reported
with its path, e.g. ``pipelines.app.triggers[0].push[0].tags: …``.
Matching lives in ``ecsflow.pipeline.matching``. This module sits in the config layer so
that ``ecsflow.yml`` is read in one place (``ecsflow.config.pipelines`` uses it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ecsflow.artifacts.loader import scalar_text
from ecsflow.config import glob
from ecsflow.errors import ConfigError, Problem, problems_error

# CodePipeline limits (botocore model of codepipeline; AWS-SEMANTICS §10.1).
MAX_TRIGGERS = 50
MAX_FILTERS = 3
MAX_PATTERNS = 8
PROVIDER_TYPE = "CodeStarSourceConnection"
_ACTION_NAME = re.compile(r"[A-Za-z0-9.@\-_]{1,100}")
DEFAULT_SOURCE_ACTION = "Source"


class PullRequestEvent(StrEnum):
    OPEN = "OPEN"
    UPDATED = "UPDATED"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class Criteria:
    """``{includes, excludes}`` of one criterion (branches, tags or filePaths).

    A value passes when it matches at least one include and no exclude: excludes win.
    With no ``includes`` every value is included (only excludes filter) [AWS does not
    say; the CDK and console allow an excludes-only criterion, so we read it this way].
    """

    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    def include_rule(self, value: str) -> str | None:
        """The first include that matches ``value`` (``"**"`` when there are no includes)."""
        if not self.includes:
            return "**"
        for pattern in self.includes:
            if glob.matches(pattern, value):
                return pattern
        return None

    def exclude_rule(self, value: str) -> str | None:
        for pattern in self.excludes:
            if glob.matches(pattern, value):
                return pattern
        return None

    def to_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.includes:
            out["includes"] = list(self.includes)
        if self.excludes:
            out["excludes"] = list(self.excludes)
        return out


@dataclass(frozen=True)
class PushFilter:
    branches: Criteria | None = None
    file_paths: Criteria | None = None
    tags: Criteria | None = None


@dataclass(frozen=True)
class PullRequestFilter:
    events: tuple[PullRequestEvent, ...]
    branches: Criteria
    file_paths: Criteria | None = None


@dataclass(frozen=True)
class Trigger:
    source_action: str
    push: tuple[PushFilter, ...] = ()
    pull_request: tuple[PullRequestFilter, ...] = ()


@dataclass(frozen=True)
class PipelineTriggers:
    """One pipeline of ``ecsflow.yml`` as far as triggers go."""

    name: str
    triggers: tuple[Trigger, ...]


class _Reader:
    """Collects problems while reading, so one run reports every mistake."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, path, self.file))

    def mapping(self, value: object, path: str) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.problem(path, f"expected a mapping, got {_kind(value)}")
        return None

    def unknown_keys(self, value: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in value:
            if key not in allowed:
                known = ", ".join(allowed)
                self.problem(_join(path, str(key)), f"unknown key (expected one of: {known})")

    def criteria(self, value: object, path: str) -> Criteria | None:
        body = self.mapping(value, path)
        if body is None:
            return None
        self.unknown_keys(body, ("includes", "excludes"), path)
        includes = self.patterns(body, "includes", path)
        excludes = self.patterns(body, "excludes", path)
        if "includes" not in body and "excludes" not in body:
            self.problem(path, "give `includes`, `excludes` or both")
        return Criteria(includes, excludes)

    def patterns(self, body: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        if key not in body:
            return ()
        here = _join(path, key)
        value = body[key]
        if not isinstance(value, list):
            self.problem(here, f"expected a list of glob patterns, got {_kind(value)}")
            return ()
        if not value:
            # CodePipeline rejects an empty list (min 1): the key must be left out instead.
            self.problem(here, "an empty list is invalid; leave the key out instead")
        if len(value) > MAX_PATTERNS:
            self.problem(here, f"at most {MAX_PATTERNS} patterns (got {len(value)})")
        out: list[str] = []
        for i, raw in enumerate(value):
            # A branch called 2024 or a tag 1.10 is read by YAML as a number: take the text as written.
            item = raw if isinstance(raw, str) else scalar_text(raw)
            if item is None:
                self.problem(f"{here}[{i}]", f"expected a string, got {_kind(raw)}")
                continue
            why = glob.check(item)
            if why:
                self.problem(f"{here}[{i}]", why)
            else:
                out.append(item)
        return tuple(out)

    def filters(self, body: Mapping[str, Any], key: str, path: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = body.get(key)
        here = _join(path, key)
        if not isinstance(value, list):
            self.problem(here, f"expected a list of filters, got {_kind(value)}")
            return []
        if not value:
            self.problem(here, "an empty list is invalid; leave the key out instead")
        if len(value) > MAX_FILTERS:
            self.problem(here, f"at most {MAX_FILTERS} filters (got {len(value)})")
        out = []
        for i, item in enumerate(value):
            m = self.mapping(item, f"{here}[{i}]")
            if m is not None:
                out.append((f"{here}[{i}]", m))
        return out

    def push_filter(self, body: Mapping[str, Any], path: str) -> PushFilter:
        self.unknown_keys(body, ("branches", "filePaths", "tags"), path)
        branches = self.criteria(body["branches"], _join(path, "branches")) if "branches" in body else None
        files = self.criteria(body["filePaths"], _join(path, "filePaths")) if "filePaths" in body else None
        tags = self.criteria(body["tags"], _join(path, "tags")) if "tags" in body else None
        # Valid combinations (user guide "Add trigger with code push…"): tags; branches;
        # branches + filePaths. The CLI page's sample mixes all three, which the console
        # cannot produce; we follow the documented combinations.
        if tags is not None and (branches is not None or files is not None):
            self.problem(path, "a push filter has either `tags`, or `branches` (with optional `filePaths`)")
        elif files is not None and branches is None:
            self.problem(path, "`filePaths` needs `branches` in the same push filter")
        elif tags is None and branches is None and not self._reported(path):
            self.problem(path, "a push filter needs `branches` or `tags`")
        return PushFilter(branches, files, tags)

    def pull_request_filter(self, body: Mapping[str, Any], path: str) -> PullRequestFilter:
        self.unknown_keys(body, ("events", "branches", "filePaths"), path)
        events = self.events(body, path)
        branches = self.criteria(body["branches"], _join(path, "branches")) if "branches" in body else None
        files = self.criteria(body["filePaths"], _join(path, "filePaths")) if "filePaths" in body else None
        if "branches" not in body:
            self.problem(path, "a pullRequest filter needs `branches` (the target branches)")
        return PullRequestFilter(events, branches or Criteria(), files)

    def events(self, body: Mapping[str, Any], path: str) -> tuple[PullRequestEvent, ...]:
        if "events" not in body:
            # Omitted events mean all three (what the CDK sends; AWS-SEMANTICS §10.1).
            return tuple(PullRequestEvent)
        here = _join(path, "events")
        value = body["events"]
        if not isinstance(value, list) or not value:
            self.problem(here, "expected a list of 1–3 of OPEN, UPDATED, CLOSED")
            return ()
        out: list[PullRequestEvent] = []
        for i, item in enumerate(value):
            try:
                event = PullRequestEvent(item)
            except ValueError:
                self.problem(f"{here}[{i}]", f"unknown event {item!r} (expected OPEN, UPDATED or CLOSED)")
                continue
            if event in out:
                self.problem(f"{here}[{i}]", f"{event} is listed twice")
            out.append(event)
        return tuple(out)

    def _reported(self, path: str) -> bool:
        return any(p.path.startswith(path) for p in self.problems)

    def trigger(self, value: object, path: str) -> Trigger | None:
        body = self.mapping(value, path)
        if body is None:
            return None
        config_path = path
        if "gitConfiguration" in body or "providerType" in body:
            self.unknown_keys(body, ("providerType", "gitConfiguration"), path)
            provider = body.get("providerType", PROVIDER_TYPE)
            if provider != PROVIDER_TYPE:
                self.problem(_join(path, "providerType"), f"must be {PROVIDER_TYPE} (got {provider!r})")
            config_path = _join(path, "gitConfiguration")
            inner = self.mapping(body.get("gitConfiguration"), config_path)
            if inner is None:
                return None
            if "sourceActionName" not in inner:
                self.problem(config_path, "`sourceActionName` is required")
            body = inner
        self.unknown_keys(body, ("sourceActionName", "push", "pullRequest"), config_path)
        source = body.get("sourceActionName", DEFAULT_SOURCE_ACTION)
        if not isinstance(source, str) or not _ACTION_NAME.fullmatch(source):
            self.problem(
                _join(config_path, "sourceActionName"),
                "expected 1–100 characters of letters, digits and . @ - _",
            )
            source = str(source)
        # CDK: "cannot specify both pushFilter and pullRequestFilter" / "must specify either".
        if "push" in body and "pullRequest" in body:
            self.problem(config_path, "a trigger has `push` or `pullRequest` filters, not both")
        elif "push" not in body and "pullRequest" not in body:
            self.problem(config_path, "a trigger needs `push` or `pullRequest` filters")
        push = (
            tuple(self.push_filter(b, p) for p, b in self.filters(body, "push", config_path))
            if ("push" in body)
            else ()
        )
        pull = (
            tuple(self.pull_request_filter(b, p) for p, b in self.filters(body, "pullRequest", config_path))
            if ("pullRequest" in body)
            else ()
        )
        return Trigger(source, push, pull)

    def pipeline(self, name: str, value: object, path: str) -> PipelineTriggers | None:
        body = self.mapping(value, path)
        if body is None:
            return None
        raw = body.get("triggers")
        here = _join(path, "triggers")
        if raw is None:
            return PipelineTriggers(name, ())
        items = [raw] if isinstance(raw, Mapping) else raw
        if not isinstance(items, list):
            self.problem(here, f"expected a list of triggers, got {_kind(raw)}")
            return None
        if len(items) > MAX_TRIGGERS:
            self.problem(here, f"at most {MAX_TRIGGERS} triggers per pipeline (got {len(items)})")
        triggers: list[Trigger] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            item_path = f"{here}[{i}]" if isinstance(raw, list) else here
            trigger = self.trigger(item, item_path)
            if trigger is None:
                continue
            if trigger.source_action in seen:
                self.problem(
                    item_path,
                    f"source action {trigger.source_action!r} already has a trigger "
                    f"(triggers[{seen[trigger.source_action]}]); CodePipeline allows one per source action",
                )
            seen.setdefault(trigger.source_action, i)
            triggers.append(trigger)
        return PipelineTriggers(name, tuple(triggers))


def read_triggers(
    name: str, value: object, path: str, file: str | None
) -> tuple[PipelineTriggers | None, list[Problem]]:
    """The triggers of one pipeline body (``pipelines.<name>``) and every problem found in them.

    Used by ``ecsflow.config.pipelines`` so that the whole of ``ecsflow.yml`` reports its
    problems together.
    """
    reader = _Reader(file)
    parsed = reader.pipeline(name, value, path)
    return parsed, reader.problems


def parse_pipelines(document: object, *, file: str | None = "ecsflow.yml") -> tuple[PipelineTriggers, ...]:
    """The triggers of every pipeline in the ``pipelines:`` section of a loaded ``ecsflow.yml``.

    Other keys of a pipeline are left to their own readers. Raises ``ConfigError`` listing every
    problem found.
    """
    reader = _Reader(file)
    out: list[PipelineTriggers] = []
    root = reader.mapping(document, "")
    if root is not None:
        section = root.get("pipelines")
        if section is None:
            reader.problem("pipelines", "no `pipelines:` section")
        elif (pipelines := reader.mapping(section, "pipelines")) is not None:
            for name, value in pipelines.items():
                parsed = reader.pipeline(str(name), value, f"pipelines.{name}")
                if parsed is not None:
                    out.append(parsed)
    if reader.problems:
        raise problems_error(
            ConfigError,
            f"{file or 'the pipelines section'}",
            reader.problems,
            hint="fix the triggers as listed; they follow CodePipeline's trigger JSON (see docs/pipelines.md)",
        )
    return tuple(out)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
