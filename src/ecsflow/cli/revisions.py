"""``ecsflow revisions``: a family's revisions, which one runs, which are known good, who registered them."""

from __future__ import annotations

import time
from typing import Any

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.output.view import Cell, View
from ecsflow.cli.service_targets import build_ecs, mask_pattern, select_targets
from ecsflow.diff import Masker
from ecsflow.engines.inspect import short
from ecsflow.engines.records import read_record
from ecsflow.engines.revision_log import RevisionCache, family_revisions, good_revisions, service_history
from ecsflow.errors import ResourceNotFound
from ecsflow.ports import RegisteredTaskDefinition


@click.command("revisions")
@click.argument("service")
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml to use.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Revisions to show.")
def revisions(service: str, env: str | None, limit: int) -> int:
    """List the ACTIVE revisions of SERVICE's family, newest first.

    Marks: running (a deployment of the service runs it), last good (its service
    deployment ended SUCCESSFUL), outside (registered without an ecsflow record).
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
    family = (target.config.family if target.config else None) or short(state.task_definition).rsplit(":", 1)[0]
    cache = RevisionCache(ecs)
    history = service_history(ecs, target.cluster, target.service, cache=cache)
    good = good_revisions(history) if history is not None else []
    running = {d.task_definition for d in state.deployments} | {state.task_definition}
    tds = family_revisions(ecs, family, limit=limit, cache=cache)
    view = View(ctx, masker=masker)
    rows: list[list[Cell]] = []
    payload: list[dict[str, Any]] = []
    for td in tds:
        marks = _marks(td, running, good)
        record = read_record(td.tags)
        images = [str(c.get("image", "")) for c in td.body.get("containerDefinitions") or ()]
        registered = (record.at if record and record.at else None) or td.registered_at
        rows.append(
            [
                short(td.arn),
                td.status,
                time.strftime("%Y-%m-%d %H:%M", time.gmtime(registered)) if registered else "-",
                (", ".join(marks) or "-", "bold green" if "running" in marks else ""),
                (record.actor or "-") if record else "-",
                (record.commit or "-")[:12] if record else "-",
                " ".join(i.rsplit("/", 1)[-1][:60] for i in images),
            ]
        )
        payload.append(
            {
                "task_definition": td.arn,
                "revision": td.revision,
                "status": td.status,
                "registered_at": registered,
                "marks": marks,
                "images": images,
                "registered_by": record.actor if record else None,
                "commit": record.commit if record else None,
            }
        )
    view.line(f"{family} (service {target.key}):", style="bold")
    view.table(["REVISION", "STATUS", "REGISTERED", "MARKS", "BY", "COMMIT", "IMAGES"], rows)
    view.document({"service": target.key, "family": family, "revisions": payload})
    return 0


def _marks(td: RegisteredTaskDefinition, running: set[str], good: list[str]) -> list[str]:
    marks = []
    if td.arn in running:
        marks.append("running")
    if td.arn in good[:2]:
        marks.append("last good")
    elif td.arn in good:
        marks.append("good")
    if read_record(td.tags) is None:
        marks.append("outside")
    return marks
