"""Contract: what plain moto 5.2.5 does where the ECS rollout simulator overrides it.

Each test pins moto's *own* behaviour (observed in a process without ecsflow's
patches). When a moto upgrade changes one, the test fails loudly: re-check the
override named in the comment (``ecsflow.sim.ecs``) and delete or adapt it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# The shared probe runner lives with the framework's contracts.
sys.path.insert(0, str(Path(__file__).parents[2] / "contracts"))
from plain_moto import run_probes


@pytest.fixture(scope="module")
def moto_does() -> dict[str, Any]:
    return run_probes(Path(__file__).with_name("probes_ecs.py"))


def test_pinned_version(moto_does: dict[str, Any]) -> None:
    from ecsflow.sim.install import PINNED_MOTO

    assert moto_does["moto_version"] == PINNED_MOTO


def test_create_service_drops_deployment_configuration(moto_does: dict[str, Any]) -> None:
    # overridden in adapter._create_service: config.with_defaults + the initial deployment
    assert moto_does["create_service_deployment_configuration"] == {"echoed": None, "deployments": 1}


def test_family_resolves_to_the_last_revision_even_if_inactive(moto_does: dict[str, Any]) -> None:
    # overridden in adapter.resolve_task_definition: latest ACTIVE revision (AWS-SEMANTICS 8.3)
    assert moto_does["create_service_with_family_only"].endswith(":task-definition/web:2")


def test_update_service_does_not_add_deployments_and_stores_the_raw_string(moto_does: dict[str, Any]) -> None:
    # overridden in adapter._update_service + machine.start_deployment
    assert moto_does["update_service_task_definition"] == {
        "taskDefinition": "web:2",
        "deployments": [["PRIMARY", "web:1"]],
    }


def test_force_new_deployment_only_renames_the_single_deployment(moto_does: dict[str, Any]) -> None:
    assert moto_does["update_service_force_new_deployment"] == {"deployments": 1, "same_id": False}


def test_update_service_stores_deployment_configuration_verbatim(moto_does: dict[str, Any]) -> None:
    # overridden in adapter._update_service: config.merge into the stored configuration
    assert moto_does["update_service_deployment_configuration"] == {
        "partial": {"maximumPercent": 150},
        "bogus": {"strategy": "NOT_A_STRATEGY"},
    }


def test_desired_count_is_running_at_once(moto_does: dict[str, Any]) -> None:
    # overridden in render.render_service: counts come from simulated tasks
    assert moto_does["update_service_desired_count"] == {"running": 5, "pending": 0, "events": []}


def test_code_deploy_service_accepts_a_task_definition_change(moto_does: dict[str, Any]) -> None:
    # overridden in adapter._update_service: CODE_DEPLOY_REFUSAL (AWS-SEMANTICS 1.2)
    assert moto_does["update_code_deploy_task_definition"] == "web:2"


def test_inactive_revision_is_accepted(moto_does: dict[str, Any]) -> None:
    # overridden in adapter.resolve_task_definition: "TaskDefinition is inactive"
    assert moto_does["update_to_inactive_revision"] == "web:2"


def test_services_start_no_tasks(moto_does: dict[str, Any]) -> None:
    # overridden in render.sync_tasks / adapter._list_tasks
    assert moto_does["service_tasks"] == {"by_service": [], "all": []}


def test_delete_service_is_inactive_at_once(moto_does: dict[str, Any]) -> None:
    # overridden in machine.delete: DRAINING until the tasks stopped
    assert moto_does["delete_service_status"] == "INACTIVE"


def test_service_deployment_operations_are_not_implemented(moto_does: dict[str, Any]) -> None:
    # added in responses.OPERATIONS
    for operation, outcome in moto_does["service_deployment_operations"].items():
        assert outcome["raised"] == "NotImplementedError", operation


def test_extension_points(moto_does: dict[str, Any]) -> None:
    assert moto_does["extension_points"] == {
        "response_methods": True,
        "backend_lookup": True,
        "service_attributes": sorted(
            [
                "deployment_controller",
                "load_balancers",
                "network_configuration",
                "cluster_arn",
                "launch_type",
                "desired_count",
                "deployments",
                "events",
            ]
        ),
        "service_is_class": True,
        "advanced_configuration_kept": "tg2",
        "tasks_table": True,
        "task_definitions_table": [1, 2],
        "action_result_exposes_result": True,
        # moto serialises an exception with the model of the service its module names.
        "ecs_exception_module": "moto.ecs.exceptions",
    }


def test_elbv2_and_logs_backends(moto_does: dict[str, Any]) -> None:
    # used by env.MotoEnv (listener weights, log lines of failing containers)
    assert moto_does["elbv2_forward_action_shape"] == {"weight_after_in_place_edit": 7}
    assert moto_does["logs_backend_shape"] == {"streams_table": True, "messages": ["m"]}
