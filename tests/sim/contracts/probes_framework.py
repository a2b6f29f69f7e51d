"""Probes of plain moto 5.2.5 for what the local AWS framework overrides (ECR, CodePipeline, time, ids)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
from plain_moto import main, probe

DOCKER = "application/vnd.docker.distribution.manifest.v2+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _manifest(tag: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7, "digest": _sha(tag)},
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 9,
                    "digest": _sha("l1" + tag),
                },
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 9,
                    "digest": _sha("l2" + tag),
                },
            ],
        }
    )


def _ecr(mutability: str = "MUTABLE") -> Any:
    ecr = boto3.client("ecr", region_name="us-east-1")
    ecr.create_repository(repositoryName="web", imageTagMutability=mutability)
    return ecr


@probe
def moto_version() -> str:
    import moto

    return str(moto.__version__)


@probe
def ecr_digest_of_a_layered_manifest() -> dict[str, Any]:
    ecr = _ecr()
    manifest = _manifest("v1")
    digest = ecr.put_image(repositoryName="web", imageManifest=manifest, imageTag="v1")["image"]["imageId"][
        "imageDigest"
    ]
    layers = "".join(layer["digest"] for layer in json.loads(manifest)["layers"])
    return {"is_manifest_sha": digest == _sha(manifest), "is_layer_concat_sha": digest == _sha(layers)}


@probe
def ecr_digest_of_an_index() -> dict[str, Any]:
    ecr = _ecr()
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []})
    image = ecr.put_image(repositoryName="web", imageManifest=index, imageManifestMediaType=OCI_INDEX, imageTag="i")
    digest = image["image"]["imageId"]["imageDigest"]
    random_digests = {_sha(str(n)) for n in range(101)}
    return {"is_manifest_sha": digest == _sha(index), "is_random_number_sha": digest in random_digests}


@probe
def ecr_immutable_overwrite_code() -> str:
    ecr = _ecr("IMMUTABLE")
    ecr.put_image(repositoryName="web", imageManifest=_manifest("a"), imageTag="v1")
    try:
        ecr.put_image(repositoryName="web", imageManifest=_manifest("b"), imageTag="v1")
    except ecr.exceptions.ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "accepted"


@probe
def ecr_same_tag_same_manifest_code() -> str:
    ecr = _ecr()
    ecr.put_image(repositoryName="web", imageManifest=_manifest("a"), imageTag="v1")
    try:
        ecr.put_image(repositoryName="web", imageManifest=_manifest("a"), imageTag="v1")
    except ecr.exceptions.ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "accepted"


@probe
def ecr_mismatching_digest_parameter() -> dict[str, Any]:
    ecr = _ecr()
    wrong = _sha("not the manifest")
    image = ecr.put_image(repositoryName="web", imageManifest=_manifest("a"), imageTag="v1", imageDigest=wrong)
    return {"accepted_digest_is_the_given_one": image["image"]["imageId"]["imageDigest"] == wrong}


@probe
def ecr_put_image_missing_repository() -> Any:
    ecr = boto3.client("ecr", region_name="us-east-1")
    ecr.put_image(repositoryName="missing", imageManifest=_manifest("a"), imageTag="v1")
    return "accepted"


@probe
def codepipeline_put_job_success_result() -> Any:
    boto3.client("codepipeline", region_name="us-east-1").put_job_success_result(jobId="job-1")
    return "implemented"


@probe
def codepipeline_put_job_failure_result() -> Any:
    boto3.client("codepipeline", region_name="us-east-1").put_job_failure_result(
        jobId="job-1", failureDetails={"type": "JobFailed", "message": "x"}
    )
    return "implemented"


@probe
def codepipeline_get_job_details() -> Any:
    boto3.client("codepipeline", region_name="us-east-1").get_job_details(jobId="job-1")
    return "implemented"


@probe
def codepipeline_get_pipeline_state() -> Any:
    boto3.client("codepipeline", region_name="us-east-1").get_pipeline_state(name="release")
    return "implemented"


@probe
def time_is_read_through_one_shared_utcnow() -> dict[str, Any]:
    import moto.codedeploy.models
    import moto.codepipeline.models
    import moto.core.utils
    import moto.ecr.models
    import moto.ecs.models

    shared = moto.core.utils.utcnow
    modules = (moto.ecs.models, moto.ecr.models, moto.codedeploy.models, moto.codepipeline.models)
    return {
        "shared": all(module.utcnow is shared for module in modules),
        "unix_time_reads_module_global": "utcnow" in moto.core.utils.unix_time.__code__.co_names,
        "no_free_variables": shared.__code__.co_freevars == (),
    }


@probe
def ecr_image_pushed_at_is_wall_time() -> dict[str, Any]:
    import inspect

    from moto.ecr.models import Image

    return {"uses_datetime_now": "datetime.now(timezone.utc)" in inspect.getsource(Image.__init__)}


@probe
def seed_repeats_moto_ids() -> dict[str, Any]:
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.models import moto_api_backend

    def cluster_task_ids() -> list[str]:
        moto_api_backend.reset()
        mock_random.seed(7)
        return [str(mock_random.uuid4()), mock_random.get_random_string(length=12)]

    return {"repeat": cluster_task_ids() == cluster_task_ids()}


@probe
def server_building_blocks() -> dict[str, Any]:
    from moto.moto_server import werkzeug_app

    found = {
        name: hasattr(werkzeug_app, name)
        for name in ("DomainDispatcherApplication", "create_backend_app", "MotoRequestHandler")
    }
    found["get_backend_for_host"] = hasattr(werkzeug_app.DomainDispatcherApplication, "get_backend_for_host")
    return found


@probe
def hooked_signatures() -> dict[str, Any]:
    import inspect

    from moto.ecr.models import ECRBackend, Image

    return {
        "ECRBackend.put_image": list(inspect.signature(ECRBackend.put_image).parameters),
        "Image._create_digest": list(inspect.signature(Image._create_digest).parameters),
    }


@probe
def exception_service_model_lookup() -> Any:
    from moto.core.errors import get_exception_service_model
    from moto.core.exceptions import ServiceException

    class Outside(ServiceException):
        code = "ImageTagAlreadyExistsException"

    Outside.__module__ = "ecsflow.sim.ecr"
    return {"outside_moto_uses_response_model": get_exception_service_model(Outside("m")) is None}


if __name__ == "__main__":
    main()
