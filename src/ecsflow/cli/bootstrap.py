"""``ecsflow bootstrap service|codedeploy|native``: create what ecsflow deploys to.

Every subcommand prints its plan first (create / adopt / unchanged / differs / update, or
delete / keep with ``--delete``), then asks before applying it on a terminal (``--yes``
skips the question; without a terminal ``--yes`` is required), and ``--dry-run`` stops
after the plan. What ecsflow creates is tagged ``ecsflow:managed-by=ecsflow`` and recorded
in ``.ecsflow/bootstrap/<cluster>/<service>.json`` next to ``ecsflow.yml``; ``--delete``
removes only resources that are both recorded and still tagged.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ecsflow import __version__
from ecsflow.cli.context import CliContext, get_context
from ecsflow.cli.output.text import event_lines
from ecsflow.cli.output.view import View
from ecsflow.cli.service_targets import Target, config_file, mask_pattern, select_targets
from ecsflow.config import ProjectConfig
from ecsflow.diff import Masker
from ecsflow.engines.bootstrap_apply import ProvisionPort, apply_plan
from ecsflow.engines.bootstrap_common import GONE, RecordEntry
from ecsflow.engines.bootstrap_plan import Action, BootstrapPlan, Step
from ecsflow.errors import ConfigError, Problem, UsageError
from ecsflow.events import Event, Message

EXAMPLES = """
\b
Examples:
  ecsflow bootstrap service web --dry-run          # the plan for what ecsflow.yml describes
  ecsflow bootstrap service web --yes              # create (or adopt) cluster, logs, revision, service
  ecsflow bootstrap codedeploy web --test-port 8443 --deployment-config CodeDeployDefault.ECSCanary10Percent5Minutes
  ecsflow bootstrap native web --strategy linear --step-percent 20 --bake-minutes 5
  ecsflow bootstrap service web --delete --yes     # remove what ecsflow created, nothing else
"""


@click.group("bootstrap", epilog=EXAMPLES)
def bootstrap() -> None:
    """Create the AWS resources ecsflow deploys to: plan first, idempotent, reversible.

    Exit codes: 0 done (or nothing to change), 1 AWS refused a step (what was created
    before is listed and recorded; re-running continues), 2 invalid input or a name taken
    by a resource ecsflow does not manage (nothing changed), 9 AWS access.
    """


_COMMON = [
    click.option("-e", "--env", default=None, help="Environment of ecsflow.yml."),
    click.option("--dry-run", is_flag=True, help="Print the plan and change nothing."),
    click.option("--yes", "-y", is_flag=True, help="Apply without asking."),
    click.option("--delete", is_flag=True, help="Remove what this command created (plan first)."),
]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_COMMON):
        func = option(func)
    return func


# --- shared plumbing ----------------------------------------------------------------------


class RecordStore:
    """``.ecsflow/bootstrap/<cluster>/<service>.json``: what bootstrap created, newest last."""

    def __init__(self, root: Path, cluster: str, service: str) -> None:
        self.path = root / ".ecsflow" / "bootstrap" / cluster.rsplit("/", 1)[-1] / f"{service}.json"

    def load(self) -> list[RecordEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot read the bootstrap record {self.path}: {exc}",
                hint="fix or remove the file (resources are also tagged ecsflow:managed-by)",
            ) from exc
        return [RecordEntry.from_json(e) for e in data.get("resources") or ()]

    def save(self, entries: list[RecordEntry]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"version": 1, "resources": [e.to_json() for e in entries]}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(self.path)


def _root(ctx: CliContext, config: ProjectConfig | None) -> Path:
    return Path(config.root) if config else config_file(ctx).parent


def _clients(ctx: CliContext, config: ProjectConfig | None) -> Any:
    from ecsflow.cli.deploy import cli_clients

    return cli_clients(ctx, config)


def _port(clients: Any) -> ProvisionPort:
    from ecsflow.aws.provision import ProvisionAdapter

    return ProvisionAdapter(clients)


def _target(ctx: CliContext, name: str, env: str | None) -> tuple[ProjectConfig | None, Target]:
    config, (target,) = select_targets(ctx, (name,), env)
    return config, target


def _run(
    ctx: CliContext,
    config: ProjectConfig | None,
    target: Target,
    plan: BootstrapPlan,
    port: ProvisionPort,
    *,
    by: str,
    dry_run: bool,
    yes: bool,
    rerun: str,
    view: View,
) -> int:
    from ecsflow.cli.deploy import aws_options
    from ecsflow.factory import make_clock

    view.line("plan (dry run):" if dry_run else "plan:", style="bold")
    for line in plan.lines():
        view.line(f"  {line}")
    for step in plan.differing:
        view.line(f"warning: {step.kind} {step.name} differs from ecsflow.yml (left as it is)", style="yellow")
    doc: dict[str, Any] = {"plan": plan.to_json(), "dry_run": dry_run, "applied": False, "created": [], "deleted": []}
    store = RecordStore(_root(ctx, config), target.cluster, target.service)
    gone = {s.id for s in plan.steps if s.action is Action.KEEP and s.details == (GONE,)}
    if gone and not dry_run:  # deleted outside ecsflow: nothing left to remember
        store.save([e for e in store.load() if f"{e.kind}:{e.id}" not in gone])
    if dry_run or not plan.changes:
        if not plan.changes and not dry_run:
            view.line("nothing to change", style="bold")
        view.document(doc)
        return 0
    if not yes:
        if ctx.json_output or not sys.stdin.isatty():
            raise UsageError(
                "bootstrap changes AWS resources: confirm with --yes when not on a terminal",
                hint="review the plan (--dry-run), then re-run with --yes",
            )
        if not click.confirm(f"apply these {len(plan.changes)} change(s)?", default=False):
            view.line("nothing changed")
            view.document(doc)
            return 0
    entries = store.load()

    def created(step: Step, ident: str, undo: Mapping[str, Any]) -> None:
        entries.append(RecordEntry(step.kind, ident, step.name, by, dict(undo)))
        store.save(entries)
        doc["created"].append({"kind": step.kind, "id": ident})

    def deleted(step: Step) -> None:
        entries[:] = [e for e in entries if f"{e.kind}:{e.id}" != step.id]
        store.save(entries)
        doc["deleted"].append({"kind": step.kind, "id": step.existing})

    def sink(event: Event) -> None:
        for line in event_lines(event):
            view.line(line, style="yellow" if isinstance(event, Message) and event.level != "info" else None)

    apply_plan(
        plan, port, clock=make_clock(aws_options(ctx)), sink=sink, on_created=created, on_deleted=deleted, rerun=rerun
    )
    doc["applied"] = True
    view.line(f"done: {len(plan.changes)} change(s) applied", style="bold")
    view.document(doc)
    return 0


def _entries(ctx: CliContext, config: ProjectConfig | None, target: Target) -> list[RecordEntry]:
    return RecordStore(_root(ctx, config), target.cluster, target.service).load()


# --- bootstrap service --------------------------------------------------------------------


@bootstrap.command("service")
@click.argument("service")
@_common
@click.option("--tag", default=None, help="Tag for the repositories configured under `images:`.")
@click.option("--image", "images", multiple=True, metavar="CONTAINER=URI", help="Image for a container (repeatable).")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Value for ${NAME} in templates.")
def service_cmd(
    service: str,
    env: str | None,
    dry_run: bool,
    yes: bool,
    delete: bool,
    tag: str | None,
    images: tuple[str, ...],
    variables: tuple[str, ...],
) -> int:
    """Create (or adopt) the cluster, log groups, task definition and service of SERVICE
    as `services.<key>.bootstrap` in ecsflow.yml describes them."""
    from ecsflow.cli.artifact_io import split_pairs
    from ecsflow.engines.bootstrap_service import ServiceRequest, plan_service, plan_service_delete

    ctx = get_context()
    config, target = _target(ctx, service, env)
    view = View(ctx, masker=Masker(mask_pattern(config)))
    clients = _clients(ctx, config)
    port = _port(clients)
    rerun = f"ecsflow bootstrap service {service}" + (" --delete" if delete else "")
    if delete:
        plan = plan_service_delete(port, target.cluster, target.service, _entries(ctx, config, target))
        return _run(ctx, config, target, plan, port, by="service", dry_run=dry_run, yes=yes, rerun=rerun, view=view)
    svc = target.config
    if svc is None or config is None or svc.bootstrap is None:
        where = config.path if config else "ecsflow.yml"
        raise ConfigError(
            f"{service}: ecsflow.yml says nothing about how to create it",
            [
                Problem(
                    "add `bootstrap:` (desired_count, subnets, load_balancer, …)",
                    f"services.{service}.bootstrap",
                    where,
                )
            ],
            hint="see docs/bootstrap.md; nothing was changed",
        )
    desired = _render(ctx, clients, config, svc, tag, split_pairs(images, "--image", "CONTAINER=URI"), variables, env)
    request = ServiceRequest(svc, svc.bootstrap, desired.body or {}, desired.tags, config.path)
    plan = plan_service(port, request)
    return _run(ctx, config, target, plan, port, by="service", dry_run=dry_run, yes=yes, rerun=rerun, view=view)


def _render(
    ctx: CliContext,
    clients: Any,
    config: ProjectConfig,
    svc: Any,
    tag: str | None,
    pairs: list[tuple[str, str]],
    variables: tuple[str, ...],
    env: str | None,
) -> Any:
    from ecsflow.aws import EcrAdapter, EcsAdapter
    from ecsflow.cli.artifact_io import split_pairs
    from ecsflow.cli.deploy import aws_options
    from ecsflow.engines.bootstrap_render import render_for_bootstrap
    from ecsflow.engines.images import ImageInputs
    from ecsflow.engines.prepare import Preparer
    from ecsflow.engines.records import DeployRecord
    from ecsflow.factory import make_clock, template_loader

    view = View(ctx, masker=Masker(mask_pattern(config)))

    def sink(event: Event) -> None:
        for line in event_lines(event):
            view.line(line)

    preparer = Preparer(
        EcsAdapter(clients), EcrAdapter(clients), make_clock(aws_options(ctx)), sink, template_loader(config)
    )
    record = DeployRecord(actor=os.environ.get("USER"), at=time.time(), environment=env, tool_version=__version__)
    return render_for_bootstrap(
        preparer,
        svc,
        ImageInputs(images=tuple(pairs), tag=tag),
        variables=dict(os.environ),
        overrides=dict(split_pairs(variables, "--var")),
        record=record,
    )


# --- bootstrap codedeploy -----------------------------------------------------------------


@bootstrap.command("codedeploy")
@click.argument("service")
@_common
@click.option(
    "--deployment-config",
    default="CodeDeployDefault.ECSAllAtOnce",
    show_default=True,
    help="Traffic shifting configuration (predefined or custom).",
)
@click.option("--test-port", type=click.IntRange(1, 65535), default=None, help="Create a test listener on this port.")
@click.option("--listener-arn", default=None, help="Production listener (default: the one forwarding to the group).")
@click.option("--role-arn", default=None, help="CodeDeploy service role to use (default: ecsflow creates one).")
@click.option("--application", default=None, help="Application name (default AppECS-<cluster>-<service>).")
@click.option("--deployment-group", default=None, help="Deployment group name (default DgpECS-<cluster>-<service>).")
@click.option(
    "--ready-wait",
    type=click.IntRange(0, 7200),
    default=0,
    show_default=True,
    help="Minutes to wait for `ecsflow continue` before rerouting (0: reroute when ready).",
)
@click.option(
    "--termination-wait",
    type=click.IntRange(0, 2880),
    default=5,
    show_default=True,
    help="Minutes the old task set keeps running after success.",
)
def codedeploy_cmd(
    service: str,
    env: str | None,
    dry_run: bool,
    yes: bool,
    delete: bool,
    deployment_config: str,
    test_port: int | None,
    listener_arn: str | None,
    role_arn: str | None,
    application: str | None,
    deployment_group: str | None,
    ready_wait: int,
    termination_wait: int,
) -> int:
    """Create what CodeDeploy blue/green needs for SERVICE (a CODE_DEPLOY service behind a
    target group): second target group, test listener, application, deployment group, role."""
    from ecsflow.engines.bootstrap_codedeploy import CodeDeployRequest, plan_codedeploy, plan_codedeploy_delete

    ctx = get_context()
    config, target = _target(ctx, service, env)
    view = View(ctx, masker=Masker(mask_pattern(config)))
    port = _port(_clients(ctx, config))
    request = CodeDeployRequest(
        cluster=target.cluster,
        service=target.service,
        application=application,
        deployment_group=deployment_group,
        deployment_config=deployment_config,
        ready_wait_minutes=ready_wait,
        termination_wait_minutes=termination_wait,
        test_port=test_port,
        listener=listener_arn,
        role_arn=role_arn,
        owner=f"{target.cluster}/{target.service}",
    )
    if delete:
        plan = plan_codedeploy_delete(port, request, _entries(ctx, config, target))
    else:
        plan = plan_codedeploy(port, request)
    rerun = f"ecsflow bootstrap codedeploy {service}" + (" --delete" if delete else "")
    return _run(ctx, config, target, plan, port, by="codedeploy", dry_run=dry_run, yes=yes, rerun=rerun, view=view)


# --- bootstrap native ---------------------------------------------------------------------


@bootstrap.command("native")
@click.argument("service")
@_common
@click.option(
    "--strategy",
    type=click.Choice(["blue_green", "linear", "canary"]),
    default=None,
    help="Native strategy (default: bootstrap.strategy of ecsflow.yml).",
)
@click.option("--bake-minutes", type=click.IntRange(0, 1440), default=None, help="Bake time after the shift.")
@click.option("--step-percent", type=click.FloatRange(3.0, 100.0), default=None, help="LINEAR: percent per step.")
@click.option("--step-bake-minutes", type=click.IntRange(0, 1440), default=None, help="LINEAR: minutes between steps.")
@click.option("--canary-percent", type=click.FloatRange(0.1, 100.0), default=None, help="CANARY: first shift.")
@click.option(
    "--canary-bake-minutes", type=click.IntRange(0, 1440), default=None, help="CANARY: minutes before the rest."
)
@click.option("--listener-arn", default=None, help="Production listener (default: the one forwarding to the group).")
@click.option("--test-listener-arn", default=None, help="Listener for test traffic (a rule is added to it).")
@click.option("--role-arn", default=None, help="ECS infrastructure role to use (default: ecsflow creates one).")
def native_cmd(
    service: str,
    env: str | None,
    dry_run: bool,
    yes: bool,
    delete: bool,
    strategy: str | None,
    bake_minutes: int | None,
    step_percent: float | None,
    step_bake_minutes: int | None,
    canary_percent: float | None,
    canary_bake_minutes: int | None,
    listener_arn: str | None,
    test_listener_arn: str | None,
    role_arn: str | None,
) -> int:
    """Switch SERVICE (ECS controller, behind a target group) to an ECS-native strategy:
    alternate target group, listener rules, infrastructure role, UpdateService."""
    from dataclasses import replace

    from ecsflow.config.bootstrap import NativeConfig
    from ecsflow.engines.bootstrap_native import NativeRequest, plan_native, plan_native_delete

    ctx = get_context()
    config, target = _target(ctx, service, env)
    view = View(ctx, masker=Masker(mask_pattern(config)))
    port = _port(_clients(ctx, config))
    configured = target.config.bootstrap if target.config else None
    base = configured.native if configured else NativeConfig()
    given: dict[str, Any] = {
        "bake_minutes": bake_minutes,
        "step_percent": step_percent,
        "step_bake_minutes": step_bake_minutes,
        "canary_percent": canary_percent,
        "canary_bake_minutes": canary_bake_minutes,
        "infrastructure_role": role_arn,
        "test_listener": test_listener_arn,
    }
    settings = replace(base, **{k: v for k, v in given.items() if v is not None})
    chosen = (strategy or "").upper() or (configured.strategy if configured else "ROLLING")
    if not delete and chosen not in ("BLUE_GREEN", "LINEAR", "CANARY"):
        raise UsageError(
            "name the strategy: --strategy blue_green|linear|canary (or bootstrap.strategy in ecsflow.yml)"
        )
    listener = listener_arn or (configured.load_balancer.listener if configured and configured.load_balancer else None)
    request = NativeRequest(
        target.cluster, target.service, chosen, settings, listener, f"{target.cluster}/{target.service}"
    )
    if delete:
        plan = plan_native_delete(port, request, _entries(ctx, config, target))
    else:
        plan = plan_native(port, request)
    rerun = f"ecsflow bootstrap native {service}" + (" --delete" if delete else f" --strategy {chosen.lower()}")
    return _run(ctx, config, target, plan, port, by="native", dry_run=dry_run, yes=yes, rerun=rerun, view=view)
