"""Matching events against triggers: OR across filters, AND inside, excludes win; which rule matched."""

from __future__ import annotations

from typing import Any

from ecsflow.pipeline.matching import EventKind, GitEvent, PathIndex, decide, decide_all, match_file_paths
from ecsflow.pipeline.triggers import Criteria, PullRequestEvent, parse_pipelines


def _pipelines(spec: dict[str, Any]) -> Any:
    return parse_pipelines({"pipelines": {name: {"triggers": t} for name, t in spec.items()}})


def _push(branch: str | None = None, files: tuple[str, ...] = (), tag: str | None = None) -> GitEvent:
    return GitEvent(EventKind.PUSH, PathIndex(files), branch=branch, tag=tag)


APP = [
    {
        "push": [
            {
                "branches": {"includes": ["main", "release/**"], "excludes": ["release/old"]},
                "filePaths": {"includes": ["app/**", "common/**/*.js"], "excludes": ["**/*.md"]},
            },
            {"branches": {"includes": ["hotfix/*"]}},
        ]
    }
]


def test_branch_and_file_paths_must_both_match() -> None:
    (app,) = _pipelines({"app": APP})
    hit = decide(app, _push("main", ("app/x.py", "infra/y.tf")))
    assert hit.triggered
    (f,) = hit.matched
    assert f.where == "triggers[0].push[0]"
    assert "branches.includes 'main' matched branch main" in f.reasons
    assert f.file_paths is not None
    assert [(r.pattern, r.sorted_files()) for r in f.file_paths.included] == [("app/**", ["app/x.py"])]

    miss = decide(app, _push("main", ("infra/y.tf",)))
    assert not miss.triggered
    assert "filePaths: none of the 1 changed files passed" in miss.filters[0].reasons


def test_excludes_win_over_includes() -> None:
    (app,) = _pipelines({"app": APP})
    only_docs = decide(app, _push("main", ("app/README.md", "app/docs/x.md")))
    assert not only_docs.triggered
    fp = only_docs.filters[0].file_paths
    assert fp is not None
    assert [(r.pattern, r.sorted_files()) for r in fp.excluded] == [("**/*.md", ["app/README.md", "app/docs/x.md"])]

    old = decide(app, _push("release/old", ("app/x.py",)))
    assert not old.triggered
    assert "branches.excludes 'release/old' excludes branch release/old" in old.filters[0].reasons


def test_or_across_filters() -> None:
    (app,) = _pipelines({"app": APP})
    # push[0] fails on files, push[1] matches the branch alone
    d = decide(app, _push("hotfix/1", ("docs/x.md",)))
    assert d.triggered
    assert [f.where for f in d.matched] == ["triggers[0].push[1]"]
    assert not decide(app, _push("hotfix/a/b", ())).triggered  # * does not cross /


def test_file_attributed_to_first_include_and_excludes_only_criteria() -> None:
    index = PathIndex(["common/a/x.js", "app/y.js", "app/z.md", "root.txt"])
    found = match_file_paths(Criteria(("app/**", "**/*.js"), ("**/*.md",)), index)
    assert [(r.pattern, r.sorted_files()) for r in found.included] == [
        ("app/**", ["app/y.js"]),
        ("**/*.js", ["common/a/x.js"]),
    ]
    assert [(r.pattern, r.sorted_files()) for r in found.excluded] == [("**/*.md", ["app/z.md"])]
    # no includes: every file is included, excludes still remove [documented choice]
    only_ex = match_file_paths(Criteria((), ("app/**",)), index)
    assert only_ex.passed == 2
    assert only_ex.included[0].pattern == "**"


def test_tags_filter_matches_tag_pushes_only() -> None:
    (rel,) = _pipelines({"rel": [{"push": [{"tags": {"includes": ["v*"], "excludes": ["v0.*"]}}]}]})
    assert decide(rel, _push(tag="v1.2.0")).triggered
    assert not decide(rel, _push(tag="v0.9")).triggered
    assert not decide(rel, _push(branch="v1")).triggered  # a branch named like a tag is not a tag push
    (br,) = _pipelines({"br": [{"push": [{"branches": {"includes": ["**"]}}]}]})
    assert not decide(br, _push(tag="v1")).triggered


def test_pull_request_matches_target_branch_and_event() -> None:
    (pr,) = _pipelines(
        {
            "pr": [
                {
                    "pullRequest": [
                        {
                            "events": ["OPEN", "UPDATED"],
                            "branches": {"includes": ["main"]},
                            "filePaths": {"includes": ["svc/**"]},
                        }
                    ]
                }
            ]
        }
    )
    files = PathIndex(["svc/a.py"])
    assert decide(pr, GitEvent(EventKind.PULL_REQUEST, files, branch="main", pr_event=PullRequestEvent.OPEN)).triggered
    closed = decide(pr, GitEvent(EventKind.PULL_REQUEST, files, branch="main", pr_event=PullRequestEvent.CLOSED))
    assert not closed.triggered
    assert "events: CLOSED is not one of OPEN, UPDATED" in closed.filters[0].reasons
    assert not decide(pr, _push("main", ("svc/a.py",))).triggered


def test_case_sensitive_branch_match() -> None:
    (app,) = _pipelines({"app": [{"push": [{"branches": {"includes": ["main"]}}]}]})
    assert not decide(app, _push("Main")).triggered


def test_pipeline_without_triggers_reports_why() -> None:
    (none,) = parse_pipelines({"pipelines": {"none": {}}})
    d = decide(none, _push("main", ("a",)))
    assert not d.triggered
    assert d.note and "default change detection" in d.note


def test_index_evaluates_each_pattern_once() -> None:
    index = PathIndex([f"svc-{i}/f{j}.py" for i in range(20) for j in range(5)])
    pipelines = _pipelines(
        {
            f"p{i}": [
                {
                    "push": [
                        {
                            "branches": {"includes": ["main"]},
                            "filePaths": {"includes": [f"svc-{i}/**"], "excludes": ["**/*.md"]},
                        }
                    ]
                }
            ]
            for i in range(20)
        }
    )
    decisions = decide_all(pipelines, GitEvent(EventKind.PUSH, index, branch="main"))
    assert all(d.triggered for d in decisions)
    assert index.matching("**/*.md") is index.matching("**/*.md")  # memoised
    assert len(index.matching("svc-3/**")) == 5
