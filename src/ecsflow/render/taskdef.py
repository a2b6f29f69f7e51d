"""Rendering a task definition: images, placeholders, environment, secrets, labels, logs, roles.

The inputs of aws-actions/amazon-ecs-render-task-definition, without its defects
(ANCHORS §3.1): several containers get their own image in one call, values that
contain ``=`` are kept whole, the command is split like a shell would (quotes
respected), nothing is truncated, and the result is validated against the ECS model.

Order (each step sees the previous one's result):
1. ``<PLACEHOLDER>`` → ImageURI of an imageDetail.json (CodeDeployToECS);
2. ``${VAR}`` interpolation from ``environment`` (skipped when it is None);
3. imagedefinitions.json entries (CodePipeline ECS action), then ``images``;
4. per-container edits on ``container`` (environment, secrets, labels, logs, command);
5. task and execution role ARNs;
6. any ``<UPPER_CASE>`` placeholder left is an error; the result is re-validated.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsflow.artifacts.imagedefs import ImageDefinition
from ecsflow.artifacts.problems import join
from ecsflow.artifacts.taskdef import TaskDefinitionInput, normalize_task_definition
from ecsflow.errors import ArtifactError, Problem, RenderError
from ecsflow.render.images import apply_image_definitions, set_images
from ecsflow.render.placeholders import fill_angle, interpolate, unresolved

_S3_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::[^/]+/.+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


@dataclass(frozen=True)
class RenderOptions:
    """What to change. Pairs are (name, value); per-container edits apply to ``container``."""

    placeholders: Mapping[str, str] = field(default_factory=dict)  # IMAGE1_NAME -> ImageURI
    environment: Mapping[str, str] | None = None  # for ${VAR}; None: no interpolation
    image_definitions: Sequence[ImageDefinition] = ()
    image_definitions_file: str = "imagedefinitions.json"  # named in problems
    images: Sequence[tuple[str, str]] = ()  # (container, image)
    container: str | None = None
    set_env: Sequence[tuple[str, str]] = ()
    unset_env: Sequence[str] = ()
    environment_files: Sequence[str] = ()  # S3 object ARNs, added to environmentFiles
    secrets: Sequence[tuple[str, str]] = ()  # (name, valueFrom)
    docker_labels: Sequence[tuple[str, str]] = ()
    log_driver: str | None = None
    log_options: Sequence[tuple[str, str]] = ()
    command: Sequence[str] | None = None
    task_role_arn: str | None = None
    execution_role_arn: str | None = None

    @property
    def edits_container(self) -> bool:
        return bool(
            self.set_env or self.unset_env or self.environment_files or self.secrets or self.docker_labels
            or self.log_driver or self.log_options or self.command is not None
        )  # fmt: skip


@dataclass(frozen=True)
class RenderedTaskDefinition:
    task_definition: TaskDefinitionInput
    changes: tuple[str, ...] = ()


def render_task_definition(source: TaskDefinitionInput, options: RenderOptions) -> RenderedTaskDefinition:
    """Apply ``options`` to a copy of ``source``; raises ``RenderError`` listing every problem."""
    problems: list[Problem] = []
    changes: list[str] = []
    used: set[str] = set()
    request: dict[str, Any] = copy.deepcopy(source.request)
    if options.placeholders:
        request = fill_angle(request, options.placeholders, used)
        for name in options.placeholders:
            if name in used:
                changes.append(f"<{name}> -> {options.placeholders[name]}")
            else:
                problems.append(Problem(f"placeholder <{name}> does not occur in the task definition", "", source.file))
    if options.environment is not None:
        request = interpolate(request, options.environment, problems)
    if options.image_definitions:
        request, found, notes = apply_image_definitions(
            request, options.image_definitions, options.image_definitions_file
        )
        problems += found
        changes += notes
    if options.images:
        request, found, notes = set_images(request, options.images, "--image")
        problems += found
        changes += notes
    if options.edits_container:
        _edit_container(request, options, problems, changes)
    for key, arn in (("taskRoleArn", options.task_role_arn), ("executionRoleArn", options.execution_role_arn)):
        if arn is not None:
            if not _ROLE_ARN.match(arn):
                problems.append(Problem(f"expected an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), got {arn!r}", key))
            request[key] = arn
            changes.append(f"{key}: {arn}")
    problems += unresolved(request)
    file = source.file
    if problems:
        raise render_error(file, [_in(p, file) for p in problems])
    try:
        result = normalize_task_definition(request, file, templates=False)
    except ArtifactError as exc:
        raise render_error(file, exc.problems, result=True) from exc
    rendered = TaskDefinitionInput(
        result.request, source.warnings + result.warnings, file, source.format, source.stripped
    )
    return RenderedTaskDefinition(rendered, tuple(changes))


def render_error(file: str, problems: Sequence[Problem], *, result: bool = False) -> RenderError:
    """``cannot render taskdef.json (2 problems)``, with a hint fitting the problems."""
    n = len(problems)
    what = "the rendered task definition is invalid" if result else "cannot render"
    message = f"{what}: {file} ({n} problem{'s' if n != 1 else ''})"
    if any("placeholder <" in p.message for p in problems):
        hint = "Fill each placeholder: --image-detail NAME=imageDetail.json for <NAME>, or --image CONTAINER=URI."
    elif any("not set" in p.message for p in problems):
        hint = "Set the variables, give a default with ${NAME:-default}, or write $${ for a literal ${."
    else:
        hint = "Fix the options or the template as listed."
    return RenderError(message, problems, hint=hint)


def _in(problem: Problem, file: str) -> Problem:
    return problem if problem.file else problem.in_file(file)


def _edit_container(
    request: dict[str, Any], options: RenderOptions, problems: list[Problem], changes: list[str]
) -> None:
    containers: list[dict[str, Any]] = request.get("containerDefinitions", [])
    names = [str(c.get("name")) for c in containers]
    if options.container is None:
        if len(containers) != 1:
            problems.append(
                Problem(
                    f"the task definition has {len(containers)} containers ({', '.join(names)}); choose one",
                    "",
                    "--container",
                )
            )
            return
        index = 0
    elif options.container in names:
        index = names.index(options.container)
    else:
        problems.append(
            Problem(
                f"container {options.container!r} does not exist (containers: {', '.join(names)})", "", "--container"
            )
        )
        return
    container = containers[index]
    path = join("containerDefinitions", index)
    if options.set_env or options.unset_env:
        container["environment"] = _set_pairs(
            container.get("environment", []), options.set_env, options.unset_env, "name", "value"
        )
        changes.append(f"{path}.environment: set {', '.join(k for k, _ in options.set_env) or '-'}; "
                       f"removed {', '.join(options.unset_env) or '-'}")  # fmt: skip
    if options.environment_files:
        # Added (not replacing the list, as aws-actions' env-files input does): files already
        # listed stay, and ECS reads them in order, later files overriding earlier ones.
        files = [dict(f) if isinstance(f, dict) else f for f in container.get("environmentFiles", [])]
        known = {f.get("value") for f in files if isinstance(f, dict)}
        for arn in options.environment_files:
            if not _S3_ARN.match(arn):
                problems.append(
                    Problem(f"expected an S3 object ARN (arn:aws:s3:::bucket/key.env), got {arn!r}", "--env-file")
                )
            elif arn not in known:
                files.append({"value": arn, "type": "s3"})
                known.add(arn)
        container["environmentFiles"] = files
        changes.append(f"{path}.environmentFiles: added {', '.join(options.environment_files)}")
    if options.secrets:
        container["secrets"] = _set_pairs(container.get("secrets", []), options.secrets, (), "name", "valueFrom")
        changes.append(f"{path}.secrets: set {', '.join(k for k, _ in options.secrets)}")
    if options.docker_labels:
        labels = dict(container.get("dockerLabels") or {})
        labels.update(options.docker_labels)
        container["dockerLabels"] = labels
        changes.append(f"{path}.dockerLabels: set {', '.join(k for k, _ in options.docker_labels)}")
    if options.log_driver or options.log_options:
        _edit_logs(container, options, path, problems, changes)
    if options.command is not None:
        container["command"] = list(options.command)
        changes.append(f"{path}.command: {list(options.command)}")


def _set_pairs(
    entries: Any, updates: Sequence[tuple[str, str]], removals: Sequence[str], key: str, value: str
) -> list[Any]:
    """Update ``[{key: k, value: v}]`` in place order; new names are appended; removals dropped."""
    result = [dict(e) if isinstance(e, dict) else e for e in (entries if isinstance(entries, list) else [])]
    for name, new in updates:
        for entry in result:
            if isinstance(entry, dict) and entry.get(key) == name:
                entry[value] = new
                break
        else:
            result.append({key: name, value: new})
    gone = set(removals)
    return [e for e in result if not (isinstance(e, dict) and e.get(key) in gone)]


def _edit_logs(
    container: dict[str, Any], options: RenderOptions, path: str, problems: list[Problem], changes: list[str]
) -> None:
    current = container.get("logConfiguration")
    config: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    if options.log_driver and options.log_driver != config.get("logDriver"):
        # A new driver: the old driver's options (and secret options) mean nothing to it.
        config = {"logDriver": options.log_driver}
    if "logDriver" not in config:
        problems.append(
            Problem(
                "the container has no logConfiguration; give --log-driver with the options", f"{path}.logConfiguration"
            )
        )
        return
    if options.log_options:
        merged = dict(config.get("options") or {})
        merged.update(options.log_options)
        config["options"] = merged
    container["logConfiguration"] = config
    changes.append(f"{path}.logConfiguration: {config['logDriver']} {dict(options.log_options) or ''}".rstrip())
