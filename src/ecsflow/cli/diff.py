"""``ecsflow diff``: the task definition file (rendered) against the revision the service runs."""

from __future__ import annotations

from typing import Any

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.output.view import View
from ecsflow.cli.service_targets import build_ecs, mask_pattern, rendered_file, select_targets
from ecsflow.diff import Masker, diff_task_definitions
from ecsflow.engines.inspect import short
from ecsflow.errors import ExitCode, ResourceNotFound


@click.command("diff")
@click.argument("services", nargs=-1)
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml to use.")
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none (like terraform plan)."
)
def diff(services: tuple[str, ...], env: str | None, detailed_exitcode: bool) -> int:
    """Show what deploying the task definition file would change, semantically.

    AWS-filled defaults and ordering ECS ignores are not changes; environment values whose
    names look secret are masked, and secrets are shown by reference only. Images given
    as placeholders (or as the tag the running revision pinned) are taken as running.
    """
    ctx = get_context()
    config, targets = select_targets(ctx, services, env)
    masker = Masker(mask_pattern(config))
    ecs = build_ecs(ctx, config)
    view = View(ctx, masker=masker)
    payload: list[dict[str, Any]] = []
    changed = False
    for t in targets:
        state = ecs.describe_services(t.cluster, [t.service]).get(t.service)
        if state is None:
            raise ResourceNotFound(
                f"service {t.service} not found in cluster {t.cluster}",
                hint="check the names in ecsflow.yml, --env, the region and the account",
            )
        running = ecs.describe_task_definition(state.task_definition)
        found = rendered_file(config, t.config, running.body) if config and t.config else None
        if found is None:
            view.line(f"{t.key}: no task definition file configured: nothing to compare", style="dim")
            payload.append({"service": t.key, "running_revision": running.arn, "file": None, "changes": []})
            continue
        file, rendered = found
        result = diff_task_definitions(running.body, rendered, masker=masker)
        changed = changed or result.changed
        view.line(f"--- {short(running.arn)} (running on {short(t.cluster)}/{t.service})", style="bold red")
        view.line(f"+++ {file} (rendered)", style="bold green")
        for change in result.changes:
            style = {"added": "green", "removed": "red"}.get(str(change.kind), "yellow")
            view.line(str(change), style=style)
        if not result.changed:
            view.line("no changes", style="dim")
        payload.append(
            {
                "service": t.key,
                "running_revision": running.arn,
                "file": file,
                "changes": [c.to_dict() for c in result.changes],
            }
        )
    view.document({"services": payload, "changed": changed})
    return int(ExitCode.INVALID) if detailed_exitcode and changed else int(ExitCode.OK)
