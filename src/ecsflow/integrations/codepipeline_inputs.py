"""What a CodePipeline job deploys: its services, its image inputs (from the input artifact)
and the deploy record it leaves (commit from the artifact's source revision)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ecsflow import __version__
from ecsflow.config import BaseMode, ProjectConfig, ServiceConfig
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.records import DeployRecord
from ecsflow.errors import ArtifactError, InputError, Problem
from ecsflow.factory import AwsOptions
from ecsflow.integrations.codepipeline_job import WHERE, InputArtifact, JobEvent, JobParameters

DEFINITIONS = "imagedefinitions.json"
DETAIL = "imageDetail.json"
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


def services_of(params: JobParameters, base: BaseMode, template: str | None) -> tuple[ServiceConfig, ...]:
    out = []
    for name in params.services:
        cluster, _, service = name.rpartition("/")
        out.append(
            ServiceConfig(
                key=name,
                cluster=cluster or str(params.cluster),
                service=service,
                task_definition=template,
                base=base,
                timeout=params.timeout,
            )
        )
    return tuple(out)


def _artifact(job: JobEvent, params: JobParameters) -> InputArtifact:
    if not job.input_artifacts:
        raise InputError(
            "mode `deploy` needs an input artifact (imagedefinitions.json, imageDetail.json or a task definition)",
            [Problem("the action has no input artifact", WHERE)],
            hint='add the build output as the action\'s input artifact, or use {"mode": "latest"}',
        )
    if params.artifact is None:
        return job.input_artifacts[0]
    found = next((a for a in job.input_artifacts if a.name == params.artifact), None)
    if found is None:
        names = ", ".join(a.name for a in job.input_artifacts)
        raise InputError(
            f"input artifact {params.artifact!r} is not an input of this action (inputs: {names})",
            [Problem("no such input artifact", f"{WHERE}.artifact")],
        )
    return found


def _file(files: Mapping[str, bytes], name: str, artifact: str, key: str, *, required: bool) -> bytes | None:
    content = files.get(name)
    if content is None and required:
        listed = ", ".join(sorted(files)[:20]) or "no files"
        raise ArtifactError(
            f"input artifact {artifact!r} has no file {name!r} (it has: {listed})",
            [Problem(f"file {name} not in the artifact", f"{WHERE}.{key}", artifact)],
            hint="list the file under `artifacts.files` of the buildspec that produced the artifact",
        )
    return content


def job_inputs(
    job: JobEvent, params: JobParameters, options: AwsOptions, folder: Path
) -> tuple[tuple[ServiceConfig, ...], ImageInputs, BaseMode | None, ProjectConfig | None]:
    """(services, image inputs, base, config for the template) of the job."""
    if params.mode == "latest":
        return services_of(params, BaseMode.SERVICE, None), ImageInputs(), None, None
    from ecsflow.aws import AwsSettings
    from ecsflow.aws.codepipeline import artifact_clients, read_input_artifact

    artifact = _artifact(job, params)
    settings = AwsSettings(region=options.region, endpoint_url=options.endpoint_url)
    files = read_input_artifact(artifact_clients(settings, job.credentials), artifact.name, artifact.location)
    pairs: tuple[tuple[str, str], ...] = ()
    details: tuple[tuple[str | None, str], ...] = ()
    defs_name = params.image_definitions or DEFINITIONS
    content = _file(files, defs_name, artifact.name, "image_definitions", required=bool(params.image_definitions))
    if content is not None:
        from ecsflow.artifacts.imagedefs import parse_image_definitions

        pairs = tuple((d.name, d.image_uri) for d in parse_image_definitions(content, defs_name))
    detail_name = params.image_detail or DETAIL
    content = _file(files, detail_name, artifact.name, "image_detail", required=bool(params.image_detail))
    if content is not None:
        from ecsflow.artifacts.imagedetail import parse_image_detail

        details = ((None, parse_image_detail(content, detail_name).image_uri),)
    config: ProjectConfig | None = None
    if params.task_definition:
        content = _file(files, params.task_definition, artifact.name, "task_definition", required=True)
        assert content is not None
        target = (folder / params.task_definition).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise InputError(
                f"task_definition {params.task_definition!r} points outside the artifact",
                [Problem("expected a path inside the artifact", f"{WHERE}.task_definition")],
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        config = ProjectConfig(path=f"{artifact.name}/{WHERE}", root=str(folder))
    elif not (pairs or details):
        raise ArtifactError(
            f"input artifact {artifact.name!r} has neither {DEFINITIONS} nor {DETAIL}",
            [Problem("nothing to deploy from", WHERE, artifact.name)],
            hint='name the files with "image_definitions" / "image_detail" / "task_definition", '
            'or use {"mode": "latest"}',
        )
    base = BaseMode(params.base) if params.base else (BaseMode.FILE if params.task_definition else BaseMode.SERVICE)
    services = services_of(params, base, params.task_definition)
    return services, ImageInputs(images=pairs, image_details=details), base, config


def record_of(job: JobEvent, params: JobParameters, environ: Mapping[str, str], now: float) -> DeployRecord:
    """The deploy record: the commit is the source revision of the input artifact when it
    is a Git commit id; the actor is the pipeline (its job id ties back to the execution)."""
    revision = next((a.revision for a in job.input_artifacts if a.revision and _SHA.match(a.revision)), None)
    function = environ.get("AWS_LAMBDA_FUNCTION_NAME")
    return DeployRecord(
        commit=revision,
        actor=f"codepipeline {function}" if function else "codepipeline",
        at=now,
        environment=params.env,
        tool_version=__version__,
    )
