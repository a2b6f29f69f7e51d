"""Reading the ``pipelines:`` section of ``ecsflow.yml`` into ``ecsflow.config.pipelines``' model.

Problems are reported with their paths through a callback, so ``parse_config`` lists them
with every other problem of the file. Checks beyond the shapes, as CodePipeline makes them:
names and limits (AWS-SEMANTICS §10.3, §10.4), artifacts that an action reads must be
outputs of an earlier action, ``#{…}`` references must name a declared variable or the
namespace of an earlier build action, and services and environments must exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.loader import Format, load_document, scalar_text
from ecsflow.config.model import BaseMode
from ecsflow.config.pipelines import (
    DEFAULT_BUILDSPEC,
    DEFAULT_IMAGE_DEFINITIONS,
    EXECUTION_NAMESPACE,
    EXECUTION_VARIABLES,
    MAX_RUN_ORDER,
    MAX_VARIABLES,
    PIPELINE_NAMESPACE,
    REFERENCE,
    ActionConfig,
    ActionKind,
    ActionSpec,
    ApproveAction,
    BuildAction,
    DeployAction,
    PipelineConfig,
    PipelineVariable,
    PromoteAction,
    RunAction,
    RunTask,
    StageConfig,
    frozen_strings,
)
from ecsflow.config.triggers import read_triggers
from ecsflow.errors import ArtifactError

_PIPELINE_NAME = re.compile(r"[A-Za-z0-9.@\-_]{1,100}")
_ACTION_NAME = re.compile(r"[A-Za-z0-9.@\-_]{1,100}")  # stage and action names
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9@\-_]{1,128}")
_NAMESPACE = re.compile(r"[A-Za-z0-9@\-_]{1,100}")
_ARTIFACT_NAME = re.compile(r"[a-zA-Z0-9_\-]{1,100}")
_CONTAINER = re.compile(r"[A-Za-z0-9_-]{1,255}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, None: 1}

Report = Callable[[str, str], None]  # (path, message)


def _as_text(value: str | int | float) -> str:
    """A YAML scalar as it was written (``1.10`` stays "1.10" when read with ``pipelines_as_written``)."""
    return value if isinstance(value, str) else (scalar_text(value) or str(value))


def pipelines_as_written(text: str, file: str) -> Any:
    """The ``pipelines:`` section read with the shared loader, which keeps numbers as written:
    a branch or tag named ``1.10`` must not become the float 1.1 (``ecsflow changes`` reads
    triggers the same way). None when the text is not valid YAML (reported elsewhere)."""
    try:
        data = load_document(text, file, fmt=Format.YAML).data
    except ArtifactError:
        return None
    return data.get("pipelines") if isinstance(data, Mapping) else None


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


class _Reader:
    def __init__(self, report: Report) -> None:
        self.report = report

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.report(path, f"expected a mapping, got {_kind(value)}")
            return {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.report(path, f"keys must be strings, got {key!r}")
            elif allowed is not None and key not in allowed:
                self.report(f"{path}.{key}", f"unknown key (allowed: {', '.join(allowed)})")
            else:
                out[key] = item
        return out

    def text(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(f"{path}.{key}", f"expected a string, got {_kind(value)}")
            return None
        return _as_text(value)

    def strings(self, value: Any, path: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, item in self.mapping(value, path).items():
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.report(f"{path}.{key}", f"expected a string, got {_kind(item)}")
            else:
                out[key] = _as_text(item)
        return out

    def names(self, value: Any, path: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.report(path, f"expected a list of {what}s, got {_kind(value)}")
            return ()
        out: list[str] = []
        for i, item in enumerate(items):
            # CodePipeline's [{name: X}] form is accepted too.
            name = item["name"] if isinstance(item, Mapping) and "name" in item else item
            if not isinstance(name, str) or not pattern.fullmatch(name):
                self.report(f"{path}[{i}]", f"{name!r} is not a valid {what} ({pattern.pattern})")
                continue
            if name in out:
                self.report(f"{path}[{i}]", f"{name!r} is listed twice")
            out.append(name)
        return tuple(out)

    def duration(self, data: Mapping[str, Any], key: str, path: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        match = _DURATION.match(value) if isinstance(value, str) else None
        if match is None or float(match.group(1)) <= 0:
            self.report(
                f"{path}.{key}", f"expected a positive duration such as 600, '90s', '15m' or '1h', got {value!r}"
            )
            return None
        return float(match.group(1)) * _UNITS[match.group(2)]

    def flag(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.report(f"{path}.{key}", f"expected true or false, got {value!r}")
            return False
        return value

    def command(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(value.split()) if value.strip() else ()
        if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            return tuple(str(v) for v in value)
        self.report(path, "expected a command: a string or a list of strings")
        return ()


@dataclass
class _Known:
    """What a pipeline's configuration may refer to."""

    services: frozenset[str]
    environments: frozenset[str]


_ACTION_KEYS = ("name", "run_order", "inputs", "outputs", "namespace", *[k.value for k in ActionKind])


def _build(r: _Reader, value: Any, path: str) -> BuildAction:
    if isinstance(value, str):
        return BuildAction(buildspec=value)
    data = r.mapping(value, path, ("buildspec", "env", "source_dir", "timeout"))
    return BuildAction(
        buildspec=r.text(data, "buildspec", path) or DEFAULT_BUILDSPEC,
        env=frozen_strings(r.strings(data.get("env"), f"{path}.env")),
        source_dir=r.text(data, "source_dir", path) or ".",
        timeout=r.duration(data, "timeout", path),
    )


def _services(r: _Reader, value: Any, path: str, known: _Known) -> tuple[str, ...]:
    keys = r.names(value, path, re.compile(r"[A-Za-z0-9_-]{1,255}"), "service key")
    for i, key in enumerate(keys):
        if key not in known.services:
            listed = ", ".join(sorted(known.services)) or "none"
            r.report(
                f"{path}[{i}]" if not isinstance(value, str) else path,
                f"no service {key!r} under services (known: {listed})",
            )
    return keys


def _environment(r: _Reader, data: Mapping[str, Any], key: str, path: str, known: _Known) -> str | None:
    name = r.text(data, key, path)
    if name is not None and name not in known.environments:
        listed = ", ".join(sorted(known.environments)) or "none"
        r.report(f"{path}.{key}", f"no environment {name!r} under environments (known: {listed})")
    return name


def _deploy(r: _Reader, value: Any, path: str, known: _Known) -> DeployAction:
    allowed = (
        "services",
        "environment",
        "image_definitions",
        "image_detail",
        "task_definition",
        "appspec",
        "tag",
        "images",
        "base",
        "timeout",
        "force",
    )
    data = r.mapping(value, path, allowed)
    images = r.strings(data.get("images"), f"{path}.images")
    for container in images:
        if not _CONTAINER.fullmatch(container):
            r.report(f"{path}.images.{container}", "not a valid container name")
    base = None
    if data.get("base") is not None:
        try:
            base = BaseMode(data["base"])
        except ValueError:
            r.report(f"{path}.base", f"expected one of {', '.join(m.value for m in BaseMode)}, got {data['base']!r}")
    return DeployAction(
        services=_services(r, data.get("services"), f"{path}.services", known),
        environment=_environment(r, data, "environment", path, known),
        image_definitions=r.text(data, "image_definitions", path) or DEFAULT_IMAGE_DEFINITIONS,
        image_detail=r.text(data, "image_detail", path) or "imageDetail.json",
        task_definition=r.text(data, "task_definition", path),
        appspec=r.text(data, "appspec", path),
        tag=r.text(data, "tag", path),
        images=frozen_strings(images),
        base=base,
        timeout=r.duration(data, "timeout", path),
        force=r.flag(data, "force", path),
    )


def _promote(r: _Reader, value: Any, path: str, known: _Known) -> PromoteAction:
    data = r.mapping(value, path, ("from", "to", "services", "image", "tag"))
    action = PromoteAction(
        source=_environment(r, data, "from", path, known),
        target=_environment(r, data, "to", path, known),
        services=_services(r, data.get("services"), f"{path}.services", known),
        image=r.text(data, "image", path),
        tag=r.text(data, "tag", path),
    )
    if (action.source is None) != (action.target is None):
        r.report(path, "give both `from` and `to` (environments)")
    if action.image is not None and action.tag is None:
        r.report(path, "`image` needs `tag` (the tag to give it)")
    if action.source is None and action.image is None and action.tag is None:
        r.report(path, "give `from` and `to` (environments), `tag` (retag what `from` runs), or `image` and `tag`")
    if action.tag is not None and action.image is None and action.source is None:
        r.report(path, "`tag` needs `from` (retag what runs there) or `image`")
    return action


def _approve(r: _Reader, value: Any, path: str) -> ApproveAction:
    if value is None or value is True:
        return ApproveAction()
    if isinstance(value, str):
        return ApproveAction(message=value)
    data = r.mapping(value, path, ("message",))
    return ApproveAction(message=r.text(data, "message", path))


def _run(r: _Reader, value: Any, path: str, known: _Known) -> RunAction:
    if isinstance(value, str):
        if not value.strip():
            r.report(path, "an empty command")
        return RunAction(command=value)
    data = r.mapping(value, path, ("command", "task", "timeout"))
    command = r.text(data, "command", path)
    task = None
    if data.get("task") is not None:
        tpath = f"{path}.task"
        t = r.mapping(data["task"], tpath, ("service", "container", "command", "environment", "timeout"))
        service = r.text(t, "service", tpath)
        if service is None:
            r.report(tpath, "`service` is required: the task runs that service's task definition and network settings")
        elif service not in known.services:
            listed = ", ".join(sorted(known.services)) or "none"
            r.report(f"{tpath}.service", f"no service {service!r} under services (known: {listed})")
        container = r.text(t, "container", tpath)
        if container is not None and not _CONTAINER.fullmatch(container):
            r.report(f"{tpath}.container", "not a valid container name")
        task = RunTask(
            service=service or "",
            container=container,
            command=r.command(t.get("command"), f"{tpath}.command"),
            environment=_environment(r, t, "environment", tpath, known),
            timeout=r.duration(t, "timeout", tpath),
        )
    if (command is None) == (task is None):
        r.report(path, "give `command` (a shell command) or `task` (a one-off ECS task), one of them")
    return RunAction(command=command, task=task, timeout=r.duration(data, "timeout", path))


def _action(r: _Reader, value: Any, path: str, known: _Known) -> ActionConfig | None:
    data = r.mapping(value, path, _ACTION_KEYS)
    if not data:
        if value is not None and isinstance(value, Mapping):
            r.report(path, "an empty action")
        return None
    name = data.get("name")
    if not isinstance(name, str) or not _ACTION_NAME.fullmatch(name):
        r.report(f"{path}.name", "expected 1–100 characters of letters, digits and . @ - _")
        name = str(name)
    kinds = [k for k in ActionKind if k.value in data]
    if len(kinds) != 1:
        listed = ", ".join(k.value for k in ActionKind)
        got = ", ".join(k.value for k in kinds) or "none"
        r.report(path, f"an action has exactly one of {listed} (got {got})")
        return None
    kind = kinds[0]
    here = f"{path}.{kind.value}"
    raw = data[kind.value]
    spec: ActionSpec
    if kind is ActionKind.BUILD:
        spec = _build(r, raw, here)
    elif kind is ActionKind.DEPLOY:
        spec = _deploy(r, raw, here, known)
    elif kind is ActionKind.PROMOTE:
        spec = _promote(r, raw, here, known)
    elif kind is ActionKind.APPROVE:
        spec = _approve(r, raw, here)
    else:
        spec = _run(r, raw, here, known)
    run_order = data.get("run_order", 1)
    if isinstance(run_order, bool) or not isinstance(run_order, int) or not 1 <= run_order <= MAX_RUN_ORDER:
        r.report(f"{path}.run_order", f"expected a whole number from 1 to {MAX_RUN_ORDER}, got {run_order!r}")
        run_order = 1
    namespace = r.text(data, "namespace", path)
    if namespace is not None and not _NAMESPACE.fullmatch(namespace):
        r.report(f"{path}.namespace", "expected 1–100 characters of letters, digits and @ - _")
    outputs = r.names(data.get("outputs"), f"{path}.outputs", _ARTIFACT_NAME, "artifact name")
    if outputs and kind is not ActionKind.BUILD:
        r.report(f"{path}.outputs", f"a {kind.value} action produces no artifacts (only build actions do)")
    if namespace is not None and kind is not ActionKind.BUILD:
        r.report(f"{path}.namespace", f"a {kind.value} action exports no variables (only build actions do)")
    inputs = r.names(data.get("inputs"), f"{path}.inputs", _ARTIFACT_NAME, "artifact name")
    if inputs and kind not in (ActionKind.BUILD, ActionKind.DEPLOY):
        r.report(f"{path}.inputs", f"a {kind.value} action reads no artifacts")
    return ActionConfig(name, kind, spec, run_order, inputs, outputs, namespace)


def _references(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(m.group(1), m.group(2)) for m in REFERENCE.finditer(value)]
    if isinstance(value, Mapping):
        return [ref for v in value.values() for ref in _references(v)]
    if isinstance(value, list | tuple):
        return [ref for v in value for ref in _references(v)]
    return []


def _check_flow(r: _Reader, raw_stages: list[tuple[str, list[tuple[str, Any]]]], pipeline: PipelineConfig) -> None:
    """Artifacts and variable namespaces: each input or reference names something an earlier
    action produces (an earlier stage, or a lower run_order in the same stage), as CodePipeline requires."""
    declared = {v.name for v in pipeline.variables}
    outputs: dict[str, str] = {}  # artifact -> producing action (stage.action)
    namespaces: dict[str, str] = {}
    for (_stage_path, action_paths), stage in zip(raw_stages, pipeline.stages, strict=True):
        by_name = dict(action_paths)
        for _order, group in stage.groups():
            for action in group:
                apath, raw = by_name[action.name]
                for i, artifact in enumerate(action.inputs):
                    if artifact not in outputs:
                        later = any(artifact in a.outputs for s in pipeline.stages for a in s.actions)
                        why = "is produced later (or in parallel)" if later else "is not an output of any action"
                        r.report(
                            f"{apath}.inputs[{i}]",
                            f"artifact {artifact!r} {why}; inputs must come from earlier actions",
                        )
                for ns, var in _references(raw):
                    where = f"#{{{ns}.{var}}}"
                    if ns == PIPELINE_NAMESPACE:
                        if var not in declared:
                            r.report(apath, f"{where}: no pipeline variable {var!r} (declare it under variables)")
                    elif ns == EXECUTION_NAMESPACE:
                        if var not in EXECUTION_VARIABLES:
                            r.report(apath, f"{where}: unknown (known: #{{codepipeline.PipelineExecutionId}})")
                    elif ns not in namespaces:
                        known = ", ".join(sorted(namespaces)) or "none yet"
                        r.report(
                            apath, f"{where}: no earlier build action has the namespace {ns!r} (available: {known})"
                        )
            for action in group:
                apath = by_name[action.name][0]
                for artifact in action.outputs:
                    if artifact in outputs:
                        r.report(
                            f"{apath}.outputs", f"artifact {artifact!r} is already an output of {outputs[artifact]}"
                        )
                    outputs.setdefault(artifact, f"{stage.name}.{action.name}")
                if action.kind is ActionKind.BUILD:
                    ns = action.variables_namespace(stage.name)
                    if ns in namespaces or ns in (PIPELINE_NAMESPACE, EXECUTION_NAMESPACE):
                        r.report(f"{apath}.namespace", f"namespace {ns!r} is already used")
                    namespaces.setdefault(ns, f"{stage.name}.{action.name}")


def _variables(r: _Reader, value: Any, path: str) -> tuple[PipelineVariable, ...]:
    out: list[PipelineVariable] = []
    if value is None:
        return ()
    if isinstance(value, Mapping):  # short form NAME: default
        items = [(f"{path}.{k}", {"name": k, "defaultValue": v}) for k, v in value.items()]
    elif isinstance(value, list):  # CodePipeline's [{name, defaultValue, description}]
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        r.report(
            path,
            f"expected a mapping NAME: default, or a list of {{name, defaultValue, description}}, got {_kind(value)}",
        )
        return ()
    if len(items) > MAX_VARIABLES:
        r.report(path, f"at most {MAX_VARIABLES} variables (got {len(items)})")
    seen: set[str] = set()
    for here, raw in items:
        data = r.mapping(raw, here, ("name", "defaultValue", "description"))
        name = data.get("name")
        if not isinstance(name, str) or not _VARIABLE_NAME.fullmatch(name):
            r.report(here, f"{name!r} is not a valid variable name (1–128 of letters, digits, @ - _)")
            continue
        if name in seen:
            r.report(here, f"variable {name!r} is declared twice")
        seen.add(name)
        default = data.get("defaultValue")
        if default is not None:
            if isinstance(default, bool) or not isinstance(default, str | int | float):
                r.report(here, f"the default must be a string, got {_kind(default)}")
                default = None
            else:
                default = _as_text(default)
                if not 1 <= len(default) <= 1000:
                    r.report(here, "a default holds 1–1000 characters (an empty value is not allowed; leave it out)")
        description = r.text(data, "description", here)
        if description is not None and len(description) > 200:
            r.report(here, "a description holds at most 200 characters")
        out.append(PipelineVariable(name, default, description))
    return tuple(out)


def _pipeline(r: _Reader, name: str, value: Any, path: str, known: _Known, file: str | None) -> PipelineConfig | None:
    if not _PIPELINE_NAME.fullmatch(name):
        r.report(path, "pipeline names use 1–100 letters, digits and . @ - _")
    data = r.mapping(value, path, ("triggers", "variables", "stages", "description"))
    triggers, problems = read_triggers(name, data, path, file)
    for problem in problems:
        r.report(problem.path, problem.message)
    variables = _variables(r, data.get("variables"), f"{path}.variables")
    raw_stages = data.get("stages")
    spath = f"{path}.stages"
    stages: list[StageConfig] = []
    flow: list[tuple[str, list[tuple[str, Any]]]] = []
    if raw_stages is not None and not isinstance(raw_stages, list):
        r.report(spath, f"expected a list of stages, got {_kind(raw_stages)}")
        raw_stages = []
    stage_names: set[str] = set()
    for i, raw in enumerate(raw_stages or []):
        here = f"{spath}[{i}]"
        body = r.mapping(raw, here, ("name", "actions"))
        stage_name = body.get("name")
        if not isinstance(stage_name, str) or not _ACTION_NAME.fullmatch(stage_name):
            r.report(f"{here}.name", "expected 1–100 characters of letters, digits and . @ - _")
            continue
        if stage_name in stage_names:
            r.report(f"{here}.name", f"stage {stage_name!r} is declared twice")
            continue
        stage_names.add(stage_name)
        raw_actions = body.get("actions")
        if not isinstance(raw_actions, list) or not raw_actions:
            r.report(f"{here}.actions", "a stage needs a list of at least one action")
            continue
        actions: list[ActionConfig] = []
        action_paths: list[tuple[str, Any]] = []
        for j, item in enumerate(raw_actions):
            apath = f"{here}.actions[{j}]"
            action = _action(r, item, apath, known)
            if action is None:
                continue
            if any(a.name == action.name for a in actions):
                r.report(f"{apath}.name", f"action {action.name!r} is declared twice in stage {stage_name!r}")
                continue
            actions.append(action)
            action_paths.append((action.name, (apath, item)))
        if actions:
            stages.append(StageConfig(stage_name, tuple(actions)))
            flow.append((here, action_paths))
    pipeline = PipelineConfig(name, triggers.triggers if triggers else (), variables, tuple(stages))
    _check_flow(r, flow, pipeline)
    return pipeline


def read_pipelines(
    value: Any,
    *,
    services: frozenset[str],
    environments: frozenset[str],
    report: Report,
    file: str | None,
) -> dict[str, PipelineConfig]:
    """The ``pipelines:`` section; problems go to ``report(path, message)``."""
    r = _Reader(report)
    known = _Known(services, environments)
    out: dict[str, PipelineConfig] = {}
    for name, raw in r.mapping(value, "pipelines").items():
        pipeline = _pipeline(r, name, raw, f"pipelines.{name}", known, file)
        if pipeline is not None:
            out[name] = pipeline
    return out
