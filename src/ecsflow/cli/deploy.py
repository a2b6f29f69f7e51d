"""``ecsflow deploy``: render, pin, register (or reuse), update, and wait for the truth."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import click

from ecsflow import __version__
from ecsflow.cli.artifact_io import read_input, split_pairs
from ecsflow.cli.context import CliContext, get_context
from ecsflow.cli.service_targets import load_project
from ecsflow.config import BaseMode, ProjectConfig, ServiceConfig, parse_duration
from ecsflow.diff import Masker
from ecsflow.engines.gates import Gate, parse_stop_point
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.engines.prepare import DeployRequest
from ecsflow.engines.records import DeployRecord
from ecsflow.errors import ConfigError, UsageError
from ecsflow.events import EventSink
from ecsflow.factory import AwsOptions, aws_clients, deploy_engine
from ecsflow.model import DeploymentResult, worst_exit_code
from ecsflow.plan import DeployPlan
from ecsflow.ports import Clock

if TYPE_CHECKING:
    from ecsflow.aws import AwsClients

EXAMPLES = """
\b
Examples:
  ecsflow deploy api --tag v42                      # configured repositories, tag pinned to its digest
  ecsflow deploy api --image web=123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v42
  ecsflow deploy --all --env prod --image-definitions imagedefinitions.json
  ecsflow deploy api --revision latest               # the newest ACTIVE revision, as is
  ecsflow deploy api --base service --tag v42        # what the CodePipeline ECS action does
  ecsflow deploy api --tag v42 --dry-run             # print the plan, change nothing
  ecsflow deploy api --tag v42 --no-wait && ecsflow wait api
  ecsflow deploy api --tag v42 --until test-traffic   # blue/green: held at test traffic, then `ecsflow continue api`
  ecsflow deploy api --tag v42 --test-command ./smoke.sh   # continues on exit 0, rolls back otherwise
  ecsflow deploy api --env prod --from-env staging  # exactly the digests that run in staging
"""


@click.command("deploy", epilog=EXAMPLES)
@click.argument("services", nargs=-1)
@click.option("--all", "all_services", is_flag=True, help="Deploy every service of ecsflow.yml.")
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml (overrides and variables).")
@click.option("--image", "images", multiple=True, metavar="CONTAINER=URI", help="Image for a container (repeatable).")
@click.option("--tag", default=None, help="Tag for the repositories configured under `images:`.")
@click.option("--image-definitions", "image_definitions", default=None, metavar="FILE", help="imagedefinitions.json.")
@click.option(
    "--image-detail", "image_details", multiple=True, metavar="[NAME=]FILE", help="imageDetail.json (ECR source)."
)
@click.option("--revision", default=None, metavar="N|ARN|latest|current", help="Deploy an existing revision as is.")
@click.option(
    "--from-env", "from_env", default=None, metavar="ENV", help="Deploy the exact image digests that run in ENV."
)
@click.option("--commit", default=None, metavar="SHA", help="Commit to record [default: CI variables, then git].")
@click.option(
    "--base",
    type=click.Choice([m.value for m in BaseMode]),
    default=None,
    help="Start from the file (default), the service's revision (CodePipeline), or the family's newest.",
)
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Value for ${NAME} in templates.")
@click.option("--timeout", default=None, metavar="DURATION", help="Wait at most this long (600, 90s, 15m, 1h).")
@click.option("--no-wait", is_flag=True, help="Start the deployments, print their ids, do not wait.")
@click.option(
    "--until",
    type=click.Choice(["test-traffic", "production-traffic", "bake", "complete"]),
    default=None,
    help="Blue/green: return once the deployment reached this point (held there when AWS can hold it).",
)
@click.option(
    "--test-command",
    default=None,
    metavar="CMD",
    help="Blue/green: run CMD at test traffic (or --until's point); exit 0 continues, anything else rolls back.",
)
@click.option(
    "--deployment-config",
    default=None,
    metavar="NAME",
    help="CodeDeploy: the deployment configuration of this deploy (e.g. CodeDeployDefault.ECSCanary10Percent5Minutes).",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@click.option("--force", is_flag=True, help="Start a new deployment even when the revision is unchanged.")
@click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Services deployed at once.")
@click.option("--fail-fast/--keep-going", "fail_fast", default=None, help="Stop starting services after a failure.")
@click.option("--summary", "summary_path", default=None, metavar="FILE", help="Write a Markdown summary here.")
def deploy(
    services: tuple[str, ...],
    all_services: bool,
    env: str | None,
    images: tuple[str, ...],
    tag: str | None,
    image_definitions: str | None,
    image_details: tuple[str, ...],
    revision: str | None,
    from_env: str | None,
    commit: str | None,
    base: str | None,
    variables: tuple[str, ...],
    timeout: str | None,
    no_wait: bool,
    until: str | None,
    test_command: str | None,
    deployment_config: str | None,
    dry_run: bool,
    force: bool,
    concurrency: int | None,
    fail_fast: bool | None,
    summary_path: str | None,
) -> int:
    """Deploy services: render → pin image tags to digests → reuse or register → update → wait.

    SERVICE is a key of ecsflow.yml (all of them with --all or none given), or
    CLUSTER/SERVICE for a service the configuration does not name (its running revision
    is the base). Exit codes: 0 succeeded (or --until reached), 1 failed, 4 rolled back,
    5 timed out, 6 superseded, 7 paused at a PAUSE hook or a CodeDeploy ready wait
    (`ecsflow continue`), 130 interrupted (the deployment goes on).
    """
    ctx = get_context()
    if revision is not None and (images or tag or image_definitions or image_details or base):
        raise UsageError("--revision deploys an existing revision as is: it takes no image inputs nor --base")
    if all_services and services:
        raise UsageError("give SERVICE names or --all, not both")
    if no_wait and (until or test_command):
        raise UsageError("--until and --test-command wait for the deployment: they do not go with --no-wait")
    if from_env is not None and (images or tag or image_definitions or image_details or revision):
        raise UsageError("--from-env deploys the images that run in another environment: it takes no image inputs")
    if from_env is not None and from_env == env:
        raise UsageError(f"--from-env {from_env} is the environment being deployed; name another one")
    config = load_project(ctx, env, required=not services or any("/" not in s for s in services))
    selected = _services(config, services)
    inputs = _inputs(images, tag, image_definitions, image_details)
    if from_env is not None:
        from ecsflow.cli.from_env import from_env_inputs, source_services

        inputs = from_env_inputs(source_services(ctx, from_env, selected))
    wait_for = None
    if timeout is not None:
        wait_for = parse_duration(timeout)
        if wait_for is None:
            raise UsageError(f"--timeout {timeout!r}: expected a duration such as 600, 90s, 15m or 1h")
    defaults = config.defaults if config else None
    request = DeployRequest(
        services=tuple(selected),
        groups=_groups(config, [s.key for s in selected]),
        inputs=inputs,
        revision=revision,
        base=BaseMode(base) if base else None,
        timeout=wait_for,
        force=force,
        variables=dict(os.environ),
        overrides=dict(split_pairs(variables, "--var")),
        record=_record(env, commit, from_env),
    )
    options = RunOptions(
        concurrency=concurrency or (defaults.concurrency if defaults else 4),
        fail_fast=fail_fast if fail_fast is not None else (defaults.fail_fast if defaults else True),
        wait=not no_wait,
        gate=_gate(until, test_command),
        deployment_config=deployment_config,
    )
    return _run(ctx, config, request, options, dry_run=dry_run, summary_path=summary_path)


def _run(
    ctx: CliContext,
    config: ProjectConfig | None,
    request: DeployRequest,
    options: RunOptions,
    *,
    dry_run: bool,
    summary_path: str | None,
) -> int:
    from ecsflow.cli.output import make_reporter

    pattern = config.defaults.secret_pattern if config else None
    masker = Masker(pattern)
    with make_reporter(ctx, summary_path=summary_path, masker=masker, title="ecsflow deploy") as reporter:
        engine = deploy_engine(aws_options(ctx), config, sink=reporter.sink, masker=masker)
        plan, results = engine.deploy(request, options, dry_run=dry_run)
        if not dry_run:
            _record_reused(ctx, config, plan, results, request, reporter.sink, engine.clock)
        reporter.finish(results)
    return int(worst_exit_code([r.outcome for r in results]))


def _record_reused(
    ctx: CliContext,
    config: ProjectConfig | None,
    plan: DeployPlan,
    results: list[DeploymentResult],
    request: DeployRequest,
    sink: EventSink,
    clock: Clock,
) -> None:
    """The deploy record on revisions this deploy did not register (``ecsflow.engines.env_records``)."""
    from ecsflow.aws.tags import EcsTagger
    from ecsflow.engines.env_records import record_deploys

    record_deploys(EcsTagger(cli_clients(ctx, config)), plan, results, request.record, sink=sink, clock=clock)


def _gate(until: str | None, test_command: str | None) -> Gate | None:
    if until is None and not test_command:
        return None
    if test_command is not None and not test_command.strip():
        raise UsageError("--test-command is empty: give the command that tests the new revision")
    return Gate(until=parse_stop_point(until) if until else None, test_command=test_command)


def aws_options(ctx: CliContext) -> AwsOptions:
    return AwsOptions(
        region=ctx.region,
        profile=ctx.profile,
        endpoint_url=ctx.endpoint_url,
        clock=os.environ.get("ECSFLOW_CLOCK") or None,
    )


def cli_clients(ctx: CliContext, config: ProjectConfig | None) -> AwsClients:
    """boto3 clients for this command: --region/--profile/--endpoint-url, then ``ecsflow.yml``."""
    return aws_clients(aws_options(ctx), config)


def _services(config: ProjectConfig | None, names: tuple[str, ...]) -> list[ServiceConfig]:
    if not names:
        if config is None or not config.services:
            raise ConfigError("no services to deploy", hint="name them, use --all, or add `services:` to ecsflow.yml")
        return list(config.services.values())
    out: list[ServiceConfig] = []
    unknown: list[str] = []
    for name in dict.fromkeys(names):
        svc = config.services.get(name) if config else None
        if svc is not None:
            out.append(svc)
        elif "/" in name:
            cluster, _, service = name.rpartition("/")
            # Not configured: no template, so the running revision is the base.
            out.append(ServiceConfig(key=name, cluster=cluster, service=service, base=BaseMode.SERVICE))
        else:
            unknown.append(name)
    if unknown:
        known = ", ".join(sorted(config.services)) if config else "none"
        raise UsageError(
            f"unknown service {', '.join(map(repr, unknown))} (configured: {known})",
            hint="name a service key of ecsflow.yml, or CLUSTER/SERVICE",
        )
    return out


def _groups(config: ProjectConfig | None, keys: list[str]) -> tuple[tuple[str, ...], ...]:
    groups = config.groups(keys) if config else []
    grouped = {k for g in groups for k in g}
    rest = [k for k in keys if k not in grouped]
    return tuple(tuple(g) for g in groups) + ((tuple(rest),) if rest else ())


def _inputs(
    images: tuple[str, ...], tag: str | None, image_definitions: str | None, image_details: tuple[str, ...]
) -> ImageInputs:
    from ecsflow.artifacts.imagedefs import parse_image_definitions
    from ecsflow.artifacts.imagedetail import parse_image_detail

    pairs = split_pairs(images, "--image", "CONTAINER=URI")
    if image_definitions:
        defs = parse_image_definitions(read_input(image_definitions), image_definitions)
        given = {c for c, _ in pairs}
        pairs = [(d.name, d.image_uri) for d in defs if d.name not in given] + pairs
    details: list[tuple[str | None, str]] = []
    for spec in image_details:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = "", spec
        detail = parse_image_detail(read_input(path), path)
        details.append((name or None, detail.image_uri))
    return ImageInputs(images=tuple(pairs), tag=tag, image_details=tuple(details))


def _record(env: str | None, commit: str | None = None, from_env: str | None = None) -> DeployRecord:
    from ecsflow.cli.provenance import actor_of, commit_of

    return DeployRecord(
        commit=commit_of(commit),
        actor=actor_of(),
        at=time.time(),
        environment=env,
        tool_version=__version__,
        promoted_from=from_env,
    )
