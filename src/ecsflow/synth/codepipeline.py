"""``ecsflow synth codepipeline``: the AWS-native equivalent of ecsflow pipelines, as CloudFormation.

``synth_codepipeline(config, names, options)`` returns a template with a CodePipeline V2
per pipeline (its triggers and variables, a CodeStarSourceConnection source, CodeBuild
projects, native or handler deploy actions, approvals), the encrypted, versioned, private
artifact bucket, ecsflow's CodePipeline handler as a Lambda function when an action needs it,
and least-privilege roles. Everything that differs per account is a parameter. Actions are
mapped as ``ecsflow.synth.codepipeline_actions`` documents; the choice made for each action
is recorded in the template's ``Metadata`` and returned in ``SynthResult.choices``.

Pure: reads the parsed configuration and the files it names (templates, buildspecs).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecsflow import __version__
from ecsflow.config import BaseMode, ProjectConfig
from ecsflow.config.pipelines import (
    ActionConfig,
    ActionKind,
    ApproveAction,
    BuildAction,
    DeployAction,
    PipelineConfig,
    PromoteAction,
    RunAction,
)
from ecsflow.config.triggers import Criteria, PullRequestFilter, PushFilter, Trigger
from ecsflow.errors import ArtifactError, ConfigError, InputError, Problem, problems_error
from ecsflow.synth import codepipeline_roles as roles
from ecsflow.synth.buildspecs import BuildspecReads, read_buildspec
from ecsflow.synth.cfn_yaml import get_att, ref
from ecsflow.synth.codepipeline_actions import (
    ActionMode,
    Via,
    artifacts,
    cli_commands,
    codepipeline_namespace,
    handler_parameters,
    inline_buildspec,
    plan_deploy,
    rewrite_references,
    run_task_commands,
    type_id,
)
from ecsflow.synth.targets import (
    ACCOUNT_PLACEHOLDER,
    REGION_PLACEHOLDER,
    Place,
    Scope,
    ServiceTarget,
    TemplateReader,
    collect_targets,
)

HANDLER = "ecsflow.integrations.codepipeline.handler"
CODEBUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
SOURCE_ARTIFACT = "SourceOutput"
_LOGICAL = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class SynthOptions:
    actions: ActionMode = ActionMode.AUTO
    inline_buildspec: bool = False  # embed the buildspec's text instead of naming its path
    vpc: bool = False  # run the CodeBuild projects in a VPC (VpcId, SubnetIds, SecurityGroupIds parameters)
    handler: str = HANDLER
    runtime: str = "python3.12"
    environment: Mapping[str, str] = field(default_factory=dict)  # ${VAR} values for templates


@dataclass(frozen=True)
class SynthResult:
    template: dict[str, Any]
    choices: tuple[str, ...]  # "app/Test/Api: ECS action (…)", one per action


def logical_id(*parts: str) -> str:
    return "".join(_LOGICAL.sub("", p[:1].upper() + p[1:]) for p in parts)[:255]


@dataclass
class _Pipeline:
    """What one pipeline collects while its actions are mapped."""

    pipeline: PipelineConfig
    path: str
    prefix: str  # logical id prefix
    projects: list[str] = field(default_factory=list)  # logical ids
    project_names: list[str] = field(default_factory=list)  # Fn::Sub names
    invokes: bool = False
    ecs_targets: list[ServiceTarget] = field(default_factory=list)
    codedeploy_targets: list[ServiceTarget] = field(default_factory=list)
    build_targets: list[ServiceTarget] = field(default_factory=list)
    cli_targets: list[ServiceTarget] = field(default_factory=list)  # deployed by `ecsflow` in CodeBuild
    promotes: bool = False
    run_task_targets: list[ServiceTarget] = field(default_factory=list)
    parameters: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    namespaces: dict[str, str] = field(default_factory=dict)


class _Synth:
    def __init__(self, config: ProjectConfig, read_template: TemplateReader, options: SynthOptions) -> None:
        self.config = config
        self.read_template = read_template
        self.options = options
        self.problems: list[Problem] = []
        self.choices: list[str] = []
        self.resources: dict[str, Any] = {}
        self.handler_targets: dict[tuple[str | None, str], ServiceTarget] = {}
        self.templates: dict[str, Mapping[str, Any]] = {}
        self.used: set[str] = set()  # logical ids given out

    def unique(self, logical: str) -> str:
        """A logical id not used yet (``a-b`` and ``ab`` both read ``Ab``)."""
        out, n = logical, 2
        while out in self.used:
            out, n = f"{logical}{n}", n + 1
        self.used.add(out)
        return out

    # -- targets -------------------------------------------------------------------------------

    def targets(self, environment: str | None, keys: tuple[str, ...], path: str) -> list[ServiceTarget]:
        config = self.config.for_environment(environment)
        scope = Scope(account=None, environment=self.options.environment)
        try:
            found = list(collect_targets(config, list(keys), self.read_template, scope))
        except InputError as exc:
            self.problems.extend(exc.problems or [Problem(str(exc), path, self.config.path)])
            return []
        for target in found:
            svc = config.services[target.key]
            if svc.task_definition and target.key not in self.templates:
                self.templates[target.key] = self._template(svc)
        return found

    def _template(self, svc: Any) -> Mapping[str, Any]:
        """The template as written: CodeDeployToECS registers the file itself, uninterpolated."""
        try:
            return self.read_template(svc).request
        except InputError:
            return {}

    def for_handler(self, environment: str | None, targets: list[ServiceTarget]) -> None:
        for t in targets:
            self.handler_targets.setdefault((environment, t.key), t)

    # -- pipeline ------------------------------------------------------------------------------

    def pipeline(self, pipeline: PipelineConfig) -> None:
        path = f"pipelines.{pipeline.name}"
        pipe = _Pipeline(pipeline, path, self.unique(logical_id(pipeline.name)))
        if not pipeline.stages:
            self.problems.append(Problem("a pipeline needs stages to be generated", f"{path}.stages", self.config.path))
            return
        for stage in pipeline.stages:
            for action in stage.actions:
                if action.kind is ActionKind.BUILD:
                    pipe.namespaces[action.variables_namespace(stage.name)] = codepipeline_namespace(
                        action.variables_namespace(stage.name)
                    )
        source_action = self._source_action_name(pipeline, path)
        stages: list[dict[str, Any]] = [
            {
                "Name": "Source" if all(s.name != "Source" for s in pipeline.stages) else "Checkout",
                "Actions": [
                    {
                        "Name": source_action,
                        "ActionTypeId": type_id("Source", "CodeStarSourceConnection"),
                        "Configuration": {
                            "ConnectionArn": ref("ConnectionArn"),
                            "FullRepositoryId": ref("FullRepositoryId"),
                            "BranchName": ref("BranchName"),
                            "OutputArtifactFormat": "CODE_ZIP",
                        },
                        "OutputArtifacts": artifacts([SOURCE_ARTIFACT]),
                        "RunOrder": 1,
                    }
                ],
            }
        ]
        for i, stage in enumerate(pipeline.stages):
            actions: list[dict[str, Any]] = []
            for j, action in enumerate(stage.actions):
                where = f"{path}.stages[{i}].actions[{j}]"
                actions += self.action(pipe, stage.name, action, where)
            stages.append({"Name": stage.name, "Actions": actions})
        self._pipeline_resources(pipe, stages)

    def _source_action_name(self, pipeline: PipelineConfig, path: str) -> str:
        names = list(dict.fromkeys(t.source_action for t in pipeline.triggers))
        if len(names) > 1:
            self.problems.append(
                Problem(
                    f"triggers name {len(names)} source actions ({', '.join(names)}); the generated pipeline has one "
                    "source (the repository of the FullRepositoryId parameter): keep one sourceActionName",
                    f"{path}.triggers",
                    self.config.path,
                )
            )
        return names[0] if names else "Source"

    def _pipeline_resources(self, pipe: _Pipeline, stages: list[dict[str, Any]]) -> None:
        prefix = pipe.prefix
        if pipe.projects:
            repositories = sorted({r.arn for t in pipe.build_targets for r in t.repositories})
            self.resources[f"{prefix}CodeBuildRole"] = roles.role(
                "codebuild.amazonaws.com",
                "codebuild",
                roles.codebuild_statements(
                    projects=pipe.project_names,
                    vpc=self.options.vpc,
                    extra=[
                        *roles.ecsflow_statements(_unique(pipe.cli_targets), promote=pipe.promotes, prefix="Ecsflow"),
                        *roles.run_task_statements(_unique(pipe.run_task_targets)),
                    ],
                    repositories=repositories,
                    parameters=sorted(pipe.parameters),
                    secrets=sorted(pipe.secrets),
                ),
            )
        self.resources[f"{prefix}PipelineRole"] = roles.role(
            "codepipeline.amazonaws.com",
            "codepipeline",
            roles.pipeline_statements(
                projects=pipe.projects,
                invokes=pipe.invokes,
                ecs_targets=pipe.ecs_targets,
                codedeploy_targets=pipe.codedeploy_targets,
            ),
        )
        properties: dict[str, Any] = {
            "Name": {"Fn::Sub": "${AWS::StackName}-" + pipe.pipeline.name},
            "PipelineType": "V2",
            # QUEUED: a later run waits instead of superseding a deploy half-way (V2's default is SUPERSEDED).
            "ExecutionMode": "QUEUED",
            "RoleArn": get_att(f"{prefix}PipelineRole", "Arn"),
            "ArtifactStore": {"Type": "S3", "Location": ref(roles.BUCKET)},
        }
        if pipe.pipeline.variables:
            properties["Variables"] = [_variable(v) for v in pipe.pipeline.variables]
        if pipe.pipeline.triggers:
            properties["Triggers"] = [_trigger(t) for t in pipe.pipeline.triggers]
        properties["Stages"] = stages
        self.resources[f"{prefix}Pipeline"] = {"Type": "AWS::CodePipeline::Pipeline", "Properties": properties}

    # -- actions -------------------------------------------------------------------------------

    def action(self, pipe: _Pipeline, stage: str, action: ActionConfig, path: str) -> list[dict[str, Any]]:
        label = f"{pipe.pipeline.name}/{stage}/{action.name}"
        spec = action.spec
        if isinstance(spec, BuildAction):
            self.choices.append(f"{label}: CodeBuild action ({spec.buildspec})")
            return [self._build(pipe, stage, action, spec, path)]
        if isinstance(spec, ApproveAction):
            self.choices.append(f"{label}: Manual approval")
            configuration = {"CustomData": rewrite_references(spec.message, pipe.namespaces)} if spec.message else {}
            out: dict[str, Any] = {"Name": action.name, "ActionTypeId": type_id("Approval", "Manual")}
            if configuration:
                out["Configuration"] = configuration
            out["RunOrder"] = action.run_order
            return [out]
        if isinstance(spec, RunAction) and spec.command is not None:
            self.choices.append(f"{label}: CodeBuild action running the command")
            return [self._command(pipe, stage, action, spec.command, spec.timeout, path)]
        if isinstance(spec, RunAction) and spec.task is not None:
            task = spec.task
            found = self.targets(task.environment, (task.service,), f"{path}.run.task")
            if not found:
                return []
            target = found[0]
            container = task.container or (target.containers[0] if target.containers else target.key)
            pipe.run_task_targets.append(target)
            self.choices.append(f"{label}: CodeBuild action running the task with the AWS CLI (no native action)")
            commands = run_task_commands(target, container, task.command)
            return [self._codebuild(pipe, stage, action, inline_buildspec(commands, bash=True), task.timeout, env={})]
        if isinstance(spec, PromoteAction):
            commands = []
            keys = " ".join(spec.services) if spec.services else "--all"
            if spec.image and spec.tag:
                commands.append(f"ecsflow promote {shlex.quote(spec.image)} --to-tag {shlex.quote(spec.tag)}")
            elif spec.source and spec.tag:
                commands.append(f"ecsflow promote --from-env {spec.source} {keys} --to-tag {shlex.quote(spec.tag)}")
            if spec.source and spec.target:
                commands.append(f"ecsflow deploy {keys} --env {spec.target} --from-env {spec.source}")
            for env in dict.fromkeys((spec.source, spec.target)):
                pipe.cli_targets += self.targets(env, spec.services, f"{path}.promote")
            pipe.promotes = True
            self.choices.append(f"{label}: CodeBuild action running ecsflow (promotion has no native action)")
            return [self._ecsflow_project(pipe, stage, action, commands, {}, None)]
        assert isinstance(spec, DeployAction)
        return self._deploy(pipe, stage, action, spec, path, label)

    def _deploy(
        self, pipe: _Pipeline, stage: str, action: ActionConfig, spec: DeployAction, path: str, label: str
    ) -> list[dict[str, Any]]:
        config = self.config.for_environment(spec.environment)
        found = self.targets(spec.environment, spec.services, f"{path}.deploy")
        plan = plan_deploy(
            config,
            action,
            spec,
            found,
            self.templates,
            self.options.actions,
            f"{path}.deploy",
            self.problems,
            other_region=self._other_region(spec.environment),
        )
        pipe.build_targets += found
        why = f" ({'; '.join(plan.reasons)})" if plan.reasons else ""
        if plan.via is Via.HANDLER:
            self.for_handler(spec.environment, found)
            bases = {spec.base or config.services[t.key].base for t in found}
            base = BaseMode.LATEST if BaseMode.LATEST in bases else BaseMode.SERVICE
            self.choices.append(f"{label}: ecsflow handler{why}")
            return [self._invoke(pipe, action, handler_parameters(spec, found, base, action.inputs[0]))]
        if plan.via is Via.CLI:
            pipe.cli_targets += found
            commands, env = cli_commands(config, spec, found, action.inputs)
            self.choices.append(f"{label}: CodeBuild action running ecsflow deploy{why}")
            return [self._ecsflow_project(pipe, stage, action, commands, env, spec.timeout)]
        pipe.ecs_targets += plan.ecs_targets
        pipe.codedeploy_targets += plan.codedeploy_targets
        for native in plan.native:
            provider = native["ActionTypeId"]["Provider"]
            note = f"; {'; '.join(plan.reasons)}" if plan.reasons else ""
            self.choices.append(f"{pipe.pipeline.name}/{stage}/{native['Name']}: {provider} action{note}")
        return plan.native

    def _ecsflow_project(
        self,
        pipe: _Pipeline,
        stage: str,
        action: ActionConfig,
        commands: list[str],
        env: dict[str, str],
        timeout: float | None,
    ) -> dict[str, Any]:
        """A CodeBuild action that installs this ecsflow version and runs ``commands`` in the source."""
        install = [f'pip install "ecsflow=={__version__}"']
        buildspec = inline_buildspec(commands, install=install)
        return self._codebuild(pipe, stage, action, buildspec, timeout, env=env)

    def _other_region(self, environment: str | None) -> str | None:
        """The environment's region when it is not the pipeline's (native actions deploy in their own)."""
        region = self.config.for_environment(environment).defaults.region
        home = self.config.defaults.region
        if environment and region and home and region != home:
            return f"environment {environment} deploys to {region}, the pipeline runs in {home}"
        return None

    def _build(self, pipe: _Pipeline, stage: str, action: ActionConfig, spec: BuildAction, path: str) -> dict[str, Any]:
        if spec.source_dir not in (".", "./", ""):
            self.problems.append(
                Problem(
                    "CodeBuild runs in the source's root; a build in a subfolder cannot be generated "
                    "(cd into it in the buildspec instead)",
                    f"{path}.build.source_dir",
                    self.config.path,
                )
            )
        buildspec = self._read_buildspec(pipe, spec.buildspec, f"{path}.build.buildspec")
        text = buildspec if self.options.inline_buildspec and buildspec is not None else spec.buildspec
        return self._codebuild(pipe, stage, action, text, spec.timeout, env=dict(spec.env))

    def _read_buildspec(self, pipe: _Pipeline, name: str, path: str) -> str | None:
        place = Place(self.config.defaults.region or REGION_PLACEHOLDER, ACCOUNT_PLACEHOLDER)
        reads = BuildspecReads()
        try:
            text = read_buildspec(self.config, name)
            reads.add(text, name, place)
        except OSError as exc:
            self.problems.append(Problem(f"cannot read {name}: {exc.strerror}", path, self.config.path))
            return None
        except ArtifactError as exc:
            self.problems.extend(exc.problems or [Problem(str(exc), path, name)])
            return None
        pipe.parameters |= reads.parameters
        pipe.secrets |= reads.secrets
        return text

    def _command(
        self, pipe: _Pipeline, stage: str, action: ActionConfig, command: str, timeout: float | None, path: str
    ) -> dict[str, Any]:
        return self._codebuild(pipe, stage, action, inline_buildspec([command]), timeout, env={})

    def _codebuild(
        self,
        pipe: _Pipeline,
        stage: str,
        action: ActionConfig,
        buildspec: str,
        timeout: float | None,
        env: dict[str, str],
    ) -> dict[str, Any]:
        project = self.unique(logical_id(pipe.prefix, stage, action.name, "Project"))
        pipe.projects.append(project)
        pipe.project_names.append(roles.project_name(pipe.pipeline.name, stage, action.name))
        properties: dict[str, Any] = {
            # Named from the stack, so the CodeBuild role can name its log groups without a cycle.
            "Name": {"Fn::Sub": roles.project_name(pipe.pipeline.name, stage, action.name)},
            "Description": f"ecsflow pipeline {pipe.pipeline.name}: {stage}/{action.name}",
            "ServiceRole": get_att(f"{pipe.prefix}CodeBuildRole", "Arn"),
            "Source": {"Type": "CODEPIPELINE", "BuildSpec": buildspec},
            "Artifacts": {"Type": "CODEPIPELINE"},
            "Environment": {
                "Type": "LINUX_CONTAINER",
                "ComputeType": "BUILD_GENERAL1_SMALL",
                "Image": CODEBUILD_IMAGE,
                "PrivilegedMode": True,  # docker build
            },
            "LogsConfig": {"CloudWatchLogs": {"Status": "ENABLED"}},
        }
        if self.options.vpc:
            properties["VpcConfig"] = {
                "VpcId": ref("VpcId"),
                "Subnets": ref("SubnetIds"),
                "SecurityGroupIds": ref("SecurityGroupIds"),
            }
        if timeout:
            properties["TimeoutInMinutes"] = min(max(round(timeout / 60), 5), 2160)  # CodeBuild's 5–2160
        self.resources[project] = {"Type": "AWS::CodeBuild::Project", "Properties": properties}
        inputs = [SOURCE_ARTIFACT, *action.inputs]
        configuration: dict[str, Any] = {"ProjectName": ref(project)}
        if len(inputs) > 1:
            configuration["PrimarySource"] = SOURCE_ARTIFACT
        if env:
            variables = [
                {"name": k, "value": rewrite_references(v, pipe.namespaces), "type": "PLAINTEXT"}
                for k, v in env.items()
            ]
            configuration["EnvironmentVariables"] = json.dumps(variables, separators=(",", ":"))
        out: dict[str, Any] = {
            "Name": action.name,
            "ActionTypeId": type_id("Build", "CodeBuild"),
            "Configuration": configuration,
            "InputArtifacts": artifacts(inputs),
        }
        if action.outputs:
            out["OutputArtifacts"] = artifacts(action.outputs)
        if action.kind is ActionKind.BUILD:
            out["Namespace"] = pipe.namespaces[action.variables_namespace(stage)]
        out["RunOrder"] = action.run_order
        return out

    def _invoke(self, pipe: _Pipeline, action: ActionConfig, parameters: str) -> dict[str, Any]:
        pipe.invokes = True
        return {
            "Name": action.name,
            "ActionTypeId": type_id("Invoke", "Lambda"),
            "Configuration": {"FunctionName": ref(roles.FUNCTION), "UserParameters": parameters},
            "InputArtifacts": artifacts(action.inputs[:1]),  # the handler reads images from one artifact
            "RunOrder": action.run_order,
        }


def _unique(targets: list[ServiceTarget]) -> list[ServiceTarget]:
    return list({(t.place, t.cluster, t.service): t for t in targets}.values())


def _criteria(c: Criteria) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if c.includes:
        out["Includes"] = list(c.includes)
    if c.excludes:
        out["Excludes"] = list(c.excludes)
    return out


def _push(f: PushFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.branches is not None:
        out["Branches"] = _criteria(f.branches)
    if f.file_paths is not None:
        out["FilePaths"] = _criteria(f.file_paths)
    if f.tags is not None:
        out["Tags"] = _criteria(f.tags)
    return out


def _pull_request(f: PullRequestFilter) -> dict[str, Any]:
    out: dict[str, Any] = {"Events": [e.value for e in f.events], "Branches": _criteria(f.branches)}
    if f.file_paths is not None:
        out["FilePaths"] = _criteria(f.file_paths)
    return out


def _trigger(t: Trigger) -> dict[str, Any]:
    git: dict[str, Any] = {"SourceActionName": t.source_action}
    if t.push:
        git["Push"] = [_push(f) for f in t.push]
    if t.pull_request:
        git["PullRequest"] = [_pull_request(f) for f in t.pull_request]
    return {"ProviderType": "CodeStarSourceConnection", "GitConfiguration": git}


def _variable(v: Any) -> dict[str, str]:
    out = {"Name": v.name}
    if v.default is not None:
        out["DefaultValue"] = v.default
    if v.description:
        out["Description"] = v.description
    return out


def synth_codepipeline(
    config: ProjectConfig,
    names: list[str],
    read_template: TemplateReader,
    options: SynthOptions | None = None,
) -> SynthResult:
    """The CloudFormation template of ``names`` (every pipeline with stages when empty).

    Raises ``ConfigError`` listing every part of the configuration CodePipeline cannot express.
    """
    options = options or SynthOptions()
    unknown = [n for n in names if n not in config.pipelines]
    if unknown or not config.pipelines:
        known = ", ".join(sorted(config.pipelines)) or "none"
        problems = [Problem(f"no such pipeline (known: {known})", f"pipelines.{n}", config.path) for n in unknown]
        if not config.pipelines:
            problems = [Problem("no pipelines defined", "pipelines", config.path)]
        raise problems_error(ConfigError, config.path, problems, hint="name pipelines defined under `pipelines:`")
    synth = _Synth(config, read_template, options)
    selected = names or [n for n, p in config.pipelines.items() if p.stages]
    for name in selected:
        synth.pipeline(config.pipelines[name])
    if synth.problems:
        raise problems_error(
            ConfigError,
            f"{config.path}: cannot generate the CodePipeline template",
            synth.problems,
            hint="change the listed keys, or use --actions ecsflow/auto (see docs/aws-native.md)",
        )
    from ecsflow.synth.codepipeline_template import assemble

    template = assemble(synth.resources, synth.choices, synth.handler_targets.values(), options)
    return SynthResult(template, tuple(synth.choices))


__all__ = ["ActionMode", "SynthOptions", "SynthResult", "synth_codepipeline"]
