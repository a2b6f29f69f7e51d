"""`ecsflow history`: the promotion records of the deployed images' ECR repositories."""

from __future__ import annotations

from typing import Any

from ecsflow.cli.history import read_promotions
from ecsflow.engines.revision_log import DeploymentEntry
from ecsflow.errors import AwsAccessError, ResourceNotFound

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


class Repos:
    """Only what history reads: the repository tags, and the reads made."""

    def __init__(self, tags: dict[str, dict[str, str]], fail: dict[str, Exception] | None = None) -> None:
        self.tags = tags
        self.fail = fail or {}
        self.reads: list[tuple[str, str | None, str | None]] = []

    def read_repository_tags(
        self, repository: str, *, registry_id: str | None = None, region: str | None = None
    ) -> dict[str, str]:
        self.reads.append((repository, registry_id, region))
        if repository in self.fail:
            raise self.fail[repository]
        return dict(self.tags.get(repository, {}))


def entry(*images: tuple[str, str, str | None]) -> DeploymentEntry:
    return DeploymentEntry(arn="arn", status="SUCCESSFUL", task_definition="web:1", started_at=0.0, images=images)


def test_one_read_per_repository_newest_first_only_ecr() -> None:
    repos = Repos(
        {
            "web": {
                "ecsflow:promoted:test": f"{D1} from=v2 at=2026-01-01T10:00:00Z commit=abc by=alice",
                "ecsflow:promoted:prod": f"{D1} from=- env=staging at=2026-01-02T10:00:00Z commit=def by=bob",
                "team": "payments",  # not a promotion record
            },
            "sidecar": {"ecsflow:promoted:stable": f"{D2} from=1.0 at=2026-01-01T12:00:00Z"},
        }
    )
    entries = [
        entry(("web", f"{ECR}/web@{D1}", D1), ("proxy", "public.ecr.aws/nginx/nginx:1.27", None)),
        entry(("web", f"{ECR}/web:v2", D1), ("sidecar", f"{ECR}/sidecar@{D2}", D2)),
        entry(("web", f"{ECR}/web@{D1}", D1), ("bad", "Not An Image!", None)),
    ]
    found = read_promotions(repos, entries)  # type: ignore[arg-type]
    assert repos.reads == [("web", "123456789012", "eu-west-1"), ("sidecar", "123456789012", "eu-west-1")]
    assert [(r["repository"], r["tag"]) for r in found.records] == [
        ("web", "prod"),
        ("sidecar", "stable"),
        ("web", "test"),
    ]
    prod: dict[str, Any] = found.records[0]
    assert prod["digest"] == D1 and prod["from_tag"] is None and prod["from_env"] == "staging"
    assert (prod["commit"], prod["promoted_by"], prod["at"]) == ("def", "bob", 1767348000.0)
    assert found.records[2]["from_tag"] == "v2" and found.unavailable == []


def test_denied_or_missing_repository_gives_one_line_each() -> None:
    repos = Repos(
        {"web": {"ecsflow:promoted:test": f"{D1} from=v2 at=2026-01-01T10:00:00Z"}},
        fail={
            "api": AwsAccessError("denied", operation="ecr:ListTagsForResource", code="AccessDeniedException"),
            "old": ResourceNotFound("ECR repository 'old' not found", operation="ecr:DescribeRepositories"),
        },
    )
    entries = [entry(("a", f"{ECR}/api@{D1}", D1), ("o", f"{ECR}/old@{D2}", D2), ("w", f"{ECR}/web@{D1}", D1))]
    found = read_promotions(repos, entries)  # type: ignore[arg-type]
    assert [r["tag"] for r in found.records] == ["test"]
    denied, gone = found.unavailable
    assert "'api'" in denied and "denied (ecr:ListTagsForResource)" in denied and "\n" not in denied
    assert "'old'" in gone and "no longer exists" in gone
