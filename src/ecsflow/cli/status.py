"""``ecsflow status``: per service, what runs, how the deployment goes, and drift."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.output.view import Cell, View
from ecsflow.cli.service_targets import build_ecs, mask_pattern, rendered_file, select_targets
from ecsflow.config import ProjectConfig, ServiceConfig
from ecsflow.diff import Masker
from ecsflow.engines.inspect import ServiceStatus, inspect_service, short
from ecsflow.engines.revision_log import STATUS_WORDS
from ecsflow.errors import ExitCode
from ecsflow.ports import ServiceState

_STATE_STYLE = {"steady": "green", "deploying": "cyan", "failed": "bold red", "missing": "bold red"}


@click.command("status")
@click.argument("services", nargs=-1)
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml to use.")
@click.option("--check", is_flag=True, help=f"Exit {int(ExitCode.DRIFT)} when any service drifted.")
def status(services: tuple[str, ...], env: str | None, check: bool) -> int:
    """Show the running revision, image digests, deployment state and drift of services.

    \b
    Drift: the service runs an older revision than the newest registered one (e.g. one
    registered outside ecsflow), the task definition file differs from what runs, or the
    service runs another family than the configured one.
    """
    ctx = get_context()
    config, targets = select_targets(ctx, services, env)
    masker = Masker(mask_pattern(config))
    ecs = build_ecs(ctx, config)
    # One DescribeServices per cluster and 10 services (the API's batch limit, in the adapter).
    states: dict[tuple[str, str], ServiceState] = {}
    for cluster in dict.fromkeys(t.cluster for t in targets):
        batch = [t.service for t in targets if t.cluster == cluster]
        states.update({(cluster, n): s for n, s in ecs.describe_services(cluster, batch).items()})
    results: list[ServiceStatus] = []
    for t in targets:
        rendered = None
        if config is not None and t.config is not None and t.config.task_definition:
            rendered = renderer(config, t.config)
        results.append(
            inspect_service(
                ecs,
                t.cluster,
                t.service,
                key=t.key,
                family=t.config.family if t.config else None,
                rendered=rendered,
                masker=masker,
                state=states.get((t.cluster, t.service)),
            )
        )
    from ecsflow.cli.codedeploy_verbs import codedeploy_status, status_lines

    # CODE_DEPLOY services: the CodeDeploy deployment that runs, if any.
    by_key = {t.key: states[(t.cluster, t.service)] for t in targets if (t.cluster, t.service) in states}
    codedeploy = codedeploy_status(ctx, config, targets, by_key)
    from ecsflow.cli.native_status import native_lines, native_status

    native = native_status(ctx, config, targets, by_key)  # ECS-native blue/green: the stage, paused hooks
    view = View(ctx, masker=masker)
    render_status(view, results)
    for key, entry in codedeploy.items():
        view.line()
        view.line(f"{key}:", style="bold")
        for line in status_lines(entry):
            view.line(line)
    for key, entry in native.items():
        view.line()
        view.line(f"{key}:", style="bold")
        for line in native_lines(key, entry):
            view.line(line)
    drifted = [s for s in results if s.drifted]
    payloads = [
        {
            **status_payload(s),
            **({"codedeploy": codedeploy[s.key]} if s.key in codedeploy else {}),
            **({"native": native[s.key]} if s.key in native else {}),
        }
        for s in results
    ]
    view.document({"services": payloads, "drift": bool(drifted)})
    if drifted:
        names = ", ".join(s.key for s in drifted)
        view.line(f"drift in {len(drifted)} service(s): {names}", style="bold yellow")
    return int(ExitCode.DRIFT) if check and drifted else int(ExitCode.OK)


def renderer(config: ProjectConfig, svc: ServiceConfig) -> Callable[[Mapping[str, Any]], Mapping[str, Any] | None]:
    def render(running: Mapping[str, Any]) -> Mapping[str, Any] | None:
        found = rendered_file(config, svc, running)
        return found[1] if found else None

    return render


def render_status(view: View, results: list[ServiceStatus]) -> None:
    rows: list[list[Cell]] = []
    for s in results:
        last = STATUS_WORDS.get(s.last_deployment[0], s.last_deployment[0].lower()) if s.last_deployment else "-"
        drift = ", ".join(d.kind.replace("_", " ") for d in s.drift) or "-"
        rows.append(
            [
                s.key,
                f"{short(s.cluster)}/{s.service}",
                (s.state, _STATE_STYLE.get(s.state, "")),
                short(s.running_revision),
                short(s.newest_revision),
                f"{s.running}/{s.desired}" + (f" +{s.pending}" if s.pending else ""),
                last,
                (drift, "bold yellow" if s.drift else "green"),
            ]
        )
    headers = ["SERVICE", "ECS SERVICE", "STATE", "RUNNING", "NEWEST", "TASKS", "LAST DEPLOYMENT", "DRIFT"]
    view.table(headers, rows)
    for s in results:
        details = _details(s)
        if details:
            view.line()
            view.line(f"{s.key}:", style="bold")
            for line, style in details:
                view.line(line, style=style)


def _details(s: ServiceStatus) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for container, image, digest in s.images:
        pinned = f"  ({digest})" if digest and digest not in image else ""
        out.append((f"  image {container}: {image}{pinned}", None))
    if len(s.deployments) > 1 or s.state in ("deploying", "failed"):
        for d in s.deployments:
            reason = f" - {d.rollout_reason}" if d.rollout_reason else ""
            out.append(
                (
                    f"  deployment {d.deployment_id} {d.status} {d.rollout_state or ''} {short(d.task_definition)}: "
                    f"{d.running}/{d.desired} running{reason}",
                    None,
                )
            )
    if s.last_deployment and s.last_deployment[1]:
        out.append((f"  last deployment: {s.last_deployment[0]} - {s.last_deployment[1]}", None))
    out.extend((f"  note: {note}", "dim") for note in s.notes)
    for drift in s.drift:
        out.append((f"  drift: {drift.message}", "yellow"))
    if s.file_diff is not None:
        out.extend((f"      {line}", None) for line in s.file_diff.lines())
    return out


def status_payload(s: ServiceStatus) -> dict[str, Any]:
    return {
        "service": s.key,
        "cluster": s.cluster,
        "ecs_service": s.service,
        "found": s.found,
        "state": s.state,
        "running_revision": s.running_revision,
        "newest_revision": s.newest_revision,
        "desired": s.desired,
        "running": s.running,
        "pending": s.pending,
        "controller": s.controller,
        "strategy": s.strategy,
        "deployments": [
            {
                "id": d.deployment_id,
                "status": d.status,
                "task_definition": d.task_definition,
                "rollout_state": d.rollout_state,
                "rollout_reason": d.rollout_reason,
                "desired": d.desired,
                "running": d.running,
                "pending": d.pending,
                "failed_tasks": d.failed_tasks,
            }
            for d in s.deployments
        ],
        "last_deployment": (
            {"status": s.last_deployment[0], "reason": s.last_deployment[1]} if s.last_deployment else None
        ),
        "images": [{"container": c, "image": i, "digest": d} for c, i, d in s.images],
        "drift": [{"kind": d.kind, "message": d.message} for d in s.drift],
        "notes": list(s.notes),
        "file_changes": [c.to_dict() for c in s.file_diff.changes] if s.file_diff else None,
    }
