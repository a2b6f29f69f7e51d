"""What moto 5.2.5 itself does for every CodeDeploy behaviour the simulator overrides.

These pin moto's base behaviour (probed in a fresh interpreter, without ecsflow's
patches): when a moto upgrade changes one of them, the matching shim in
``ecsflow.sim.codedeploy`` must be revisited, and this test says which.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROBE = Path(__file__).with_name("moto_codedeploy_probe.py")


@pytest.fixture(scope="module")
def moto_says() -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(PROBE)], capture_output=True, text=True, timeout=120, check=True)
    return dict(json.loads(done.stdout))


def test_probe_ran_against_the_pinned_moto(moto_says: dict[str, Any]) -> None:
    assert moto_says["moto_version"] == "5.2.5"


def test_deployments_never_progress(moto_says: dict[str, Any]) -> None:
    # Shim: the deployment state machine (machine.py) renders status onto DeploymentInfo.
    assert moto_says["statuses_over_polls"] == ["Created", "Created", "Created"]
    assert set(moto_says["overview"].values()) == {0}
    assert moto_says["error_information"] == {} and moto_says["rollback_info"] == {}


def test_deployment_ids_are_uuids(moto_says: dict[str, Any]) -> None:
    # Shim: CreateDeployment re-keys the deployment as d-XXXXXXXXX.
    assert moto_says["deployment_id_is_uuid"] is True


def test_one_deployment_per_group_is_not_enforced(moto_says: dict[str, Any]) -> None:
    # Shim: DeploymentLimitExceededException in deployments_api.create_deployment.
    assert moto_says["second_deployment_accepted"] is True


def test_create_deployment_touches_neither_ecs_nor_elbv2(moto_says: dict[str, Any]) -> None:
    # Shim: effects.MotoEffects creates the replacement task set and moves listener weights.
    assert moto_says["task_sets_after_create_deployment"] == 1


def test_groups_drop_alarms_and_default_to_one_at_a_time(moto_says: dict[str, Any]) -> None:
    # Shims: groups_api.deployment_group_info (alarms, last deployments) and the ECS default config.
    assert moto_says["group_alarm_configuration"] == {}
    assert moto_says["group_default_config"] == "CodeDeployDefault.OneAtATime"
    assert moto_says["group_last_attempted"] == {}


def test_operations_the_simulator_adds_are_missing_in_moto(moto_says: dict[str, Any]) -> None:
    assert moto_says["operations"] == dict.fromkeys(
        [
            "BatchGetDeploymentGroups",
            "BatchGetDeploymentTargets",
            "ContinueDeployment",
            "CreateDeploymentConfig",
            "GetDeploymentConfig",
            "GetDeploymentTarget",
            "ListDeploymentConfigs",
            "ListDeploymentTargets",
            "PutLifecycleEventHookExecutionStatus",
            "StopDeployment",
            "UpdateDeploymentGroup",
        ],
        "NotImplementedError",
    )


def test_task_sets_have_no_counts_and_constant_stability(moto_says: dict[str, Any]) -> None:
    # Shim: task set counts and stabilityStatus rendered over time (simulator._settle_task_sets).
    assert moto_says["task_set_has_counts"] is False
    assert moto_says["task_set_stability"] == "STEADY_STATE"


def test_what_the_adapter_relies_on(moto_says: dict[str, Any]) -> None:
    assert moto_says["service_task_definition_follows_primary"] is True
    # A ServiceException subclass defined outside moto gets CodeDeploy's error shape.
    assert moto_says["foreign_service_exception"] == ["DeploymentAlreadyCompletedException", 400]
    assert all(moto_says["internals"].values()), moto_says["internals"]
