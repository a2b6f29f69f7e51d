"""Pipeline variables and CodePipeline's ``#{namespace.NAME}`` references (AWS-SEMANTICS §10.3).

* ``#{variables.NAME}``: a pipeline variable; its value is the run's ``--var NAME=…``, else
  its ``defaultValue``. A variable without a default must be given (the console asks for one;
  a trigger-started execution's behaviour is not documented, so we refuse to start).
* ``#{codepipeline.PipelineExecutionId}``: the run id.
* ``#{NAMESPACE.NAME}``: a variable exported by an earlier build action
  (``env.exported-variables``), published under the action's ``namespace`` or ``Stage.Action``.

Names and namespaces are case-sensitive, as in CodePipeline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ecsflow.config.pipelines import (
    EXECUTION_NAMESPACE,
    PIPELINE_NAMESPACE,
    REFERENCE,
    PipelineConfig,
)
from ecsflow.errors import InputError, Problem, UsageError


def pipeline_variables(pipeline: PipelineConfig, given: Mapping[str, str]) -> dict[str, str]:
    """The run's pipeline variables: ``given`` (``--var``) over the defaults; every problem at once."""
    declared = {v.name: v for v in pipeline.variables}
    problems: list[Problem] = []
    for name in given:
        if name not in declared:
            known = ", ".join(declared) or "none"
            problems.append(Problem(f"{pipeline.name} declares no variable {name!r} (declared: {known})", "--var"))
    values: dict[str, str] = {}
    for name, variable in declared.items():
        value = given.get(name, variable.default)
        if value is None:
            problems.append(
                Problem(f"{name} has no default value: give it with --var {name}=VALUE", f"pipelines.{pipeline.name}")
            )
        elif value == "":
            problems.append(Problem(f"{name}: an empty value is not allowed (CodePipeline refuses it)", "--var"))
        else:
            values[name] = value
    if problems:
        raise UsageError(
            f"the variables of pipeline {pipeline.name} are not complete: " + "; ".join(p.message for p in problems),
            hint="declared variables and their defaults are under pipelines.<name>.variables in ecsflow.yml",
        )
    return values


@dataclass
class VariableScope:
    """The values a run can substitute; namespaces are added as build actions finish."""

    run_id: str
    variables: Mapping[str, str]
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)

    def publish(self, namespace: str, values: Mapping[str, str]) -> None:
        self.namespaces[namespace] = dict(values)

    def lookup(self, namespace: str, name: str) -> str | None:
        if namespace == PIPELINE_NAMESPACE:
            return self.variables.get(name)
        if namespace == EXECUTION_NAMESPACE:
            return self.run_id if name == "PipelineExecutionId" else None
        return self.namespaces.get(namespace, {}).get(name)

    def resolve(self, text: str, where: str) -> str:
        """``text`` with every reference replaced; an unknown one is an input error naming ``where``."""
        missing: list[str] = []

        def sub(match: re.Match[str]) -> str:
            ns, name = match.group(1), match.group(2)
            value = self.lookup(ns, name)
            if value is None:
                missing.append(self._why(ns, name))
                return match.group(0)
            return value

        out = REFERENCE.sub(sub, text)
        if missing:
            raise InputError(
                f"{where}: {'; '.join(missing)}",
                [Problem(m, where) for m in missing],
                hint="a build action publishes the variables its buildspec lists under env.exported-variables",
            )
        return out

    def resolve_all(self, values: Mapping[str, str], where: str) -> dict[str, str]:
        return {k: self.resolve(v, f"{where}.{k}") for k, v in values.items()}

    def resolve_list(self, values: Sequence[str], where: str) -> list[str]:
        return [self.resolve(v, f"{where}[{i}]") for i, v in enumerate(values)]

    def _why(self, namespace: str, name: str) -> str:
        ref = f"#{{{namespace}.{name}}}"
        if namespace in (PIPELINE_NAMESPACE, EXECUTION_NAMESPACE):
            return f"{ref} has no value"
        if namespace not in self.namespaces:
            return f"{ref}: no variables were published under {namespace!r}"
        exported = ", ".join(sorted(self.namespaces[namespace])) or "none"
        return f"{ref}: {namespace} exported no {name} (exported: {exported})"
