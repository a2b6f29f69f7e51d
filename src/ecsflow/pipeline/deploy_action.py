"""The ``deploy`` action: input artifacts → image inputs → the deploy engine (any strategy it knows).

Artifacts are read the way CodePipeline's deploy actions read them (AWS-SEMANTICS §1–3):

* ``imagedefinitions.json`` (``image_definitions:``, CodePipeline's ``FileName``): images by
  container name, what the ECS (rolling) action takes;
* ``imageDetail.json``: an ECR source's image, what CodeDeployToECS takes; its ``ImageURI``
  fills an ``<IMAGE1_NAME>`` placeholder, or the container whose repository matches;
* ``task_definition:`` a ``taskdef.json`` in an input artifact replaces the service's template
  (CodeDeployToECS's ``TaskDefinitionTemplatePath``), ``appspec:`` an AppSpec the same way
  (``AppSpecTemplatePath``; it becomes the service's ``codedeploy.appspec``).

Where the formats differ ecsflow converts instead of failing as CodePipeline does: an
``imageDetail.json`` can deploy a rolling service, ``imagedefinitions.json`` a blue/green one.
Every file is read and validated before the engine is called, so a missing file or a file of
the wrong type fails the action with an error naming the stage, the action, the artifact and
the file, before any AWS mutation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ecsflow.artifacts.appspec import parse_appspec
from ecsflow.artifacts.detect import ArtifactType, type_from_content
from ecsflow.artifacts.imagedefs import parse_image_definitions
from ecsflow.artifacts.imagedetail import parse_image_detail
from ecsflow.artifacts.taskdef import parse_task_definition
from ecsflow.config import ProjectConfig
from ecsflow.config.codedeploy import CodeDeployConfig
from ecsflow.config.pipelines import DEFAULT_IMAGE_DEFINITIONS, DeployAction
from ecsflow.engines.deploy import DeployEngine
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.engines.prepare import DeployRequest
from ecsflow.engines.records import DeployRecord
from ecsflow.errors import ArtifactError, ConfigError, Problem
from ecsflow.events import EventSink
from ecsflow.model import DeploymentResult, worst_exit_code
from ecsflow.pipeline.run_record import FAILED, SUCCEEDED, ArtifactRecord, DeployedRecord
from ecsflow.pipeline.stages import ActionContext, ActionOutcome
from ecsflow.ports import Clock

EngineFactory = Callable[[ProjectConfig, EventSink], DeployEngine]


@dataclass(frozen=True)
class DeployInputs:
    images: tuple[tuple[str, str], ...] = ()  # (container, image) from imagedefinitions.json
    image_details: tuple[tuple[str | None, str], ...] = ()  # (None, ImageURI) from imageDetail.json
    task_definition: Path | None = None
    appspec: Path | None = None
    used: tuple[str, ...] = ()  # "artifact/file" read, for the record


def _error(ctx: ActionContext, artifact: str, file: str, why: str, hint: str) -> ArtifactError:
    return ArtifactError(
        f"{ctx.where}: input artifact {artifact}: {file} {why}",
        [Problem(why, file, f"artifact {artifact}")],
        hint=hint,
    )


def _listing(artifact: ArtifactRecord) -> str:
    files = sorted(p.relative_to(artifact.directory).as_posix() for p in Path(artifact.directory).rglob("*"))
    return ", ".join(files[:10]) + (f" (+{len(files) - 10} more)" if len(files) > 10 else "") or "no files"


def _find(ctx: ActionContext, file: str) -> tuple[str, Path] | None:
    for name, artifact in ctx.inputs.items():
        path = Path(artifact.directory) / file
        if path.is_file():
            return name, path
    return None


def _wrong_type(ctx: ActionContext, artifact: str, file: str, content: bytes, expected: ArtifactType) -> None:
    try:
        found = type_from_content(content, file)
    except ArtifactError:
        found = None
    if found is not None and found is not expected:
        raise _error(
            ctx,
            artifact,
            file,
            f"holds {found.label} content, expected {expected.label}",
            "write the right file in the build (see docs/artifacts.md), or point the deploy action at it",
        )


def read_deploy_inputs(ctx: ActionContext, spec: DeployAction) -> DeployInputs:
    """Every artifact file the action uses, read and validated (no AWS call)."""
    images: list[tuple[str, str]] = []
    details: list[tuple[str | None, str]] = []
    used: list[str] = []
    explicit_defs = spec.image_definitions != DEFAULT_IMAGE_DEFINITIONS
    for name, artifact in ctx.inputs.items():
        folder = Path(artifact.directory)
        defs = folder / spec.image_definitions
        detail = folder / spec.image_detail
        if defs.is_file():
            content = defs.read_bytes()
            _wrong_type(ctx, name, spec.image_definitions, content, ArtifactType.IMAGE_DEFINITIONS)
            try:
                parsed = parse_image_definitions(content, f"{name}/{spec.image_definitions}")
            except ArtifactError as exc:
                raise ArtifactError(
                    f"{ctx.where}: input artifact {name}: {exc.message}", exc.problems, hint=exc.hint
                ) from exc
            images += [(d.name, d.image_uri) for d in parsed]
            used.append(f"{name}/{spec.image_definitions}")
        elif explicit_defs:
            raise _error(
                ctx,
                name,
                spec.image_definitions,
                f"is missing (the artifact holds: {_listing(artifact)})",
                "list the file under artifacts.files in the buildspec, or fix deploy.image_definitions",
            )
        if detail.is_file():
            content = detail.read_bytes()
            _wrong_type(ctx, name, spec.image_detail, content, ArtifactType.IMAGE_DETAIL)
            try:
                uri = parse_image_detail(content, f"{name}/{spec.image_detail}").image_uri
            except ArtifactError as exc:
                raise ArtifactError(
                    f"{ctx.where}: input artifact {name}: {exc.message}", exc.problems, hint=exc.hint
                ) from exc
            details.append((None, uri))
            used.append(f"{name}/{spec.image_detail}")
    task_definition = _template(ctx, spec.task_definition, ArtifactType.TASKDEF, used)
    appspec = _template(ctx, spec.appspec, ArtifactType.APPSPEC, used)
    if ctx.inputs and not (images or details or task_definition):
        listing = "; ".join(f"{n}: {_listing(a)}" for n, a in ctx.inputs.items())
        names = ", ".join(ctx.inputs)
        raise ArtifactError(
            f"{ctx.where}: input artifact {names} has no {spec.image_definitions} nor {spec.image_detail} "
            f"(found: {listing})",
            [Problem("missing", spec.image_definitions, f"artifact {n}") for n in ctx.inputs],
            hint="a rolling deploy reads imagedefinitions.json, a blue/green one imageDetail.json (and taskdef.json): "
            "list them under artifacts.files in the buildspec",
        )
    return DeployInputs(tuple(images), tuple(details), task_definition, appspec, tuple(used))


def _template(ctx: ActionContext, file: str | None, kind: ArtifactType, used: list[str]) -> Path | None:
    if file is None:
        return None
    found = _find(ctx, file)
    if found is None:
        listing = "; ".join(f"{n}: {_listing(a)}" for n, a in ctx.inputs.items()) or "no input artifacts"
        artifact = ", ".join(ctx.inputs) or "(none)"
        raise _error(
            ctx,
            artifact,
            file,
            f"is missing (found: {listing})",
            "list it under artifacts.files in the buildspec, and the artifact under the action's inputs",
        )
    name, path = found
    content = path.read_bytes()
    _wrong_type(ctx, name, file, content, kind)
    try:
        if kind is ArtifactType.TASKDEF:
            parse_task_definition(content, f"{name}/{file}")
        else:
            parse_appspec(content, f"{name}/{file}")
    except ArtifactError as exc:
        raise ArtifactError(f"{ctx.where}: input artifact {name}: {exc.message}", exc.problems, hint=exc.hint) from exc
    used.append(f"{name}/{file}")
    return path.resolve()


class DeployHandler:
    def __init__(
        self,
        *,
        config: ProjectConfig,
        engine_for: EngineFactory,
        clock: Clock,
        base_env: Mapping[str, str],
        actor: str | None = None,
        tool_version: str | None = None,
    ) -> None:
        self.config = config
        self.engine_for = engine_for
        self.clock = clock
        self.base_env = base_env
        self.actor = actor
        self.tool_version = tool_version

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = ctx.action.spec
        assert isinstance(spec, DeployAction)
        environment = spec.environment or ctx.environment
        config = self.config.for_environment(environment)
        inputs = read_deploy_inputs(ctx, spec)
        where = f"{ctx.where}: deploy"
        tag = ctx.scope.resolve(spec.tag, f"{where}.tag") if spec.tag else None
        extra = ctx.scope.resolve_all(spec.images, f"{where}.images")
        keys = spec.services or tuple(config.services)
        if not keys:
            raise ConfigError(f"{where}: no services to deploy", hint="add services: to ecsflow.yml")
        services = tuple(config.services[k] for k in keys)
        if inputs.task_definition is not None:
            # CodeDeployToECS registers the artifact's taskdef.json, not a file in the repository.
            services = tuple(replace(s, task_definition=str(inputs.task_definition)) for s in services)
        if inputs.appspec is not None:
            # ... and the artifact's AppSpec (AppSpecTemplatePath), for CODE_DEPLOY services.
            services = tuple(
                replace(s, codedeploy=replace(s.codedeploy or CodeDeployConfig(), appspec=str(inputs.appspec)))
                for s in services
            )
        given = {c for c, _ in extra.items()}
        pairs = [(c, i) for c, i in inputs.images if c not in given] + list(extra.items())
        groups = [tuple(g) for g in config.groups(list(keys))]
        grouped = {k for g in groups for k in g}
        rest = tuple(k for k in keys if k not in grouped)
        request = DeployRequest(
            services=services,
            groups=tuple(groups) + ((rest,) if rest else ()),
            inputs=ImageInputs(images=tuple(pairs), tag=tag, image_details=inputs.image_details),
            base=spec.base,
            timeout=spec.timeout,
            force=spec.force,
            variables={**self.base_env, **ctx.scope.variables},
            record=DeployRecord(
                commit=ctx.source_revision,
                actor=self.actor,
                at=self.clock.now(),
                environment=environment,
                tool_version=self.tool_version,
            ),
        )
        engine = self.engine_for(config, ctx.sink)
        defaults = config.defaults
        _, results = engine.deploy(request, RunOptions(concurrency=defaults.concurrency, fail_fast=defaults.fail_fast))
        return outcome_of(results, environment)


def outcome_of(results: list[DeploymentResult], environment: str | None) -> ActionOutcome:
    deployed = tuple(
        DeployedRecord(r.service, str(r.outcome), r.task_definition_arn, r.images, environment) for r in results
    )
    message = "; ".join(f"{r.service}: {r.outcome} ({r.reason})" for r in results)
    if results and all(r.outcome.ok for r in results):
        return ActionOutcome(SUCCEEDED, message, 0, deployed=deployed)
    code = worst_exit_code([r.outcome for r in results]) if results else 1
    return ActionOutcome(FAILED, message or "nothing was deployed", int(code), deployed=deployed)
