"""Installing the ECS simulation: idempotent, and its state goes with moto's on reset."""

from __future__ import annotations

from ecs_helpers import create_service, service_deployments

from ecsflow.sim import ecs as ecs_sim
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.ecs import adapter, responses
from ecsflow.sim.world import World, create_world


def test_install_twice_patches_once(local_aws: LocalAWS) -> None:
    from moto.ecs.responses import EC2ContainerServiceResponse

    ctx = local_aws.context
    ecs_sim.install(ctx)
    ecs_sim.install(ctx)
    assert sum(isinstance(m, adapter.EcsMachine) for m in ctx.machines) == 1
    assert ctx.hook_sources.count(adapter.pending_hooks) == 1
    for name, wrapper in adapter.WRAPPERS.items():
        assert getattr(EC2ContainerServiceResponse, name) is wrapper
        assert adapter.ORIGINALS[name].__module__ == "moto.ecs.responses", "the original is moto's, not a wrapper"
    for name, method in responses.OPERATIONS.items():
        assert getattr(EC2ContainerServiceResponse, name) is method
    assert ctx.observing_operations >= ecs_sim.OBSERVING_OPERATIONS


def test_state_is_forgotten_with_a_reset(local_aws: LocalAWS, local_world: World) -> None:
    create_service(local_aws, local_world, desired=1)
    local_aws.client("ecs").update_service(cluster="demo", service="web", forceNewDeployment=True)
    assert len(service_deployments(local_aws, local_world)) == 2
    local_aws.reset(0)
    world = create_world(local_aws.client)
    create_service(local_aws, world, desired=1)
    assert len(service_deployments(local_aws, world)) == 1
