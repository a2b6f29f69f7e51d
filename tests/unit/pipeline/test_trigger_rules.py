"""Trigger structure: CodePipeline's shapes, structural rules and limits, with precise paths."""

from __future__ import annotations

from typing import Any

import pytest

from ecsflow.errors import ConfigError
from ecsflow.pipeline.triggers import Criteria, PullRequestEvent, parse_pipelines


def _doc(triggers: Any) -> dict[str, Any]:
    return {"pipelines": {"app": {"triggers": triggers}}}


def _problems(triggers: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_pipelines(_doc(triggers))
    return [str(p) for p in info.value.problems]


def test_full_codepipeline_shape_is_read() -> None:
    doc = _doc(
        [
            {
                "providerType": "CodeStarSourceConnection",
                "gitConfiguration": {
                    "sourceActionName": "ApplicationSource",
                    "push": [
                        {
                            "branches": {"includes": ["feature/**", "release/**"], "excludes": ["mainline"]},
                            "filePaths": {"includes": ["projectA/**"], "excludes": ["**/README.md"]},
                        },
                        {"tags": {"includes": ["release-v0", "release-v1"], "excludes": ["release-v2"]}},
                    ],
                },
            },
            {
                "gitConfiguration": {
                    "sourceActionName": "Other",
                    "pullRequest": [{"events": ["CLOSED"], "branches": {"includes": ["main"]}}],
                }
            },
        ]
    )
    (pipeline,) = parse_pipelines(doc)
    assert pipeline.name == "app"
    first, second = pipeline.triggers
    assert first.source_action == "ApplicationSource"
    assert first.push[0].branches == Criteria(("feature/**", "release/**"), ("mainline",))
    assert first.push[0].file_paths == Criteria(("projectA/**",), ("**/README.md",))
    assert first.push[1].tags == Criteria(("release-v0", "release-v1"), ("release-v2",))
    assert second.pull_request[0].events == (PullRequestEvent.CLOSED,)
    assert second.pull_request[0].branches.includes == ("main",)


def test_short_forms_without_wrapper_and_single_mapping() -> None:
    (pipeline,) = parse_pipelines(_doc({"push": [{"branches": {"includes": ["main"]}}]}))
    assert pipeline.triggers[0].source_action == "Source"
    assert pipeline.triggers[0].push[0].branches == Criteria(("main",))


def test_pull_request_events_default_to_all_three() -> None:
    (pipeline,) = parse_pipelines(_doc([{"pullRequest": [{"branches": {"includes": ["main"]}}]}]))
    assert pipeline.triggers[0].pull_request[0].events == (
        PullRequestEvent.OPEN,
        PullRequestEvent.UPDATED,
        PullRequestEvent.CLOSED,
    )


def test_pipeline_without_triggers_is_kept_and_other_keys_are_left_alone() -> None:
    (pipeline,) = parse_pipelines({"pipelines": {"x": {"stages": ["later"]}}})
    assert pipeline.triggers == ()


@pytest.mark.parametrize(
    ("triggers", "expected"),
    [
        # push filter combinations: tags | branches | branches + filePaths
        (
            [{"push": [{"tags": {"includes": ["v*"]}, "branches": {"includes": ["main"]}}]}],
            "pipelines.app.triggers[0].push[0]: a push filter has either `tags`, or `branches`",
        ),
        (
            [{"push": [{"filePaths": {"includes": ["a/**"]}}]}],
            "pipelines.app.triggers[0].push[0]: `filePaths` needs `branches` in the same push filter",
        ),
        ([{"push": [{}]}], "pipelines.app.triggers[0].push[0]: a push filter needs `branches` or `tags`"),
        # a PR filter needs branches
        (
            [{"pullRequest": [{"filePaths": {"includes": ["a/**"]}}]}],
            "pipelines.app.triggers[0].pullRequest[0]: a pullRequest filter needs `branches`",
        ),
        # push or pullRequest, not both, not neither (CDK rules)
        (
            [{"push": [{"branches": {"includes": ["m"]}}], "pullRequest": [{"branches": {"includes": ["m"]}}]}],
            "pipelines.app.triggers[0]: a trigger has `push` or `pullRequest` filters, not both",
        ),
        ([{"sourceActionName": "S"}], "pipelines.app.triggers[0]: a trigger needs `push` or `pullRequest` filters"),
        # empty lists are invalid (min 1), leave the key out
        (
            [{"push": [{"branches": {"includes": []}}]}],
            "pipelines.app.triggers[0].push[0].branches.includes: an empty list is invalid",
        ),
        ([{"push": []}], "pipelines.app.triggers[0].push: an empty list is invalid"),
        (
            [{"push": [{"branches": {}}]}],
            "pipelines.app.triggers[0].push[0].branches: give `includes`, `excludes` or both",
        ),
        # limits: 8 patterns, 3 filters, 255 characters, 50 triggers
        (
            [{"push": [{"branches": {"includes": [f"b{i}" for i in range(9)]}}]}],
            "pipelines.app.triggers[0].push[0].branches.includes: at most 8 patterns (got 9)",
        ),
        (
            [{"push": [{"branches": {"includes": ["m"]}}] * 4}],
            "pipelines.app.triggers[0].push: at most 3 filters (got 4)",
        ),
        (
            [{"push": [{"branches": {"includes": ["x" * 256]}}]}],
            "pipelines.app.triggers[0].push[0].branches.includes[0]: a pattern is at most 255 characters",
        ),
        (
            [{"sourceActionName": f"S{i}", "push": [{"branches": {"includes": ["m"]}}]} for i in range(51)],
            "pipelines.app.triggers: at most 50 triggers per pipeline (got 51)",
        ),
        # invalid globs, events, names, keys, provider
        (
            [{"push": [{"branches": {"includes": ["{a,{b}}"]}}]}],
            "pipelines.app.triggers[0].push[0].branches.includes[0]: invalid glob: groups { } cannot nest",
        ),
        (
            [{"pullRequest": [{"events": ["MERGED"], "branches": {"includes": ["m"]}}]}],
            "pipelines.app.triggers[0].pullRequest[0].events[0]: unknown event 'MERGED'",
        ),
        (
            [{"sourceActionName": "bad name!", "push": [{"branches": {"includes": ["m"]}}]}],
            "pipelines.app.triggers[0].sourceActionName: expected 1–100 characters",
        ),
        (
            [{"push": [{"branch": {"includes": ["m"]}}]}],
            "pipelines.app.triggers[0].push[0].branch: unknown key (expected one of: branches, filePaths, tags)",
        ),
        (
            [
                {
                    "providerType": "GitHub",
                    "gitConfiguration": {"sourceActionName": "S", "push": [{"tags": {"includes": ["v*"]}}]},
                }
            ],
            "pipelines.app.triggers[0].providerType: must be CodeStarSourceConnection",
        ),
        (
            [{"gitConfiguration": {"push": [{"tags": {"includes": ["v*"]}}]}}],
            "pipelines.app.triggers[0].gitConfiguration: `sourceActionName` is required",
        ),
        # one trigger per source action
        (
            [{"push": [{"tags": {"includes": ["v*"]}}]}, {"push": [{"branches": {"includes": ["m"]}}]}],
            "pipelines.app.triggers[1]: source action 'Source' already has a trigger (triggers[0])",
        ),
        ("main", "pipelines.app.triggers: expected a list of triggers, got a string"),
    ],
)
def test_structural_rules_and_limits(triggers: Any, expected: str) -> None:
    problems = _problems(triggers)
    assert any(p.startswith("ecsflow.yml: " + expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems(
        [
            {
                "push": [
                    {"branches": {"includes": ["[z-a]"]}},
                    {"tags": {"includes": []}, "filePaths": {"includes": ["x"]}},
                ]
            }
        ]
    )
    assert len(problems) >= 3
    assert any("push[0].branches.includes[0]: invalid glob" in p for p in problems)
    assert any("push[1].tags.includes: an empty list" in p for p in problems)
    assert any("push[1]: a push filter has either" in p for p in problems)


def test_error_names_the_file_and_says_what_to_do() -> None:
    with pytest.raises(ConfigError) as info:
        parse_pipelines({"pipelines": []}, file="deploy/ecsflow.yml")
    assert info.value.message == "deploy/ecsflow.yml is invalid (1 problem)"
    assert str(info.value.problems[0]) == "deploy/ecsflow.yml: pipelines: expected a mapping, got a list"
    assert info.value.hint and "docs/pipelines.md" in info.value.hint


def test_missing_pipelines_section() -> None:
    with pytest.raises(ConfigError) as info:
        parse_pipelines({"services": {}})
    assert "no `pipelines:` section" in str(info.value.problems[0])
