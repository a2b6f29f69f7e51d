"""Artifacts into a deploy action: what is read, what is converted, and errors that name
the stage, the action, the artifact and the file (all before any AWS call)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecsflow.config.pipelines import ActionConfig, ActionKind, DeployAction, PipelineConfig
from ecsflow.errors import ArtifactError
from ecsflow.events import null_sink
from ecsflow.pipeline.deploy_action import read_deploy_inputs
from ecsflow.pipeline.run_record import ArtifactRecord
from ecsflow.pipeline.stages import ActionContext
from ecsflow.pipeline.variables import VariableScope

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"


def ctx(tmp_path: Path, files: dict[str, str], spec: DeployAction) -> ActionContext:
    folder = tmp_path / "BuildOutput"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    action = ActionConfig("Deploy", ActionKind.DEPLOY, spec, inputs=("BuildOutput",))
    return ActionContext(
        pipeline=PipelineConfig("app"),
        run_id="r1",
        stage="Release",
        action=action,
        inputs={"BuildOutput": ArtifactRecord("BuildOutput", str(folder), tuple(files))},
        artifacts_dir=tmp_path,
        scope=VariableScope("r1", {}),
        environment=None,
        source_revision=None,
        sink=null_sink,
    )


def test_imagedefinitions_give_images_by_container(tmp_path: Path) -> None:
    defs = json.dumps([{"name": "web", "imageUri": f"{URI}:v2"}])
    inputs = read_deploy_inputs(ctx(tmp_path, {"imagedefinitions.json": defs}, DeployAction()), DeployAction())
    assert inputs.images == (("web", f"{URI}:v2"),)
    assert inputs.used == ("BuildOutput/imagedefinitions.json",)


def test_an_image_detail_is_converted_for_any_strategy(tmp_path: Path) -> None:
    detail = json.dumps({"ImageURI": f"{URI}@sha256:{'a' * 64}"})
    inputs = read_deploy_inputs(ctx(tmp_path, {"imageDetail.json": detail}, DeployAction()), DeployAction())
    assert inputs.images == ()
    assert inputs.image_details == ((None, f"{URI}@sha256:{'a' * 64}"),)


def test_an_artifact_without_any_image_file_is_an_error_naming_everything(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as info:
        read_deploy_inputs(ctx(tmp_path, {"notes.txt": "hi"}, DeployAction()), DeployAction())
    message = info.value.message
    assert message.startswith("stage Release, action Deploy: input artifact BuildOutput has no imagedefinitions.json")
    assert "notes.txt" in message
    assert "imagedefinitions.json" in str(info.value.problems[0])


def test_a_file_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    detail = json.dumps({"ImageURI": f"{URI}:v2"})
    with pytest.raises(ArtifactError) as info:
        read_deploy_inputs(ctx(tmp_path, {"imagedefinitions.json": detail}, DeployAction()), DeployAction())
    assert info.value.message == (
        "stage Release, action Deploy: input artifact BuildOutput: imagedefinitions.json "
        "holds imageDetail.json content, expected imagedefinitions.json"
    )


def test_an_invalid_file_keeps_the_validators_problems(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as info:
        read_deploy_inputs(ctx(tmp_path, {"imagedefinitions.json": "[{"}, DeployAction()), DeployAction())
    assert info.value.message.startswith("stage Release, action Deploy: input artifact BuildOutput:")
    assert info.value.problems


def test_a_configured_file_name_must_exist(tmp_path: Path) -> None:
    spec = DeployAction(image_definitions="images.json")
    defs = json.dumps([{"name": "web", "imageUri": f"{URI}:v2"}])
    with pytest.raises(ArtifactError) as info:
        read_deploy_inputs(ctx(tmp_path, {"imagedefinitions.json": defs}, spec), spec)
    assert "input artifact BuildOutput: images.json is missing" in info.value.message
    assert "imagedefinitions.json" in info.value.message  # what the artifact holds instead


def test_a_taskdef_template_from_the_artifact(tmp_path: Path) -> None:
    spec = DeployAction(task_definition="taskdef.json", appspec="appspec.yaml")
    taskdef = json.dumps({"family": "web", "containerDefinitions": [{"name": "web", "image": "<IMAGE1_NAME>"}]})
    detail = json.dumps({"ImageURI": f"{URI}:v2"})
    with pytest.raises(ArtifactError) as info:
        read_deploy_inputs(ctx(tmp_path, {"taskdef.json": taskdef, "imageDetail.json": detail}, spec), spec)
    assert "appspec.yaml is missing" in info.value.message
    appspec = (
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n"
        "        TaskDefinition: <TASK_DEFINITION>\n        LoadBalancerInfo:\n"
        "          ContainerName: web\n          ContainerPort: 80\n"
    )
    inputs = read_deploy_inputs(ctx(tmp_path, {"appspec.yaml": appspec}, spec), spec)
    assert inputs.task_definition == (tmp_path / "BuildOutput" / "taskdef.json").resolve()
    assert inputs.appspec is not None
    assert inputs.image_details == ((None, f"{URI}:v2"),)
