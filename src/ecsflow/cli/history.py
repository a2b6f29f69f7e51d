"""``ecsflow history``: what was deployed when, by whom, from which commit, with which digests,
and the promotions recorded on the ECR repositories of those images."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field, replace
from typing import Any

import click

from ecsflow.artifacts.imageref import ImageRef
from ecsflow.cli.context import CliContext, get_context
from ecsflow.cli.output.text import duration
from ecsflow.cli.output.view import Cell, View
from ecsflow.cli.service_targets import build_ecs, mask_pattern, select_targets
from ecsflow.config import ProjectConfig
from ecsflow.diff import Masker
from ecsflow.engines.inspect import short
from ecsflow.engines.promote import promotions
from ecsflow.engines.records import record_for
from ecsflow.engines.revision_log import (
    DeploymentEntry,
    RevisionCache,
    family_revisions,
    records_history,
    service_history,
)
from ecsflow.errors import AwsAccessError, InputError, ResourceNotFound
from ecsflow.ports import EcrRetagPort

_STYLES = {"succeeded": "green", "rolled back": "bold red", "rollback failed": "bold red", "stopped": "yellow"}


@click.command("history")
@click.argument("service")
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml to use.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Entries to show.")
def history(service: str, env: str | None, limit: int) -> int:
    """Show SERVICE's deployments: when, which revision, the outcome, which environment (and the one its
    digests were promoted from), who, which commit, which digests; then the promotions recorded
    on the ECR repositories of those images.

    From ECS's service deployments (90 days of history) joined with the deploy records
    ecsflow writes as tags on the revisions it registers; without the service
    deployments API, from the records alone (registrations, outcome unknown). Promotions
    come from the ``ecsflow:promoted:<tag>`` tags of each repository.
    """
    ctx = get_context()
    config, (target,) = select_targets(ctx, (service,), env)
    masker = Masker(mask_pattern(config))
    ecs = build_ecs(ctx, config)
    state = ecs.describe_services(target.cluster, [target.service]).get(target.service)
    if state is None:
        raise ResourceNotFound(
            f"service {target.service} not found in cluster {target.cluster}",
            hint="check the names in ecsflow.yml, --env, the region and the account",
        )
    cache = RevisionCache(ecs)
    entries = service_history(ecs, target.cluster, target.service, cache=cache)
    source = "service deployments"
    if entries is None:
        family = short(state.task_definition).rsplit(":", 1)[0]
        entries = records_history(family_revisions(ecs, family, limit=limit, cache=cache))
        source = "ecsflow deploy records (this endpoint has no service deployment history)"
    if env is not None:
        entries = [_as_deployed(e, cache, env) for e in entries]
    shown = entries[:limit]
    found = read_promotions(_build_ecr(ctx, config), shown)
    view = View(ctx, masker=masker)
    render_history(view, f"{target.key} ({short(target.cluster)}/{target.service})", shown, source)
    render_promotions(view, found)
    view.document(
        {
            "service": target.key,
            "source": source,
            "history": [entry_payload(e) for e in shown],
            "promotions": found.records,
            "promotions_unavailable": found.unavailable,
        }
    )
    return 0


def render_history(view: View, title: str, entries: list[DeploymentEntry], source: str) -> None:
    view.line(f"{title}, from {source}:", style="bold")
    view.table(
        ["WHEN (UTC)", "REVISION", "OUTCOME", "DURATION", "ENV", "BY", "COMMIT", "IMAGES"],
        [_row(e) for e in entries],
    )
    for e in entries:
        if e.reason and not e.good:
            view.line(f"  {short(e.task_definition)} {e.outcome}: {e.reason}", style="yellow")
    if not entries:
        view.line("no deployments known")


def _row(e: DeploymentEntry) -> list[Cell]:
    took = duration(e.finished_at - e.started_at) if e.finished_at else "-"
    record = e.record
    images = " ".join(f"{c}={_image(i, d)}" for c, i, d in e.images) or "-"
    return [
        time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.started_at)),
        short(e.task_definition),
        (e.outcome, _STYLES.get(e.outcome, "")),
        took,
        _env(e),
        (record.actor or "-") if record else "-",
        (record.commit or "-")[:12] if record else "-",
        images,
    ]


def _as_deployed(e: DeploymentEntry, cache: RevisionCache, env: str) -> DeploymentEntry:
    """The entry with the record of the deploy to ``env`` (a revision may run in several)."""
    td = cache.get(e.task_definition) if e.task_definition else None
    return replace(e, record=record_for(td.tags, env)) if td is not None else e


def _env(e: DeploymentEntry) -> str:
    """The environment a deploy record names, and where its digests came from (``--from-env``)."""
    record = e.record
    if record is None or not (record.environment or record.promoted_from):
        return "-"
    env = record.environment or "-"
    return f"{env} ← {record.promoted_from}" if record.promoted_from else env


def _image(image: str, digest: str | None) -> str:
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return f"{name}@{digest[:19]}…" if digest else name


def entry_payload(e: DeploymentEntry) -> dict[str, Any]:
    record = e.record
    return {
        "service_deployment": e.arn or None,
        "status": e.status,
        "outcome": e.outcome,
        "task_definition": e.task_definition,
        "started_at": e.started_at,
        "finished_at": e.finished_at,
        "reason": e.reason,
        "images": [{"container": c, "image": i, "digest": d} for c, i, d in e.images],
        "deployed_by": record.actor if record else None,
        "commit": record.commit if record else None,
        "environment": record.environment if record else None,
        "promoted_from": record.promoted_from if record else None,
        "revision_status": e.revision_status,
    }


@dataclass
class Promotions:
    """The promotion records of the deployed images' ECR repositories, newest first, and why
    the records of a repository could not be read (one line each)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def _build_ecr(cli_ctx: CliContext, config: ProjectConfig | None) -> EcrRetagPort:
    from ecsflow.aws import EcrAdapter
    from ecsflow.cli.deploy import cli_clients

    return EcrAdapter(cli_clients(cli_ctx, config))


def _repositories(entries: list[DeploymentEntry]) -> list[ImageRef]:
    """The ECR repositories the entries' images come from, once each, in order of appearance."""
    out: dict[tuple[str | None, str | None, str], ImageRef] = {}
    for e in entries:
        for _, image, _ in e.images:
            try:
                ref = ImageRef.parse(image)
            except InputError:
                continue
            if ref.is_ecr:
                out.setdefault((ref.account, ref.region, ref.repository), ref)
    return list(out.values())


def read_promotions(ecr: EcrRetagPort, entries: list[DeploymentEntry]) -> Promotions:
    """One read of the repository tags per ECR repository; denied or missing: a reason, not an error."""
    found = Promotions()
    for ref in _repositories(entries):
        try:
            records = promotions(ecr, ref.repository, registry_id=ref.account, region=ref.region)
        except AwsAccessError as exc:
            found.unavailable.append(
                f"promotions of ECR repository {ref.repository!r} not shown: reading its records was denied "
                f"({exc.operation or 'ecr'}); allow ecr:DescribeRepositories and ecr:ListTagsForResource on it"
            )
            continue
        except ResourceNotFound:
            found.unavailable.append(
                f"promotions of ECR repository {ref.repository!r} not shown: the repository no longer exists"
            )
            continue
        found.records += [_promotion_payload(ref, tag, fields) for tag, fields in records.items()]
    found.records.sort(key=lambda r: (r["at"] is not None, r["at"] or 0.0, r["repository"], r["tag"]), reverse=True)
    return found


def _epoch(at: str | None) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(at, "%Y-%m-%dT%H:%M:%SZ"))) if at else None
    except ValueError:
        return None


def _promotion_payload(ref: ImageRef, tag: str, fields: dict[str, str]) -> dict[str, Any]:
    source_tag = fields.get("from")
    return {
        "repository": ref.repository,
        "registry_id": ref.account,
        "region": ref.region,
        "tag": tag,
        "digest": fields.get("digest"),
        "from_tag": source_tag if source_tag and source_tag != "-" else None,
        "from_env": fields.get("env"),
        "at": _epoch(fields.get("at")),
        "commit": fields.get("commit"),
        "promoted_by": fields.get("by"),
    }


def render_promotions(view: View, found: Promotions) -> None:
    if found.records:
        view.line("")
        view.line("promotions (ECR repository records, newest first):", style="bold")
        view.table(["WHEN (UTC)", "TAG", "DIGEST", "FROM", "COMMIT", "BY"], [_promotion_row(r) for r in found.records])
    for reason in found.unavailable:
        view.line(reason, style="yellow")


def _promotion_row(r: dict[str, Any]) -> list[Cell]:
    source = " / ".join(part for part in (r["from_tag"], f"env {r['from_env']}" if r["from_env"] else None) if part)
    digest = r["digest"] or ""
    return [
        time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r["at"])) if r["at"] is not None else "-",
        f"{r['repository']}:{r['tag']}",
        digest[:19] + "…" if len(digest) > 19 else digest or "-",
        source or "-",
        (r["commit"] or "-")[:12],
        r["promoted_by"] or "-",
    ]
