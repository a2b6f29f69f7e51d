"""The AWS resources a pipeline's buildspecs read: Parameter Store names and Secrets Manager ids.

CodeBuild (and ``ecsflow build``) resolve ``env.parameter-store`` with ``ssm:GetParameters``
and ``env.secrets-manager`` with ``secretsmanager:GetSecretValue`` before any command runs
(AWS-SEMANTICS §9.1), so whoever runs the build needs read access to exactly these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ecsflow.artifacts.buildspec import parse_buildspec
from ecsflow.config import ProjectConfig
from ecsflow.config.pipelines import BuildAction
from ecsflow.errors import ArtifactError, ConfigError, Problem, problems_error
from ecsflow.pipeline.build_spec import read_build_spec
from ecsflow.synth.targets import Place


@dataclass
class BuildspecReads:
    parameters: set[str] = field(default_factory=set)  # parameter ARNs
    secrets: set[str] = field(default_factory=set)  # secret ARNs (a name matches with AWS's suffix)

    def add(self, text: str, file: str, place: Place) -> None:
        """Add what the buildspec ``text`` reads; raises ``ArtifactError`` when it is invalid."""
        spec = read_build_spec(parse_buildspec(text, file))
        for parameter in (spec.env.parameter_store or {}).values():
            name = parameter.split(":", 1)[0]  # a version or label selector (name:3) is not part of the ARN
            self.parameters.add(place.arn("ssm", f"parameter{name if name.startswith('/') else '/' + name}"))
        for secret in (spec.env.secrets_manager or {}).values():
            sid = secret.secret_id
            # A secret's ARN is its name plus a random six-character suffix.
            self.secrets.add(sid if sid.startswith("arn:") else place.arn("secretsmanager", f"secret:{sid}-*"))


def read_buildspec(config: ProjectConfig, name: str) -> str:
    """The text of a buildspec named in ``ecsflow.yml`` (relative to its folder); ``OSError`` passes."""
    return (Path(config.root) / name).read_text(encoding="utf-8")


def pipeline_build_reads(config: ProjectConfig, place: Place) -> BuildspecReads:
    """What the buildspecs of every build action of every pipeline read."""
    reads = BuildspecReads()
    problems: list[Problem] = []
    for pipeline in config.pipelines.values():
        for i, stage in enumerate(pipeline.stages):
            for j, action in enumerate(stage.actions):
                if not isinstance(action.spec, BuildAction):
                    continue
                where = f"pipelines.{pipeline.name}.stages[{i}].actions[{j}].build.buildspec"
                try:
                    reads.add(read_buildspec(config, action.spec.buildspec), action.spec.buildspec, place)
                except OSError as exc:
                    problems.append(Problem(f"cannot read {action.spec.buildspec}: {exc.strerror}", where, config.path))
                except ArtifactError as exc:
                    problems.extend(exc.problems or [Problem(str(exc), where, config.path)])
    if problems:
        raise problems_error(ConfigError, config.path, problems, hint="fix the buildspecs the pipelines name")
    return reads
