"""``ecsflow deregister --keep N``: deregister old revisions, never the running or last good ones."""

from __future__ import annotations

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.output.text import event_lines
from ecsflow.cli.output.view import View
from ecsflow.cli.service_targets import build_ecs, mask_pattern, select_targets
from ecsflow.diff import Masker
from ecsflow.engines.inspect import short
from ecsflow.engines.retention import apply_retention, plan_retention
from ecsflow.engines.revision_log import good_revisions, service_history
from ecsflow.errors import ResourceNotFound
from ecsflow.events import Event, Message
from ecsflow.ports import SystemClock


@click.command("deregister")
@click.argument("service")
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml to use.")
@click.option("--keep", type=int, required=True, help="Keep this many newest revisions (at least 1).")
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
def deregister(service: str, env: str | None, keep: int, dry_run: bool) -> int:
    """Deregister old ACTIVE revisions of SERVICE's family, keeping the newest N.

    Never deregistered: revisions any deployment of a configured service of the same
    family runs, and the two most recent revisions that deployed successfully (so
    `ecsflow rollback` always has a target). Deregistered revisions become INACTIVE:
    running tasks go on, but no service can move to them any more.
    """
    ctx = get_context()
    config, (target,) = select_targets(ctx, (service,), env)
    ecs = build_ecs(ctx, config)
    state = ecs.describe_services(target.cluster, [target.service]).get(target.service)
    if state is None:
        raise ResourceNotFound(
            f"service {target.service} not found in cluster {target.cluster}",
            hint="check the names in ecsflow.yml, --env, the region and the account",
        )
    family = short(state.task_definition).rsplit(":", 1)[0]
    protected = {d.task_definition: "running" for d in state.deployments}
    protected[state.task_definition] = "running"
    # Other configured services may run the same family (a shared task definition).
    for other in config.services.values() if config else ():
        if other.key == target.key:
            continue
        found = ecs.describe_services(other.cluster, [other.service]).get(other.service)
        if found is not None and short(found.task_definition).rsplit(":", 1)[0] == family:
            for d in found.deployments:
                protected[d.task_definition] = f"running ({other.key})"
    history = service_history(ecs, target.cluster, target.service)
    plan = plan_retention(
        family,
        ecs.list_task_definitions(family),
        keep,
        protected=protected,
        good=good_revisions(history) if history is not None else None,
    )
    masker = Masker(mask_pattern(config))
    view = View(ctx, masker=masker)
    events: list[Event] = []
    done = apply_retention(ecs, plan, service=target.key, sink=events.append, clock=SystemClock(), dry_run=dry_run)
    for event in events:
        for line in event_lines(event):
            view.line(line, style="yellow" if isinstance(event, Message) and event.level != "info" else None)
    if not dry_run:
        view.line(f"deregistered {len(done)} revision(s) of {family}", style="bold")
    view.document(
        {
            "family": family,
            "dry_run": dry_run,
            "keep": [{"task_definition": a, "why": w} for a, w in plan.keep],
            "deregister": list(plan.deregister),
            "deregistered": done,
        }
    )
    return 0
