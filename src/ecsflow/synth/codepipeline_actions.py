"""How each ecsflow pipeline action becomes CodePipeline actions (``ecsflow synth codepipeline``).

| ecsflow action | CodePipeline |
|---|---|
| ``build`` | ``CodeBuild`` action + an ``AWS::CodeBuild::Project`` with the buildspec |
| ``deploy`` of a rolling service, base ``service`` | ``ECS`` action (``imagedefinitions.json``): the same behaviour |
| ``deploy`` of a ``CODE_DEPLOY`` service, base ``file`` | ``CodeDeployToECS`` (taskdef, AppSpec, imageDetail.json) |
| any other ``deploy``, ``promote``, ``run`` of a task | ``Invoke`` action running ecsflow's CodePipeline handler |
| ``approve`` | ``Manual`` approval |
| ``run`` of a command | ``CodeBuild`` action + a project with the command as its buildspec |

"Any other deploy" is where the native action would behave differently from ecsflow: the
``ECS`` action always starts from the revision the service runs (so base ``file`` and
``latest`` are lost), cannot deploy by tag, waits at most 60 minutes, and deploys several
services in parallel only. ``--actions native`` forces the native actions where they can be
wired at all and records what is lost; ``--actions ecsflow`` uses the handler everywhere.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ecsflow.config import BaseMode, ProjectConfig, ServiceConfig
from ecsflow.config.pipelines import REFERENCE, ActionConfig, DeployAction
from ecsflow.errors import Problem
from ecsflow.synth.targets import ServiceTarget

ECS_ACTION_MAX_MINUTES = 60  # the ECS deploy action's DeploymentTimeout maximum (AWS-SEMANTICS §1.3)
MAX_IMAGES = 4  # CodeDeployToECS: Image1..Image4 (AWS-SEMANTICS §3.1)
_PLACEHOLDER = re.compile(r"^<([A-Za-z0-9_.-]+)>$")
_NAMESPACE_CHARS = re.compile(r"[^A-Za-z0-9@\-_]")


class ActionMode(StrEnum):
    AUTO = "auto"  # native where it behaves as ecsflow does, the handler elsewhere
    NATIVE = "native"  # native wherever it can be wired (records what is lost)
    ECSFLOW = "ecsflow"  # the handler for every deploy


def type_id(category: str, provider: str) -> dict[str, str]:
    return {"Category": category, "Owner": "AWS", "Provider": provider, "Version": "1"}


def artifacts(names: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"Name": n} for n in names]


def codepipeline_namespace(ecsflow_namespace: str) -> str:
    """CodePipeline namespaces hold no dots; ecsflow's default ``Stage.Action`` becomes ``Stage_Action``."""
    return _NAMESPACE_CHARS.sub("_", ecsflow_namespace)


def rewrite_references(text: str, namespaces: Mapping[str, str]) -> str:
    """``#{Stage.Action.VAR}`` -> ``#{Stage_Action.VAR}``; pipeline and execution variables stay."""

    def one(match: re.Match[str]) -> str:
        ns, var = match.group(1), match.group(2)
        return "#{" + namespaces.get(ns, ns) + "." + var + "}"

    return REFERENCE.sub(one, text)


def is_code_deploy(svc: ServiceConfig) -> bool:
    controller = svc.bootstrap.controller if svc.bootstrap else None
    return svc.codedeploy is not None or controller == "CODE_DEPLOY"


def image_placeholders(request: Mapping[str, Any]) -> list[str]:
    """``<NAME>`` placeholders of the template's image fields, in container order."""
    out: list[str] = []
    for c in request.get("containerDefinitions") or ():
        match = _PLACEHOLDER.match(str(c.get("image") or ""))
        if match and match.group(1) not in out:
            out.append(match.group(1))
    return out


class Via(StrEnum):
    NATIVE = "native"  # ECS / CodeDeployToECS actions
    HANDLER = "handler"  # Invoke action: ecsflow's CodePipeline handler (Lambda)
    CLI = "cli"  # CodeBuild action running `ecsflow deploy` with ecsflow.yml from the source


@dataclass
class DeployPlan:
    """How one ecsflow ``deploy`` action is expressed."""

    via: Via = Via.NATIVE
    native: list[dict[str, Any]] = field(default_factory=list)
    ecs_targets: list[ServiceTarget] = field(default_factory=list)
    codedeploy_targets: list[ServiceTarget] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why not native (or what native loses)


def plan_deploy(
    config: ProjectConfig,
    action: ActionConfig,
    spec: DeployAction,
    targets: list[ServiceTarget],
    templates: Mapping[str, Mapping[str, Any]],
    mode: ActionMode,
    path: str,
    problems: list[Problem],
    *,
    other_region: str | None = None,  # why the environment's region rules native actions out
) -> DeployPlan:
    """Native ``ECS`` / ``CodeDeployToECS`` actions, the handler, or ``ecsflow deploy`` in CodeBuild.

    The handler takes images from one input artifact and deploys by cluster/service, without
    ecsflow.yml: it serves deploys whose base is the running or the newest revision. A deploy that
    needs ecsflow.yml (the task definition file as base, tags, ordered services) runs the CLI.
    """
    plan = DeployPlan()
    blockers: list[str] = []  # what makes the native action impossible to wire
    losses: list[str] = []  # what the native action would do differently from ecsflow
    if not action.inputs:
        blockers.append("no input artifact (the native actions read images from one)")
    if other_region:
        blockers.append(other_region)
    if spec.tag or spec.images:
        blockers.append("images by tag or by `images:` (the native actions read them from artifacts)")
    groups = config.groups([t.key for t in targets])
    if len(groups) > 1:
        losses.append(f"services deploy in order {groups} (native actions of one stage run in parallel)")
    bases = {spec.base or config.services[t.key].base for t in targets}
    for target in targets:
        svc = config.services[target.key]
        base = spec.base or svc.base
        timeout = spec.timeout or svc.timeout
        if is_code_deploy(svc):
            cd = target.codedeploy
            if cd is None or cd.discovered:
                blockers.append(f"{target.key}: CodeDeployToECS needs codedeploy.application and deployment_group")
                continue
            if base is not BaseMode.FILE:
                losses.append(f"{target.key}: base {base.value} (CodeDeployToECS registers taskdef.json: base file)")
            if "${" in json.dumps(templates.get(target.key) or {}):
                losses.append(f"{target.key}: ${{VAR}} in the template (CodeDeployToECS registers the file as it is)")
            if mode is ActionMode.ECSFLOW:
                continue
            native = _codedeploy_action(action, spec, target, svc, templates.get(target.key) or {}, path, problems)
            if native is not None:
                plan.native.append(native)
                plan.codedeploy_targets.append(target)
        else:
            if base is not BaseMode.SERVICE:
                losses.append(
                    f"{target.key}: base {base.value} (the ECS action starts from the revision the service runs)"
                )
            minutes = math.ceil(timeout / 60) if timeout else None
            if minutes and minutes > ECS_ACTION_MAX_MINUTES:
                losses.append(f"{target.key}: timeout {minutes} min (the ECS action waits at most 60)")
                minutes = ECS_ACTION_MAX_MINUTES
            plan.native.append(_ecs_action(action, spec, target, minutes, len(targets) > 1))
            plan.ecs_targets.append(target)
    handler_fits = bool(action.inputs) and not (spec.tag or spec.images) and len(groups) <= 1
    handler_fits = handler_fits and bases <= {BaseMode.SERVICE, BaseMode.LATEST} and not other_region
    if mode is ActionMode.NATIVE:
        for why in blockers:
            problems.append(Problem(f"no native action can express this: {why}", path))
        plan.reasons += [f"native, loses: {why}" for why in losses]
        return plan
    if mode is ActionMode.ECSFLOW:
        plan.via = Via.HANDLER if handler_fits else Via.CLI
        plan.reasons.append("--actions ecsflow")
    elif blockers or losses:
        plan.via = Via.HANDLER if handler_fits else Via.CLI
        plan.reasons += blockers + losses
    if plan.via is not Via.NATIVE:
        plan.native, plan.ecs_targets, plan.codedeploy_targets = [], [], []
    return plan


def handler_parameters(spec: DeployAction, targets: list[ServiceTarget], base: BaseMode, artifact: str) -> str:
    """UserParameters of ecsflow's CodePipeline handler (ecsflow.integrations.codepipeline_job)."""
    params: dict[str, Any] = {"services": [f"{t.cluster}/{t.service}" for t in targets], "base": base.value}
    params["artifact"] = artifact
    if spec.image_definitions != "imagedefinitions.json":
        params["image_definitions"] = spec.image_definitions
    if spec.image_detail != "imageDetail.json":
        params["image_detail"] = spec.image_detail
    if spec.timeout:
        params["timeout"] = f"{int(spec.timeout)}s"
    if spec.environment:
        params["env"] = spec.environment
    return json.dumps(params, separators=(",", ":"))


def cli_commands(
    config: ProjectConfig, spec: DeployAction, targets: list[ServiceTarget], inputs: tuple[str, ...]
) -> tuple[list[str], dict[str, str]]:
    """``ecsflow deploy`` for ``spec``, and the environment variables holding ``#{…}`` references.

    CodeBuild puts a secondary input artifact under ``$CODEBUILD_SRC_DIR_<name>``; the primary
    source (the repository, with ecsflow.yml) is the working folder.
    """
    env: dict[str, str] = {}

    def arg(value: str) -> str:
        if "#{" in value:  # resolved by CodePipeline in the action configuration only
            name = f"ECSFLOW_ARG_{len(env) + 1}"
            env[name] = value
            return f'"${name}"'
        return shlex.quote(value)

    words = ["ecsflow", "deploy", *[shlex.quote(t.key) for t in targets]]
    if spec.environment:
        words += ["--env", shlex.quote(spec.environment)]
    if inputs:
        folder = f"$CODEBUILD_SRC_DIR_{inputs[0]}"
        if any(not is_code_deploy(config.services[t.key]) for t in targets):
            words += ["--image-definitions", f'"{folder}/{spec.image_definitions}"']
        if any(is_code_deploy(config.services[t.key]) for t in targets):
            words += ["--image-detail", f'"{folder}/{spec.image_detail}"']
    if spec.tag:
        words += ["--tag", arg(spec.tag)]
    for container, image in spec.images.items():
        words += ["--image", arg(f"{container}={image}")]
    if spec.base:
        words += ["--base", spec.base.value]
    if spec.timeout:
        words += ["--timeout", f"{int(spec.timeout)}s"]
    if spec.force:
        words.append("--force")
    return [" ".join(words)], env


def run_task_commands(target: ServiceTarget, container: str, command: tuple[str, ...]) -> list[str]:
    """A one-off task of the service's running revision, launch type and network settings, with the
    AWS CLI (bash); the action fails unless ``container`` exits 0 (ecsflow's ``run: {task: …}``).
    ``aws ecs wait tasks-stopped`` gives up after 10 minutes (100 polls of 6 s)."""
    cluster, service = shlex.quote(target.cluster), shlex.quote(target.service)
    describe = f"aws ecs describe-services --cluster {cluster} --services {service} --query"
    overrides = {"containerOverrides": [{"name": container, "command": list(command)}]} if command else {}
    exit_code = f"tasks[0].containers[?name=='{container}'].exitCode | [0]"
    return [
        f"TASK_DEFINITION=$({describe} 'services[0].taskDefinition' --output text)",
        f"LAUNCH_TYPE=$({describe} 'services[0].launchType' --output text)",
        f"NETWORK=$({describe} 'services[0].networkConfiguration' --output json)",
        f'ARGS=(--cluster {cluster} --task-definition "$TASK_DEFINITION" --started-by ecsflow-pipeline)',
        'if [ "$LAUNCH_TYPE" != None ]; then ARGS+=(--launch-type "$LAUNCH_TYPE"); fi',
        'if [ "$NETWORK" != null ]; then ARGS+=(--network-configuration "$NETWORK"); fi',
        f'TASK=$(aws ecs run-task "${{ARGS[@]}}" --overrides {shlex.quote(json.dumps(overrides))} '
        "--query 'tasks[0].taskArn' --output text)",
        f'aws ecs wait tasks-stopped --cluster {cluster} --tasks "$TASK"',
        f'EXIT=$(aws ecs describe-tasks --cluster {cluster} --tasks "$TASK" --query "{exit_code}" --output text)',
        f'echo "task $TASK: {container} exited $EXIT"; test "$EXIT" = 0',
    ]


def _name(action: ActionConfig, target: ServiceTarget, several: bool) -> str:
    return f"{action.name}-{target.key}"[:100] if several else action.name


def _ecs_action(
    action: ActionConfig, spec: DeployAction, target: ServiceTarget, minutes: int | None, several: bool
) -> dict[str, Any]:
    configuration: dict[str, str] = {"ClusterName": target.cluster, "ServiceName": target.service}
    if spec.image_definitions != "imagedefinitions.json":
        configuration["FileName"] = spec.image_definitions
    if minutes:
        configuration["DeploymentTimeout"] = str(minutes)
    return {
        "Name": _name(action, target, several),
        "ActionTypeId": type_id("Deploy", "ECS"),
        "Configuration": configuration,
        "InputArtifacts": artifacts(action.inputs[:1]),  # exactly one input (AWS-SEMANTICS §1.3)
        "RunOrder": action.run_order,
    }


def _codedeploy_action(
    action: ActionConfig,
    spec: DeployAction,
    target: ServiceTarget,
    svc: ServiceConfig,
    request: Mapping[str, Any],
    path: str,
    problems: list[Problem],
) -> dict[str, Any] | None:
    cd = target.codedeploy
    assert cd is not None
    # The taskdef.json in the artifact: the deploy's task_definition, else the service's
    # template at the same path in the repository (the build copies it into its output).
    taskdef = spec.task_definition or svc.task_definition or "taskdef.json"
    appspec = spec.appspec or cd.appspec or "appspec.yaml"
    placeholders = image_placeholders(request) if not spec.task_definition else ["IMAGE1_NAME"]
    if not placeholders:
        problems.append(
            Problem(
                "CodeDeployToECS replaces <PLACEHOLDER> image fields with imageDetail.json's ImageURI; the template "
                'has none: write "image": "<IMAGE1_NAME>"',
                f"services.{target.key}.task_definition",
            )
        )
        return None
    if len(placeholders) > MAX_IMAGES:
        problems.append(
            Problem(
                f"CodeDeployToECS fills at most {MAX_IMAGES} image placeholders, the template has {len(placeholders)}",
                f"services.{target.key}.task_definition",
            )
        )
        return None
    # One imageDetail.json per artifact (its name is fixed): image n comes from input n, or all
    # from the single input when there is one image.
    if len(placeholders) > len(action.inputs) and len(placeholders) > 1:
        problems.append(
            Problem(
                f"{len(placeholders)} image placeholders need {len(placeholders)} input artifacts, each with its "
                "own imageDetail.json",
                f"{path}.inputs",
            )
        )
        return None
    main = action.inputs[0]
    configuration: dict[str, str] = {
        "ApplicationName": cd.application,
        "DeploymentGroupName": cd.deployment_group,
        "TaskDefinitionTemplateArtifact": main,
        "TaskDefinitionTemplatePath": taskdef,
        "AppSpecTemplateArtifact": main,
        "AppSpecTemplatePath": appspec,
    }
    used = {main}
    for n, placeholder in enumerate(placeholders, start=1):
        artifact = action.inputs[n - 1] if len(placeholders) > 1 else main
        used.add(artifact)
        configuration[f"Image{n}ArtifactName"] = artifact
        configuration[f"Image{n}ContainerName"] = placeholder  # the placeholder text, without < >
    return {
        "Name": action.name if len(spec.services) <= 1 else f"{action.name}-{target.key}"[:100],
        "ActionTypeId": type_id("Deploy", "CodeDeployToECS"),
        "Configuration": configuration,
        "InputArtifacts": artifacts([a for a in action.inputs if a in used]),
        "RunOrder": action.run_order,
    }


def inline_buildspec(commands: list[str], *, install: list[str] | None = None, bash: bool = False) -> str:
    """A buildspec (version 0.2) running ``commands`` in the build phase."""
    lines = ["version: 0.2"]
    if bash:
        lines += ["env:", "  shell: bash"]
    lines.append("phases:")
    if install:
        lines += ["  install:", "    commands:", *[f"      - {json.dumps(c)}" for c in install]]
    lines += ["  build:", "    commands:", *[f"      - {json.dumps(c)}" for c in commands]]
    return "\n".join(lines) + "\n"
