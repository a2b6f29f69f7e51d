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


@dataclass
class DeployPlan:
    """How one ecsflow ``deploy`` action is expressed: native actions, or the handler."""

    native: list[dict[str, Any]] = field(default_factory=list)
    ecs_targets: list[ServiceTarget] = field(default_factory=list)
    codedeploy_targets: list[ServiceTarget] = field(default_factory=list)
    use_handler: bool = False
    reasons: list[str] = field(default_factory=list)  # why the handler (or what native loses)


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
    """Native ``ECS`` / ``CodeDeployToECS`` actions for ``action``, or the handler (``use_handler``)."""
    plan = DeployPlan()
    if mode is ActionMode.ECSFLOW:
        plan.use_handler = True
        plan.reasons.append("--actions ecsflow")
        return plan
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
    for target in targets:
        svc = config.services[target.key]
        base = spec.base or svc.base
        timeout = spec.timeout or svc.timeout
        if is_code_deploy(svc):
            cd = target.codedeploy
            if cd is None or "*" in (cd.application, cd.deployment_group):
                blockers.append(f"{target.key}: CodeDeployToECS needs codedeploy.application and deployment_group")
                continue
            if base is not BaseMode.FILE:
                losses.append(f"{target.key}: base {base.value} (CodeDeployToECS registers taskdef.json: base file)")
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
    if blockers:
        if mode is ActionMode.NATIVE:
            for why in blockers:
                problems.append(Problem(f"no native action can express this: {why}", path))
        plan.use_handler = True
        plan.reasons += blockers
    elif losses and mode is ActionMode.AUTO:
        plan.use_handler = True
        plan.reasons += losses
    else:
        plan.reasons += [f"native, loses: {why}" for why in losses]
    if plan.use_handler:
        plan.native, plan.ecs_targets, plan.codedeploy_targets = [], [], []
    return plan


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


def handler_parameters(pipeline: str, stage: str, action: str) -> str:
    """The Invoke action's UserParameters: which action of ecsflow.yml the handler runs."""
    return json.dumps({"pipeline": pipeline, "stage": stage, "action": action}, separators=(",", ":"))


def inline_buildspec(commands: list[str]) -> str:
    lines = ["version: 0.2", "phases:", "  build:", "    commands:"]
    lines += [f"      - {json.dumps(c)}" for c in commands]
    return "\n".join(lines) + "\n"
