"""Which pipelines a Git event starts, and which rule matched which file.

CodePipeline's combination rules (AWS-SEMANTICS §10.1): filters in ``push`` (or in
``pullRequest``) are OR-ed; the criteria inside one filter are AND-ed; inside one
criterion a value must match an include and no exclude (excludes win). A ``filePaths``
criterion is met when at least one changed file passes it. A pull request event is matched
on its *target* branch.

Speed: a change can touch tens of thousands of files and a repository can hold a hundred
pipelines. ``PathIndex`` keeps the changed paths sorted, narrows each pattern to the paths
that start with its literal prefix (``svc-a/**`` only looks at ``svc-a/…``), and evaluates
each distinct pattern once per change, however many pipelines use it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ecsflow.pipeline import glob
from ecsflow.pipeline.triggers import (
    Criteria,
    PipelineTriggers,
    PullRequestEvent,
    PullRequestFilter,
    PushFilter,
)


class PathIndex:
    """The changed paths of one change, with a per-pattern memo."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths: tuple[str, ...] = tuple(sorted(set(paths)))
        self._all = frozenset(self.paths)
        self._memo: dict[str, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self.paths)

    def matching(self, pattern: str) -> frozenset[str]:
        """The paths that ``pattern`` matches (computed once per pattern)."""
        hit = self._memo.get(pattern)
        if hit is not None:
            return hit
        if pattern == "**":
            result = self._all
        else:
            prefix = glob.literal_prefix(pattern)
            candidates = self.paths
            if prefix:
                lo = bisect_left(self.paths, prefix)
                hi = bisect_left(self.paths, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo)
                candidates = self.paths[lo:hi]
            full = glob.compile_glob(pattern).fullmatch
            result = frozenset(filter(full, candidates))  # C-level loop: no Python frame per path
        self._memo[pattern] = result
        return result

    def union(self, patterns: Iterable[str]) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for pattern in patterns:
            out = out | self.matching(pattern)
        return out


@dataclass(frozen=True)
class RuleFiles:
    """The files one pattern decided: included by an include, or removed by an exclude."""

    pattern: str
    files: frozenset[str]

    def sorted_files(self) -> list[str]:
        return sorted(self.files)


@dataclass(frozen=True)
class FilePathsMatch:
    """How a ``filePaths`` criterion treated the changed files."""

    included: tuple[RuleFiles, ...]  # per include, the passing files it matched first
    excluded: tuple[RuleFiles, ...]  # per exclude, the included files it removed

    @property
    def passed(self) -> int:
        return sum(len(r.files) for r in self.included)


def match_file_paths(criteria: Criteria, index: PathIndex) -> FilePathsMatch:
    includes = criteria.includes or ("**",)
    candidates = index.union(includes)
    excluded: list[RuleFiles] = []
    removed: frozenset[str] = frozenset()
    for pattern in criteria.excludes:
        hit = (index.matching(pattern) & candidates) - removed
        if hit:
            excluded.append(RuleFiles(pattern, hit))
            removed = removed | hit
    passing = candidates - removed
    included: list[RuleFiles] = []
    for pattern in includes:
        if not passing:
            break
        hit = index.matching(pattern) & passing
        if hit:
            included.append(RuleFiles(pattern, hit))
            passing = passing - hit
    return FilePathsMatch(tuple(included), tuple(excluded))


class EventKind(StrEnum):
    PUSH = "push"
    PULL_REQUEST = "pullRequest"


@dataclass(frozen=True)
class GitEvent:
    """A push of a branch or a tag, or a pull request event on a target branch."""

    kind: EventKind
    files: PathIndex
    branch: str | None = None  # pushed branch, or the PR's target branch
    tag: str | None = None
    pr_event: PullRequestEvent | None = None

    def describe(self) -> str:
        if self.kind is EventKind.PULL_REQUEST:
            return f"pull request {self.pr_event} into branch {self.branch}"
        if self.tag is not None:
            return f"push of tag {self.tag}"
        return f"push to branch {self.branch}"


@dataclass(frozen=True)
class FilterResult:
    """One filter of one trigger, judged against the event."""

    where: str  # triggers[0].push[1]
    matched: bool
    reasons: tuple[str, ...]  # the rules that matched, or why the filter did not
    file_paths: FilePathsMatch | None = None


@dataclass(frozen=True)
class PipelineDecision:
    pipeline: str
    triggered: bool
    filters: tuple[FilterResult, ...] = field(default_factory=tuple)
    note: str | None = None

    @property
    def matched(self) -> tuple[FilterResult, ...]:
        return tuple(f for f in self.filters if f.matched)


def _criterion(name: str, what: str, value: str | None, criteria: Criteria) -> tuple[bool, str]:
    if value is None:
        return False, f"{name}: the event has no {what}"
    excluded = criteria.exclude_rule(value)
    if excluded is not None:
        return False, f"{name}.excludes {excluded!r} excludes {what} {value}"
    included = criteria.include_rule(value)
    if included is None:
        return False, f"{name}: {what} {value} matches no include"
    if not criteria.includes:
        return True, f"{name}: {what} {value} is not excluded"
    return True, f"{name}.includes {included!r} matched {what} {value}"


def _files(criteria: Criteria | None, event: GitEvent, reasons: list[str]) -> tuple[bool, FilePathsMatch | None]:
    if criteria is None:
        return True, None
    found = match_file_paths(criteria, event.files)
    if found.passed:
        reasons.append(f"filePaths: {found.passed} of {len(event.files)} changed files passed")
        return True, found
    reasons.append(f"filePaths: none of the {len(event.files)} changed files passed")
    return False, found


def _push(where: str, flt: PushFilter, event: GitEvent) -> FilterResult:
    reasons: list[str] = []
    if event.kind is not EventKind.PUSH:
        return FilterResult(where, False, ("a push filter does not match a pull request event",))
    if flt.tags is not None:
        ok, why = _criterion("tags", "tag", event.tag, flt.tags)
        return FilterResult(where, ok, (why,))
    assert flt.branches is not None  # validation guarantees branches or tags
    ok, why = _criterion("branches", "branch", event.branch if event.tag is None else None, flt.branches)
    reasons.append(why)
    if not ok:
        return FilterResult(where, False, tuple(reasons))
    ok, files = _files(flt.file_paths, event, reasons)
    return FilterResult(where, ok, tuple(reasons), files)


def _pull_request(where: str, flt: PullRequestFilter, event: GitEvent) -> FilterResult:
    if event.kind is not EventKind.PULL_REQUEST or event.pr_event is None:
        return FilterResult(where, False, ("a pullRequest filter does not match a push",))
    if event.pr_event not in flt.events:
        listed = ", ".join(flt.events)
        return FilterResult(where, False, (f"events: {event.pr_event} is not one of {listed}",))
    reasons = [f"events: {event.pr_event} is listed"]
    ok, why = _criterion("branches", "target branch", event.branch, flt.branches)
    reasons.append(why)
    if not ok:
        return FilterResult(where, False, tuple(reasons))
    ok, files = _files(flt.file_paths, event, reasons)
    return FilterResult(where, ok, tuple(reasons), files)


def decide(pipeline: PipelineTriggers, event: GitEvent) -> PipelineDecision:
    """Whether ``event`` starts ``pipeline``, with every filter's verdict."""
    if not pipeline.triggers:
        return PipelineDecision(
            pipeline.name,
            False,
            note="no triggers: CodePipeline would use default change detection on the source "
            "action's branch, which ecsflow.yml does not declare yet",
        )
    results: list[FilterResult] = []
    for t, trigger in enumerate(pipeline.triggers):
        for i, push in enumerate(trigger.push):
            results.append(_push(f"triggers[{t}].push[{i}]", push, event))
        for i, pr in enumerate(trigger.pull_request):
            results.append(_pull_request(f"triggers[{t}].pullRequest[{i}]", pr, event))
    return PipelineDecision(pipeline.name, any(r.matched for r in results), tuple(results))


def decide_all(pipelines: Iterable[PipelineTriggers], event: GitEvent) -> tuple[PipelineDecision, ...]:
    return tuple(decide(p, event) for p in pipelines)
