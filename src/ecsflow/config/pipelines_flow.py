"""Flow checks of a pipeline, as CodePipeline makes them when a pipeline is saved.

* every input artifact is an output of an earlier action (an earlier stage, or a lower
  ``run_order`` in the same stage) and every output name is produced once;
* every ``#{namespace.NAME}`` reference names a declared pipeline variable, the execution
  namespace, or the namespace of an earlier build action; namespaces are unique.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ecsflow.config.pipelines import (
    EXECUTION_NAMESPACE,
    EXECUTION_VARIABLES,
    PIPELINE_NAMESPACE,
    REFERENCE,
    ActionKind,
    PipelineConfig,
)

Report = Callable[[str, str], None]  # (path, message)


def references(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(m.group(1), m.group(2)) for m in REFERENCE.finditer(value)]
    if isinstance(value, Mapping):
        return [ref for v in value.values() for ref in references(v)]
    if isinstance(value, list | tuple):
        return [ref for v in value for ref in references(v)]
    return []


def check_flow(report: Report, raw_stages: list[tuple[str, list[tuple[str, Any]]]], pipeline: PipelineConfig) -> None:
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
                        report(
                            f"{apath}.inputs[{i}]",
                            f"artifact {artifact!r} {why}; inputs must come from earlier actions",
                        )
                for ns, var in references(raw):
                    where = f"#{{{ns}.{var}}}"
                    if ns == PIPELINE_NAMESPACE:
                        if var not in declared:
                            report(apath, f"{where}: no pipeline variable {var!r} (declare it under variables)")
                    elif ns == EXECUTION_NAMESPACE:
                        if var not in EXECUTION_VARIABLES:
                            report(apath, f"{where}: unknown (known: #{{codepipeline.PipelineExecutionId}})")
                    elif ns not in namespaces:
                        known = ", ".join(sorted(namespaces)) or "none yet"
                        report(apath, f"{where}: no earlier build action has the namespace {ns!r} (available: {known})")
            for action in group:
                apath = by_name[action.name][0]
                for artifact in action.outputs:
                    if artifact in outputs:
                        report(f"{apath}.outputs", f"artifact {artifact!r} is already an output of {outputs[artifact]}")
                    outputs.setdefault(artifact, f"{stage.name}.{action.name}")
                if action.kind is ActionKind.BUILD:
                    ns = action.variables_namespace(stage.name)
                    if ns in namespaces or ns in (PIPELINE_NAMESPACE, EXECUTION_NAMESPACE):
                        report(f"{apath}.namespace", f"namespace {ns!r} is already used")
                    namespaces.setdefault(ns, f"{stage.name}.{action.name}")
