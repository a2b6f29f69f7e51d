"""``ecsflow init``: start from what runs today.

Imports a live service: its running task definition becomes a file (normalized by the
artifact layer from botocore's model: read-only fields stripped, nothing else lost) and
the service becomes an entry of ``ecsflow.yml``. Nothing existing is overwritten without
``--force``; the configuration is edited as text (comments and layout stay) and parsed
again before it is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.output.view import View
from ecsflow.cli.service_targets import build_ecs, config_file
from ecsflow.errors import ConfigError, InputError, Problem, ResourceNotFound

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


@click.command("init")
@click.option("--cluster", required=True, help="Cluster of the service to import.")
@click.option("--service", "service", required=True, help="ECS service to import.")
@click.option("--file", "file", default="taskdef.json", show_default=True, help="Task definition file to write.")
@click.option("--name", default=None, help="Key of the service in ecsflow.yml [default: the service name].")
@click.option(
    "--image-placeholder", is_flag=True, help="Write <IMAGEn_NAME> placeholders instead of the running images."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file or service entry.")
def init(cluster: str, service: str, file: str, name: str | None, image_placeholder: bool, force: bool) -> int:
    """Import a running service into a task definition file and an ecsflow.yml entry."""
    from ecsflow.artifacts.imageref import ImageRef
    from ecsflow.artifacts.taskdef import normalize_task_definition, task_definition_json

    ctx = get_context()
    key = name or service
    if not _NAME.match(key):
        raise InputError(f"invalid service key {key!r}", [Problem("letters, digits, _ and - only", "--name")])
    config_path = config_file(ctx)
    taskdef_path = config_path.parent / file
    if taskdef_path.exists() and not force:
        raise InputError(
            f"{taskdef_path} exists already", [Problem("exists", "", str(taskdef_path))], hint="use --file or --force"
        )
    ecs = build_ecs(ctx, None)
    state = ecs.describe_services(cluster, [service]).get(service)
    if state is None:
        raise ResourceNotFound(
            f"service {service} not found in cluster {cluster}", hint="check the names, the region and the account"
        )
    running = ecs.describe_task_definition(state.task_definition)
    body: dict[str, Any] = dict(normalize_task_definition(dict(running.body), running.arn).request)
    images: dict[str, str] = {}
    containers = []
    for n, container in enumerate(body.get("containerDefinitions") or (), 1):
        c = dict(container)
        ref = _image_ref(ImageRef, str(c.get("image", "")))
        if ref is not None and ref.is_ecr:
            images[str(c["name"])] = ref.name  # `--tag` then deploys repository:tag (pinned)
        if image_placeholder:
            c["image"] = f"<IMAGE{n}_NAME>"
        containers.append(c)
    body["containerDefinitions"] = containers
    entry = _entry(key, cluster, service, file, images)
    existed = config_path.exists()
    new_config = _with_entry(config_path, key, entry, force=force)
    taskdef_path.write_text(task_definition_json(body) + "\n", encoding="utf-8")
    config_path.write_text(new_config, encoding="utf-8")
    view = View(ctx)
    view.line(f"wrote {taskdef_path} from {running.family}:{running.revision} (running on {cluster}/{service})")
    view.line(f"{'updated' if existed else 'wrote'} {config_path}: services.{key}")
    view.line(f"next: ecsflow diff {key}   # should show no changes")
    view.document({"file": str(taskdef_path), "config": str(config_path), "service": key, "from": running.arn})
    return 0


def _image_ref(cls: Any, text: str) -> Any:
    try:
        return cls.parse(text)
    except InputError:
        return None


def _entry(key: str, cluster: str, service: str, file: str, images: dict[str, str]) -> str:
    lines = [f"  {key}:", f"    cluster: {cluster}", f"    service: {service}", f"    task_definition: {file}"]
    if images:
        lines.append("    images:")
        lines += [f"      {container}: {repo}" for container, repo in images.items()]
    return "\n".join(lines) + "\n"


def _with_entry(path: Path, key: str, entry: str, *, force: bool) -> str:
    """The configuration text with ``entry`` under ``services:`` (validated before returning)."""
    from ecsflow.config import parse_config

    before: set[str] = set()
    if not path.exists():
        text = f"version: 1\nservices:\n{entry}"
    else:
        text = path.read_text(encoding="utf-8")
        existing = parse_config(text, file=str(path), root=str(path.parent))
        before = set(existing.services)
        if key in existing.services:
            if not force:
                raise InputError(
                    f"{path} has a service {key!r} already",
                    [Problem("exists", f"services.{key}", str(path))],
                    hint="choose another --name, or --force to replace the entry",
                )
            text = _without_block(text, key)
        text = _insert(text, entry)
    hint = f"add this under `services:` by hand:\n{entry}"
    try:
        after = set(parse_config(text, file=str(path), root=str(path.parent)).services)
    except ConfigError as exc:
        raise ConfigError(f"cannot add services.{key} to {path} automatically", exc.problems, hint=hint) from exc
    if not before | {key} <= after:
        # e.g. `services: {api: …}` in flow style: a second `services:` key would replace it.
        raise ConfigError(f"cannot add services.{key} to {path} automatically (its layout is unusual)", hint=hint)
    return text


def _insert(text: str, entry: str) -> str:
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if re.match(r"^services:\s*(#.*)?$", line):
            return "".join([*lines[: i + 1], entry, *lines[i + 1 :]])
    sep = "" if text.endswith("\n") or not text else "\n"
    return f"{text}{sep}services:\n{entry}"


def _without_block(text: str, key: str) -> str:
    """``text`` without the ``  key:`` block under ``services:`` (two-space layout, as init writes)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if re.match(rf"^  {re.escape(key)}:\s*(#.*)?$", line):
            skipping = True
            continue
        if skipping and (line.startswith("   ") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "".join(out)
