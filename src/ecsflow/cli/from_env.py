"""``deploy --from-env ENV``: the exact images that run in ENV's services, as deploy inputs."""

from __future__ import annotations

from collections.abc import Sequence

from ecsflow.cli.context import CliContext
from ecsflow.cli.service_targets import load_project
from ecsflow.config import ServiceConfig
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.running import RunningService, ServiceTarget, carried_images, running_services
from ecsflow.errors import UsageError


def source_services(cli_ctx: CliContext, from_env: str, selected: Sequence[ServiceConfig]) -> list[RunningService]:
    """What runs in ``from_env`` for each selected service key (same key, that environment's
    cluster/service/region/profile), read before anything changes."""
    from ecsflow.aws import EcsAdapter
    from ecsflow.cli.deploy import cli_clients

    source = load_project(cli_ctx, from_env, required=True)
    assert source is not None  # required=True
    targets: list[ServiceTarget] = []
    unknown = [svc.key for svc in selected if svc.key not in source.services]
    if unknown:
        raise UsageError(
            f"--from-env {from_env}: {', '.join(map(repr, unknown))} is not a service of ecsflow.yml",
            hint="--from-env takes service keys of ecsflow.yml, which name the service in each environment",
        )
    for svc in selected:
        src = source.services[svc.key]
        targets.append(ServiceTarget(svc.key, src.cluster, src.service))
    return running_services(EcsAdapter(cli_clients(cli_ctx, source)), targets, env=from_env)


def from_env_inputs(running: Sequence[RunningService]) -> ImageInputs:
    return ImageInputs(per_service=carried_images(running))
