"""Reading the ``pipelines:`` section of ``ecsflow.yml`` into ``ecsflow.config.pipelines``' model.

Problems are reported with their paths through a callback, so ``parse_config`` lists them
with every other problem of the file. Checks beyond the shapes, as CodePipeline makes them:
names and limits (AWS-SEMANTICS §10.3, §10.4), artifacts that an action reads must be
outputs of an earlier action, ``#{…}`` references must name a declared variable or the
namespace of an earlier build action, and services and environments must exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsflow.artifacts.loader import Format, load_document
from ecsflow.config.pipelines import (
    MAX_RUN_ORDER,
    MAX_VARIABLES,
    ActionConfig,
    ActionKind,
    ActionSpec,
    PipelineConfig,
    PipelineVariable,
    StageConfig,
)
from ecsflow.config.pipelines_flow import check_flow
from ecsflow.config.pipelines_reader import (
    ARTIFACT_NAME,
    NAME,
    NAMESPACE,
    VARIABLE_NAME,
    Known,
    Reader,
    Report,
    as_text,
    kind_of,
    read_approve,
    read_build,
    read_deploy,
    read_promote,
    read_run,
)
from ecsflow.config.triggers import read_triggers
from ecsflow.errors import ArtifactError


def pipelines_as_written(text: str, file: str) -> Any:
    """The ``pipelines:`` section read with the shared loader, which keeps numbers as written:
    a branch or tag named ``1.10`` must not become the float 1.1 (``ecsflow changes`` reads
    triggers the same way). None when the text is not valid YAML (reported elsewhere)."""
    try:
        data = load_document(text, file, fmt=Format.YAML).data
    except ArtifactError:
        return None
    return data.get("pipelines") if isinstance(data, Mapping) else None


_ACTION_KEYS = ("name", "run_order", "inputs", "outputs", "namespace", *[k.value for k in ActionKind])


def _action(r: Reader, value: Any, path: str, known: Known) -> ActionConfig | None:
    data = r.mapping(value, path, _ACTION_KEYS)
    if not data:
        if value is not None and isinstance(value, Mapping):
            r.report(path, "an empty action")
        return None
    name = data.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
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
        spec = read_build(r, raw, here)
    elif kind is ActionKind.DEPLOY:
        spec = read_deploy(r, raw, here, known)
    elif kind is ActionKind.PROMOTE:
        spec = read_promote(r, raw, here, known)
    elif kind is ActionKind.APPROVE:
        spec = read_approve(r, raw, here)
    else:
        spec = read_run(r, raw, here, known)
    run_order = data.get("run_order", 1)
    if isinstance(run_order, bool) or not isinstance(run_order, int) or not 1 <= run_order <= MAX_RUN_ORDER:
        r.report(f"{path}.run_order", f"expected a whole number from 1 to {MAX_RUN_ORDER}, got {run_order!r}")
        run_order = 1
    namespace = r.text(data, "namespace", path)
    if namespace is not None and not NAMESPACE.fullmatch(namespace):
        r.report(f"{path}.namespace", "expected 1–100 characters of letters, digits and @ - _")
    outputs = r.names(data.get("outputs"), f"{path}.outputs", ARTIFACT_NAME, "artifact name")
    if outputs and kind is not ActionKind.BUILD:
        r.report(f"{path}.outputs", f"a {kind.value} action produces no artifacts (only build actions do)")
    if namespace is not None and kind is not ActionKind.BUILD:
        r.report(f"{path}.namespace", f"a {kind.value} action exports no variables (only build actions do)")
    inputs = r.names(data.get("inputs"), f"{path}.inputs", ARTIFACT_NAME, "artifact name")
    if inputs and kind not in (ActionKind.BUILD, ActionKind.DEPLOY):
        r.report(f"{path}.inputs", f"a {kind.value} action reads no artifacts")
    return ActionConfig(name, kind, spec, run_order, inputs, outputs, namespace)


def _variables(r: Reader, value: Any, path: str) -> tuple[PipelineVariable, ...]:
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
            f"expected a mapping NAME: default, or a list of {{name, defaultValue, description}}, got {kind_of(value)}",
        )
        return ()
    if len(items) > MAX_VARIABLES:
        r.report(path, f"at most {MAX_VARIABLES} variables (got {len(items)})")
    seen: set[str] = set()
    for here, raw in items:
        data = r.mapping(raw, here, ("name", "defaultValue", "description"))
        name = data.get("name")
        if not isinstance(name, str) or not VARIABLE_NAME.fullmatch(name):
            r.report(here, f"{name!r} is not a valid variable name (1–128 of letters, digits, @ - _)")
            continue
        if name in seen:
            r.report(here, f"variable {name!r} is declared twice")
        seen.add(name)
        default = data.get("defaultValue")
        if default is not None:
            if isinstance(default, bool) or not isinstance(default, str | int | float):
                r.report(here, f"the default must be a string, got {kind_of(default)}")
                default = None
            else:
                default = as_text(default)
                if not 1 <= len(default) <= 1000:
                    r.report(here, "a default holds 1–1000 characters (an empty value is not allowed; leave it out)")
        description = r.text(data, "description", here)
        if description is not None and len(description) > 200:
            r.report(here, "a description holds at most 200 characters")
        out.append(PipelineVariable(name, default, description))
    return tuple(out)


def _pipeline(r: Reader, name: str, value: Any, path: str, known: Known, file: str | None) -> PipelineConfig | None:
    if not NAME.fullmatch(name):
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
        r.report(spath, f"expected a list of stages, got {kind_of(raw_stages)}")
        raw_stages = []
    stage_names: set[str] = set()
    for i, raw in enumerate(raw_stages or []):
        here = f"{spath}[{i}]"
        body = r.mapping(raw, here, ("name", "actions"))
        stage_name = body.get("name")
        if not isinstance(stage_name, str) or not NAME.fullmatch(stage_name):
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
    check_flow(r.report, flow, pipeline)
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
    r = Reader(report)
    known = Known(services, environments)
    out: dict[str, PipelineConfig] = {}
    for name, raw in r.mapping(value, "pipelines").items():
        pipeline = _pipeline(r, name, raw, f"pipelines.{name}", known, file)
        if pipeline is not None:
            out[name] = pipeline
    return out
