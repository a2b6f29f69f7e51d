"""``ecsflow wait``: attach to a running deployment (also from another CI job) and report
its one outcome with the same exit codes as ``deploy``."""

from __future__ import annotations

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.deploy import aws_options
from ecsflow.cli.service_targets import load_project
from ecsflow.config import ProjectConfig, parse_duration
from ecsflow.diff import Masker
from ecsflow.engines.attach import AttachTarget
from ecsflow.errors import ConfigError, UsageError
from ecsflow.factory import deploy_engine
from ecsflow.model import worst_exit_code

_DEPLOYMENT_PREFIX = "ecs-svc/"


@click.command("wait")
@click.argument("targets", nargs=-1, metavar="[SERVICE|DEPLOYMENT-ID]...")
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml.")
@click.option("--timeout", default=None, metavar="DURATION", help="Wait at most this long (default: derived).")
@click.option("--summary", "summary_path", default=None, metavar="FILE", help="Write a Markdown summary here.")
def wait(targets: tuple[str, ...], env: str | None, timeout: str | None, summary_path: str | None) -> int:
    """Follow deployments until each has one outcome.

    \b
    SERVICE (a key of ecsflow.yml, or CLUSTER/SERVICE) follows the service's newest
    deployment; DEPLOYMENT-ID (ecs-svc/…, as `deploy --no-wait` prints it) follows that
    one, searched among the configured services. No argument: every configured service.

    \b
    Examples:
      ecsflow wait api
      ecsflow wait ecs-svc/1234567890123456789 --timeout 30m
    """
    from ecsflow.cli.output import make_reporter

    ctx = get_context()
    limit = None
    if timeout is not None:
        limit = parse_duration(timeout)
        if limit is None:
            raise UsageError(f"--timeout {timeout!r}: expected a duration such as 600, 90s, 15m or 1h")
    needs_config = not targets or any("/" not in t or t.startswith(_DEPLOYMENT_PREFIX) for t in targets)
    config = load_project(ctx, env, required=needs_config)
    masker = Masker(config.defaults.secret_pattern if config else None)
    with make_reporter(ctx, summary_path=summary_path, masker=masker, title="ecsflow wait") as reporter:
        engine = deploy_engine(aws_options(ctx), config, sink=reporter.sink, masker=masker)
        configured = _configured(config, limit)
        chosen: list[AttachTarget] = []
        for name in targets or tuple(t.key for t in configured):
            if name.startswith(_DEPLOYMENT_PREFIX):
                chosen.append(engine.find(configured, name))
            elif config is not None and name in config.services:
                chosen.append(next(t for t in configured if t.key == name))
            elif "/" in name:
                cluster, _, service = name.rpartition("/")
                chosen.append(AttachTarget(name, cluster, service, None, limit))
            else:
                known = ", ".join(sorted(config.services)) if config else "none"
                raise UsageError(f"unknown service {name!r} (configured: {known})")
        from ecsflow.cli.codedeploy_verbs import wait_codedeploy

        results, chosen = wait_codedeploy(engine, chosen)  # CODE_DEPLOY services: CodeDeploy's own wait
        results += engine.wait(chosen) if chosen else []
        order = {name: i for i, name in enumerate(targets or tuple(t.key for t in configured))}
        results.sort(key=lambda r: order.get(r.service, 0))
        reporter.finish(results)
    return int(worst_exit_code([r.outcome for r in results]))


def _configured(config: ProjectConfig | None, limit: float | None) -> list[AttachTarget]:
    if config is None:
        return []
    if not config.services:
        raise ConfigError(f"{config.path} names no services")
    return [
        AttachTarget(k, s.cluster, s.service, None, limit if limit is not None else s.timeout)
        for k, s in config.services.items()
    ]
