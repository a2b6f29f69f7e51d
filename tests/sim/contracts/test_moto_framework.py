"""Contract: what plain moto 5.2.5 does where the local AWS framework overrides it.

Each assertion pins moto's *own* behaviour. When a moto upgrade changes one, this
fails loudly: re-check the override in ecsflow.sim (ecr.py, codepipeline.py,
install.py) and delete or adapt it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from plain_moto import run_probes


@pytest.fixture(scope="module")
def moto_does() -> dict[str, Any]:
    return run_probes(Path(__file__).with_name("probes_framework.py"))


def test_pinned_version(moto_does: dict[str, Any]) -> None:
    from ecsflow.sim.install import PINNED_MOTO

    assert moto_does["moto_version"] == PINNED_MOTO


def test_ecr_digest_is_not_the_manifest_digest(moto_does: dict[str, Any]) -> None:
    # overridden in ecsflow.sim.ecr: Image._create_digest
    assert moto_does["ecr_digest_of_a_layered_manifest"] == {"is_manifest_sha": False, "is_layer_concat_sha": True}
    assert moto_does["ecr_digest_of_an_index"] == {"is_manifest_sha": False, "is_random_number_sha": True}


def test_ecr_immutable_overwrite_uses_the_wrong_code(moto_does: dict[str, Any]) -> None:
    # AWS documents ImageTagAlreadyExistsException; overridden in ecsflow.sim.ecr
    assert moto_does["ecr_immutable_overwrite_code"] == "ImageAlreadyExistsException"


def test_ecr_same_tag_same_manifest_is_already_exists(moto_does: dict[str, Any]) -> None:
    # kept as is: this is what AWS does
    assert moto_does["ecr_same_tag_same_manifest_code"] == "ImageAlreadyExistsException"


def test_ecr_digest_parameter_is_unchecked(moto_does: dict[str, Any]) -> None:
    assert moto_does["ecr_mismatching_digest_parameter"] == {"accepted_digest_is_the_given_one": True}


def test_ecr_missing_repository_is_a_bare_exception(moto_does: dict[str, Any]) -> None:
    assert moto_does["ecr_put_image_missing_repository"]["raised"] == "Exception"
    assert "is not a repository" in moto_does["ecr_put_image_missing_repository"]["message"]


def test_ecr_image_pushed_at_reads_the_wall_clock(moto_does: dict[str, Any]) -> None:
    assert moto_does["ecr_image_pushed_at_is_wall_time"] == {"uses_datetime_now": True}


def test_codepipeline_job_results_are_missing(moto_does: dict[str, Any]) -> None:
    # GetPipelineState: not simulated either; tests use it as "an operation moto lacks"
    for name in (
        "codepipeline_put_job_success_result",
        "codepipeline_put_job_failure_result",
        "codepipeline_get_job_details",
        "codepipeline_get_pipeline_state",
    ):
        assert moto_does[name]["raised"] == "NotImplementedError", name


def test_time_patch_mechanism_holds(moto_does: dict[str, Any]) -> None:
    # ecsflow.sim.install._patch_time swaps the code of the one shared utcnow
    assert moto_does["time_is_read_through_one_shared_utcnow"] == {
        "shared": True,
        "unix_time_reads_module_global": True,
        "no_free_variables": True,
    }


def test_seeding_repeats_ids(moto_does: dict[str, Any]) -> None:
    assert moto_does["seed_repeats_moto_ids"] == {"repeat": True}


def test_server_building_blocks_exist(moto_does: dict[str, Any]) -> None:
    assert moto_does["server_building_blocks"] == {
        "DomainDispatcherApplication": True,
        "create_backend_app": True,
        "MotoRequestHandler": True,
        "get_backend_for_host": True,  # cached per host in ecsflow.sim.server
    }


def test_hooked_signatures(moto_does: dict[str, Any]) -> None:
    # ecsflow.sim.ecr wraps these; a changed signature needs a changed wrapper
    assert moto_does["hooked_signatures"] == {
        "ECRBackend.put_image": [
            "self",
            "repository_name",
            "image_manifest",
            "image_tag",
            "image_manifest_mediatype",
            "digest",
        ],
        "Image._create_digest": ["self"],
    }


def test_errors_raised_outside_moto_use_the_response_model(moto_does: dict[str, Any]) -> None:
    assert moto_does["exception_service_model_lookup"] == {"outside_moto_uses_response_model": True}
