"""``ecsflow promote``: retag an image in ECR (no pull, no push), same digest, recorded."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import click

from ecsflow.cli.context import CliContext, get_context
from ecsflow.cli.output.view import View
from ecsflow.cli.provenance import actor_of, commit_of
from ecsflow.cli.service_targets import load_project, mask_pattern, select_targets
from ecsflow.config import ProjectConfig
from ecsflow.diff import Masker
from ecsflow.engines.promote import PromotionRecord, PromotionResult, promote, promote_running
from ecsflow.engines.running import ServiceTarget
from ecsflow.errors import UsageError
from ecsflow.events import Event, Message

if TYPE_CHECKING:
    from ecsflow.aws import AwsClients

EXAMPLES = """
\b
Examples:
  ecsflow promote web:3f2c1ab --to-tag test            # the commit's image becomes `test`
  ecsflow promote web@sha256:… --to-tag staging
  ecsflow promote --from-env test api --to-tag staging # what runs in test, by digest
  ecsflow promote web:v42 --to-tag prod --force        # move a tag that names another image
  ecsflow promote web:v42 --to-tag prod --dry-run
"""


@click.command("promote", epilog=EXAMPLES)
@click.argument("args", nargs=-1, metavar="IMAGE | SERVICE…")
@click.option("--to-tag", "to_tag", required=True, help="The tag to put on the image.")
@click.option(
    "--from-env", "from_env", default=None, metavar="ENV", help="Promote what runs in ENV's SERVICEs (ecsflow.yml)."
)
@click.option("--force", is_flag=True, help="Move the tag when it names another image (mutable repositories).")
@click.option("--dry-run", is_flag=True, help="Check and print what would change; change nothing.")
@click.option("--commit", default=None, metavar="SHA", help="Commit to record [default: CI variables, then git].")
def promote_cmd(
    args: tuple[str, ...], to_tag: str, from_env: str | None, force: bool, dry_run: bool, commit: str | None
) -> int:
    """Put --to-tag on an image in Amazon ECR without pulling or pushing it.

    IMAGE is repo:tag, repo@sha256:…, or a full ECR URI. With --from-env ENV, the
    SERVICEs are keys of ecsflow.yml and their images are the exact digests their
    PRIMARY deployment runs in ENV (refused while a deployment is in progress, or when an
    ECR image runs by tag without a digest).

    The digest never changes (ECR checks it and ecsflow reads the tag back). A tag that
    already names the image is left alone; a tag on another image moves only with
    --force, and never in a repository with immutable tags. Each promotion is recorded as
    a tag `ecsflow:promoted:<tag>` on the repository (from which tag, when, which commit).
    Exit codes: 0 done, 1 AWS refused, 2 invalid input or refused (nothing changed), 9 AWS access.
    """
    ctx = get_context()
    if from_env is None:
        if len(args) != 1:
            raise UsageError(
                "give exactly one IMAGE (repo:tag, repo@sha256:…, or a full ECR URI), or --from-env ENV SERVICE…",
                hint="ecsflow promote web:v42 --to-tag staging",
            )
        config = load_project(ctx, None, required=False)
    elif not args:
        raise UsageError(f"--from-env {from_env}: name the SERVICEs whose images to promote")
    else:
        config = None
    view = View(ctx, masker=Masker(mask_pattern(config)))
    record = PromotionRecord(commit=commit_of(commit), actor=actor_of(), at=time.time(), source_env=from_env)

    def sink(event: Event) -> None:
        if isinstance(event, Message) and event.level == "warning":
            view.line(f"warning: {event.text}", style="yellow")

    from ecsflow.aws import EcrAdapter, EcsAdapter

    if from_env is None:
        ecr = EcrAdapter(_clients(ctx, config))
        results = [promote(ecr, args[0], to_tag, force=force, dry_run=dry_run, record=record, sink=sink)]
    else:
        config, targets = select_targets(ctx, args, from_env)
        clients = _clients(ctx, config)
        ecr, ecs = EcrAdapter(clients), EcsAdapter(clients)
        services = [ServiceTarget(t.key, t.cluster, t.service) for t in targets]
        results = promote_running(
            ecs, ecr, services, to_tag, env=from_env, force=force, dry_run=dry_run, record=record, sink=sink
        )
    for r in results:
        prefix = f"{r.service} {r.container}: " if r.service else ""
        view.line(prefix + r.describe(), style="green" if not r.dry_run else None)
    view.document({"dry_run": dry_run, "to_tag": to_tag, "promotions": [payload(r) for r in results]})
    return 0


def payload(r: PromotionResult) -> dict[str, Any]:
    return {
        "repository": r.repository,
        "registry": r.registry,
        "digest": r.digest,
        "source": r.source,
        "source_tag": r.source_tag,
        "to_tag": r.to_tag,
        "action": r.action.value,
        "previous_digest": r.previous_digest,
        "image": r.uri,
        "service": r.service,
        "container": r.container,
        "dry_run": r.dry_run,
    }


def _clients(ctx: CliContext, config: ProjectConfig | None) -> AwsClients:
    from ecsflow.cli.deploy import cli_clients

    return cli_clients(ctx, config)
