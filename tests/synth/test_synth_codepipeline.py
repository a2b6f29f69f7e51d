"""``ecsflow synth codepipeline``: golden templates, cfn-lint, the wiring of actions, refusals."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint
from synth_golden import GOLDEN, PROJECT, check_golden

from ecsflow import __version__
from ecsflow.config import load_config
from ecsflow.errors import ConfigError, ExitCode
from ecsflow.factory import template_loader
from ecsflow.integrations.codepipeline import handler
from ecsflow.integrations.codepipeline_job import parse_parameters
from ecsflow.synth.codepipeline import ActionMode, SynthOptions, synth_codepipeline

CONFIG = str(PROJECT / "ecsflow.yml")
VARIANTS = {
    "codepipeline-auto.yaml": [],
    "codepipeline-ecsflow.yaml": ["--actions", "ecsflow"],
    "codepipeline-vpc-inline.yaml": ["--vpc", "--inline-buildspec"],
}


def _synth(root: Path = PROJECT, mode: ActionMode = ActionMode.AUTO, names: tuple[str, ...] = ()) -> dict[str, Any]:
    config = load_config(root / "ecsflow.yml")
    options = SynthOptions(actions=mode, environment={})
    return synth_codepipeline(config, list(names), template_loader(config), options).template


def _actions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    stages = template["Resources"]["AppPipeline"]["Properties"]["Stages"]
    return {f"{s['Name']}/{a['Name']}": a for s in stages for a in s["Actions"]}


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT, tmp_path / "p")
    return tmp_path / "p"


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "ecsflow.yml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_template_matches_golden_file(name: str, run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "synth", "codepipeline", *VARIANTS[name])
    assert code == ExitCode.OK, err
    check_golden(name, out)
    assert (
        "app/Test/Api: " in err and "app/Prod/Migrate: CodeBuild action running the task" in err
    )  # every choice is reported


@pytest.mark.parametrize("name", list(VARIANTS))
def test_golden_template_passes_cfn_lint(name: str) -> None:
    matches = lint((GOLDEN / name).read_text(), config=ManualArgs(regions=["eu-west-1", "us-east-1"]))
    assert [str(m) for m in matches] == []


def test_triggers_and_variables_keep_the_configuration() -> None:
    properties = _synth()["Resources"]["AppPipeline"]["Properties"]
    assert properties["PipelineType"] == "V2"
    assert properties["Variables"] == [
        {"Name": "RELEASE", "DefaultValue": "next", "Description": "Release name shown in the approval"}
    ]
    git = properties["Triggers"][0]["GitConfiguration"]
    assert git["SourceActionName"] == "Source" == properties["Stages"][0]["Actions"][0]["Name"]
    assert git["Push"] == [
        {
            "Branches": {"Includes": ["main", "release/**"], "Excludes": ["release/old"]},
            "FilePaths": {"Includes": ["app/**", "taskdefs/**"], "Excludes": ["**/*.md"]},
        },
        {"Tags": {"Includes": ["v*"]}},
    ]


def test_rolling_service_with_base_service_is_the_native_ecs_action() -> None:
    api = _actions(_synth())["Test/Api"]
    assert api["ActionTypeId"]["Provider"] == "ECS"
    assert api["Configuration"] == {"ClusterName": "test", "ServiceName": "api"}  # the test environment's cluster
    assert api["InputArtifacts"] == [{"Name": "BuildOutput"}]  # exactly one: imagedefinitions.json


def test_code_deploy_service_is_wired_to_taskdef_appspec_and_image_detail() -> None:
    web = _actions(_synth())["Test/Web"]
    assert web["ActionTypeId"]["Provider"] == "CodeDeployToECS"
    assert web["Configuration"] == {
        "ApplicationName": "web-app",
        "DeploymentGroupName": "web-dg",
        "TaskDefinitionTemplateArtifact": "BuildOutput",
        "TaskDefinitionTemplatePath": "taskdefs/web.json",
        "AppSpecTemplateArtifact": "BuildOutput",
        "AppSpecTemplatePath": "appspec.yaml",
        "Image1ArtifactName": "BuildOutput",
        "Image1ContainerName": "IMAGE1_NAME",  # the template's "<IMAGE1_NAME>" without brackets
    }
    assert web["InputArtifacts"] == [{"Name": "BuildOutput"}]


def test_base_latest_runs_ecsflow_handler_with_parameters_it_accepts() -> None:
    template = _synth()
    worker = _actions(template)["Test/Worker"]
    assert worker["ActionTypeId"] == {"Category": "Invoke", "Owner": "AWS", "Provider": "Lambda", "Version": "1"}
    assert worker["Configuration"]["FunctionName"] == {"Ref": "HandlerFunction"}
    params = parse_parameters(worker["Configuration"]["UserParameters"])  # the handler's own parser
    assert params.services == ("test/worker-svc",) and params.base == "latest" and params.artifact == "BuildOutput"
    assert worker["InputArtifacts"] == [{"Name": "BuildOutput"}]
    function = template["Resources"]["HandlerFunction"]["Properties"]
    module, _, name = function["Handler"].rpartition(".")
    assert getattr(importlib.import_module(module), name) is handler
    choices = template["Metadata"]["ecsflow"]["choices"]
    assert any("Worker: ecsflow handler (worker: base latest" in c for c in choices)


def test_a_deploy_that_needs_ecsflow_yml_runs_ecsflow_in_codebuild() -> None:
    template = _synth()
    pinned = _actions(template)["Test/Pinned"]
    assert pinned["ActionTypeId"]["Provider"] == "CodeBuild"
    assert pinned["InputArtifacts"] == [{"Name": "SourceOutput"}]  # ecsflow.yml and the templates
    # The build's exported variable, under CodePipeline's namespace, reaches the command through the environment.
    assert json.loads(pinned["Configuration"]["EnvironmentVariables"]) == [
        {"name": "ECSFLOW_ARG_1", "value": "#{Build_Build.IMAGE_TAG}", "type": "PLAINTEXT"}
    ]
    spec = yaml.safe_load(template["Resources"]["AppTestPinnedProject"]["Properties"]["Source"]["BuildSpec"])
    assert spec["phases"]["install"]["commands"] == [f'pip install "ecsflow=={__version__}"']
    assert spec["phases"]["build"]["commands"] == ['ecsflow deploy worker --env test --tag "$ECSFLOW_ARG_1"']


def test_native_mode_uses_native_actions_and_refuses_what_they_cannot_do(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    assert "stages[1].actions[4].deploy: no native action can express this: no input artifact" in _refusal(
        root, ActionMode.NATIVE
    )
    text = (root / "ecsflow.yml").read_text()
    start, end = text.index("          - name: Pinned"), text.index("      - name: Release")
    (root / "ecsflow.yml").write_text(text[:start] + text[end:])
    template = _synth(root, ActionMode.NATIVE)
    assert _actions(template)["Test/Worker"]["ActionTypeId"]["Provider"] == "ECS"
    choices = template["Metadata"]["ecsflow"]["choices"]
    assert any("Worker: ECS action; native, loses: worker: base latest" in c for c in choices)


def test_ecsflow_mode_uses_ecsflow_for_every_deploy() -> None:
    actions = _actions(_synth(mode=ActionMode.ECSFLOW))
    assert actions["Test/Api"]["ActionTypeId"]["Provider"] == "Lambda"  # base service: the handler fits
    assert actions["Test/Web"]["ActionTypeId"]["Provider"] == "CodeBuild"  # base file: ecsflow.yml is needed
    assert actions["Build/Build"]["ActionTypeId"]["Provider"] == "CodeBuild"


def test_build_command_approval_promote_and_task() -> None:
    template = _synth()
    actions = _actions(template)
    build = actions["Build/Build"]
    assert build["Namespace"] == "Build_Build"  # CodePipeline namespaces hold no dots
    assert json.loads(build["Configuration"]["EnvironmentVariables"]) == [
        {"name": "RELEASE", "value": "#{variables.RELEASE}", "type": "PLAINTEXT"}
    ]
    resources = template["Resources"]
    smoke = yaml.safe_load(resources["AppTestSmokeProject"]["Properties"]["Source"]["BuildSpec"])
    assert smoke["phases"]["build"]["commands"] == ["curl -fsS https://test.example.com/health"]
    assert actions["Test/Smoke"]["RunOrder"] == 2
    assert actions["Release/Approve"]["ActionTypeId"]["Provider"] == "Manual"
    assert actions["Release/Approve"]["Configuration"] == {"CustomData": "Release #{variables.RELEASE} to production?"}
    promote = yaml.safe_load(resources["AppProdPromoteProject"]["Properties"]["Source"]["BuildSpec"])
    assert promote["phases"]["build"]["commands"] == ["ecsflow deploy api worker --env prod --from-env test"]
    migrate = yaml.safe_load(resources["AppProdMigrateProject"]["Properties"]["Source"]["BuildSpec"])
    assert migrate["env"] == {"shell": "bash"}
    script = "\n".join(migrate["phases"]["build"]["commands"])
    assert "aws ecs run-task" in script and '"command": ["./manage.py", "migrate"]' in script
    assert "containers[?name=='web'].exitCode" in script  # the template's first container
    checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_every_input_artifact_is_an_earlier_output() -> None:
    produced: set[str] = set()
    for stage in _synth()["Resources"]["AppPipeline"]["Properties"]["Stages"]:
        for action in stage["Actions"]:
            assert {a["Name"] for a in action.get("InputArtifacts", [])} <= produced, action["Name"]
        produced |= {a["Name"] for action in stage["Actions"] for a in action.get("OutputArtifacts", [])}


def test_artifact_bucket_is_encrypted_versioned_and_private() -> None:
    bucket = _synth()["Resources"]["ArtifactBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}


def test_roles_are_scoped_to_what_the_pipeline_deploys() -> None:
    resources = _synth()["Resources"]
    pipeline_policy = json.dumps(resources["AppPipelineRole"]["Properties"]["Policies"])
    assert "service/test/api" in pipeline_policy  # the native ECS action's service
    assert "service/test/worker-svc" not in pipeline_policy  # deployed by ecsflow, not the pipeline role
    assert "deploymentgroup:web-app/web-dg" in pipeline_policy
    handler_policy = json.dumps(resources["HandlerRole"]["Properties"]["Policies"])
    assert "service/test/worker-svc" in handler_policy and "service/prod/api" not in handler_policy
    assert "codepipeline:PutJobSuccessResult" in handler_policy and "s3:" not in handler_policy
    codebuild_policy = json.dumps(resources["AppCodeBuildRole"]["Properties"]["Policies"])
    assert "parameter/ci/npm-token" in codebuild_policy  # the buildspec's parameter-store entry
    assert "service/prod/api" in codebuild_policy and "ecr:TagResource" in codebuild_policy  # promotion
    assert "ecs:RunTask" in codebuild_policy  # the one-off task
    for policy in (pipeline_policy, handler_policy, codebuild_policy):
        assert '"Action": "*"' not in policy and '"ecs:*"' not in policy


def test_no_handler_resources_without_an_invoke_action(tmp_path: Path) -> None:
    assert "HandlerFunction" in _synth()["Resources"]
    root = _copy(tmp_path)
    _edit(root, "environment: test, base: latest}", "environment: test, base: service}")
    template = _synth(root)
    assert "HandlerFunction" not in template["Resources"] and "HandlerRole" not in template["Resources"]
    assert "HandlerCodeBucket" not in template["Parameters"]
    assert "lambda:InvokeFunction" not in json.dumps(template["Resources"]["AppPipelineRole"])


def _refusal(root: Path, mode: ActionMode = ActionMode.AUTO) -> str:
    with pytest.raises(ConfigError) as info:
        _synth(root, mode)
    return "\n".join(info.value.details())


def test_refuses_triggers_for_two_source_actions(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(
        root,
        '          - tags: {includes: ["v*"]}\n',
        '          - tags: {includes: ["v*"]}\n'
        "      - sourceActionName: Other\n"
        "        push: [{branches: {includes: [main]}}]\n",
    )
    assert "pipelines.app.triggers: triggers name 2 source actions (Source, Other)" in _refusal(root)


def test_refuses_a_build_in_a_subfolder(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "              timeout: 30m\n", "              timeout: 30m\n              source_dir: app\n")
    assert "pipelines.app.stages[0].actions[0].build.source_dir: CodeBuild runs in the source's root" in _refusal(root)


def test_native_mode_refuses_a_deploy_by_tag(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "environment: test, base: latest}", "environment: test, base: latest, tag: v1}")
    text = _refusal(root, ActionMode.NATIVE)
    assert "pipelines.app.stages[1].actions[1].deploy: no native action can express this: images by tag" in text
    assert _actions(_synth(root))["Test/Worker"]["ActionTypeId"]["Provider"] == "CodeBuild"  # auto: ecsflow


def test_refuses_code_deploy_template_without_placeholder(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "taskdefs" / "web.json"
    path.write_text(path.read_text().replace("<IMAGE1_NAME>", "nginx:1.27"))
    assert "services.web.task_definition: CodeDeployToECS replaces <PLACEHOLDER> image fields" in _refusal(root)


def test_environment_in_another_region_is_deployed_by_ecsflow(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "  test:\n    cluster: test\n", "  test:\n    cluster: test\n    region: us-east-1\n")
    assert "environment test deploys to us-east-1, the pipeline runs in eu-west-1" in _refusal(root, ActionMode.NATIVE)
    assert _actions(_synth(root))["Test/Api"]["ActionTypeId"]["Provider"] == "CodeBuild"  # auto: ecsflow deploy


def test_unknown_pipeline_and_missing_pipelines(tmp_path: Path, run_cli: Any) -> None:
    code, out, err = run_cli("-c", CONFIG, "synth", "codepipeline", "nope")
    assert code == ExitCode.INVALID and out == ""
    assert "pipelines.nope: no such pipeline (known: app)" in err
    (tmp_path / "ecsflow.yml").write_text("services:\n  api: {family: api}\n")
    code, out, err = run_cli("-c", str(tmp_path / "ecsflow.yml"), "synth", "codepipeline")
    assert code == ExitCode.INVALID and "pipelines: no pipelines defined" in err


def test_code_deploy_template_with_variables_is_deployed_by_ecsflow(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "taskdefs" / "web.json"
    path.write_text(path.read_text().replace('"cpu": "256"', '"cpu": "${WEB_CPU:-256}"'))
    template = _synth(root)
    assert _actions(template)["Test/Web"]["ActionTypeId"]["Provider"] == "CodeBuild"
    choices = template["Metadata"]["ecsflow"]["choices"]
    assert any("web: ${VAR} in the template (CodeDeployToECS registers the file as it is)" in c for c in choices)


def test_pull_request_trigger_keeps_events_branches_and_paths(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    text = (root / "ecsflow.yml").read_text()
    start, end = text.index("    triggers:\n"), text.index("    variables:\n")
    trigger = (
        "    triggers:\n"
        "      - pullRequest:\n"
        "          - events: [OPEN, UPDATED]\n"
        "            branches: {includes: [main]}\n"
        '            filePaths: {excludes: ["docs/**"]}\n'
    )
    (root / "ecsflow.yml").write_text(text[:start] + trigger + text[end:])
    git = _synth(root)["Resources"]["AppPipeline"]["Properties"]["Triggers"][0]["GitConfiguration"]
    assert git == {
        "SourceActionName": "Source",
        "PullRequest": [
            {"Events": ["OPEN", "UPDATED"], "Branches": {"Includes": ["main"]}, "FilePaths": {"Excludes": ["docs/**"]}}
        ],
    }


def test_pipelines_whose_names_read_alike_get_distinct_resources(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    text = (root / "ecsflow.yml").read_text()
    extra = (
        "  a-b:\n    stages: [{name: Build, actions: [{name: Build, build: buildspec.yml}]}]\n"
        "  ab:\n    stages: [{name: Build, actions: [{name: Build, build: buildspec.yml}]}]\n"
    )
    (root / "ecsflow.yml").write_text(text + extra)
    resources = _synth(root, names=("a-b", "ab"))["Resources"]
    assert {"AbPipeline", "Ab2Pipeline", "AbBuildBuildProject", "Ab2BuildBuildProject"} <= set(resources)
    names = {
        r["Properties"]["Name"]["Fn::Sub"] for r in resources.values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    }
    assert names == {"${AWS::StackName}-a-b", "${AWS::StackName}-ab"}
