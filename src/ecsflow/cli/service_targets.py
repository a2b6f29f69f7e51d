"""Which services a read-side verb acts on, the ECS port it reads through, and the
task definition "as the file says" that status and diff compare with.

``SERVICE`` arguments are keys of ``ecsflow.yml`` (after ``--env``), or ``CLUSTER/SERVICE``
for a service the configuration does not name. No argument means every configured service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsflow.cli.context import CliContext
from ecsflow.config import DEFAULT_FILE, ProjectConfig, ServiceConfig, load_config
from ecsflow.errors import ConfigError, Problem, RenderError, UsageError
from ecsflow.ports import EcsPort


@dataclass(frozen=True)
class Target:
    key: str
    cluster: str
    service: str
    config: ServiceConfig | None = None


def config_file(cli_ctx: CliContext) -> Path:
    return Path(cli_ctx.config_path or DEFAULT_FILE)


def load_project(cli_ctx: CliContext, env: str | None, *, required: bool) -> ProjectConfig | None:
    path = config_file(cli_ctx)
    if not path.exists() and not required and cli_ctx.config_path is None:
        if env:
            raise ConfigError(f"--env {env} needs {path}", hint="create ecsflow.yml or drop --env")
        return None
    return load_config(path).for_environment(env)


def select_targets(
    cli_ctx: CliContext, names: Sequence[str], env: str | None
) -> tuple[ProjectConfig | None, list[Target]]:
    config = load_project(cli_ctx, env, required=not names)
    if not names:
        assert config is not None  # required=True raised otherwise
        if not config.services:
            raise ConfigError(f"{config.path} names no services", hint="add one under `services:` (or `ecsflow init`)")
        return config, [Target(k, s.cluster, s.service, s) for k, s in config.services.items()]
    targets: list[Target] = []
    problems: list[Problem] = []
    for name in names:
        svc = config.services.get(name) if config else None
        if svc is not None:
            targets.append(Target(name, svc.cluster, svc.service, svc))
        elif "/" in name:
            cluster, _, service = name.rpartition("/")
            targets.append(Target(name, cluster, service))
        else:
            known = ", ".join(sorted(config.services)) if config else "no ecsflow.yml"
            problems.append(Problem(f"unknown service {name!r} (known: {known})", "SERVICE"))
    if problems:
        raise UsageError(
            "; ".join(p.message for p in problems),
            hint="name a service key of ecsflow.yml, or CLUSTER/SERVICE for any service",
        )
    return config, targets


def mask_pattern(config: ProjectConfig | None) -> str | None:
    return config.defaults.secret_pattern if config else None


def build_ecs(cli_ctx: CliContext, config: ProjectConfig | None) -> EcsPort:
    """The ECS port for this run (region/profile: command line, then ecsflow.yml)."""
    from ecsflow.aws import EcsAdapter
    from ecsflow.cli.deploy import cli_clients

    return EcsAdapter(cli_clients(cli_ctx, config))


def rendered_file(
    config: ProjectConfig, svc: ServiceConfig, running: Mapping[str, Any], *, environ: Mapping[str, str] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(file, the service's task definition template rendered for comparison) or None without a template.

    ``${VAR}`` is filled from the environment and the configuration's variables. An
    image of a container configured under ``images:`` (its tag comes with each deploy),
    left as a placeholder (``<IMAGE1_NAME>``, ``${TAG}``), or given by the tag the running
    revision pinned to a digest is taken from the running revision: images come with
    each deploy, so they are not drift of the file.
    """
    if not svc.task_definition:
        return None
    from ecsflow.artifacts.taskdef import parse_task_definition
    from ecsflow.render.placeholders import ANGLE, interpolate

    path = Path(config.root) / svc.task_definition
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror}",
            [Problem(f"file {svc.task_definition} not readable", f"services.{svc.key}.task_definition", config.path)],
            hint="fix the path in ecsflow.yml (relative to the file)",
        ) from exc
    parsed = parse_task_definition(content, str(path))
    env = {**(os.environ if environ is None else environ), **config.variables, **svc.variables}
    running_images = {str(c.get("name")): str(c.get("image", "")) for c in running.get("containerDefinitions") or ()}
    containers = []
    for container in parsed.request.get("containerDefinitions") or ():
        c = dict(container)
        image = str(c.get("image", ""))
        current = running_images.get(str(c.get("name")))
        given_per_deploy = str(c.get("name")) in svc.images  # `images:` → the tag comes with each deploy
        if current and (
            given_per_deploy or ANGLE.search(image) or "${" in image or current.startswith(image + "@sha256:")
        ):
            c["image"] = current
        containers.append(c)
    body = {**parsed.request, "containerDefinitions": containers}
    problems: list[Problem] = []
    rendered = interpolate(body, env, problems)
    if problems:
        raise RenderError(
            f"cannot render {path} to compare it",
            [p.in_file(str(path)) for p in problems],
            hint="set the variables (environment or `variables:` in ecsflow.yml)",
        )
    rendered.pop("tags", None)  # tags are ecsflow's records and the user's labels, not the definition
    return str(path), rendered
