"""A build's environment: ``CODEBUILD_*`` variables, buildspec variables and resolved secrets.

Precedence follows CodeBuild (AWS-SEMANTICS §9.1): start-build overrides (``--env``) over the
project over the buildspec; here the "project" is the environment ecsflow runs in. Values
are literal: ``PATH: "$PATH:/x"`` sets PATH to that very text, as CodeBuild does, because
values go into the process environment and are never evaluated by a shell.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecsflow.errors import ArtifactError, Problem, UsageError
from ecsflow.pipeline.build_spec import EnvSpec, SecretRef
from ecsflow.ports import SecretsPort, SsmPort

RESERVED_PREFIX = "CODEBUILD_"


@dataclass(frozen=True)
class BuildContext:
    """What CodeBuild would know about a build, supplied by whoever runs it locally or in CI."""

    source_dir: Path
    project: str = "ecsflow-local"
    build_number: int = 1
    source_version: str | None = None  # the commit built (CODEBUILD_RESOLVED_SOURCE_VERSION)
    source_repo_url: str | None = None
    initiator: str = "ecsflow"
    region: str | None = None
    base_env: Mapping[str, str] = field(default_factory=dict)  # the "build image" environment
    overrides: Mapping[str, str] = field(default_factory=dict)  # --env K=V, highest precedence


def codebuild_variables(ctx: BuildContext, build_id: str, start_ms: int) -> dict[str, str]:
    """The ``CODEBUILD_*`` variables that mean something outside CodeBuild (§9.4).

    Left out on purpose: the build ARN and KMS key (no account), the image, log path and
    public build URL (no CodeBuild), and the webhook variables (no webhook).
    """
    out = {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_NUMBER": str(ctx.build_number),
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_INITIATOR": ctx.initiator,
        "CODEBUILD_SRC_DIR": str(ctx.source_dir),
        "CODEBUILD_START_TIME": str(start_ms),
    }
    if ctx.source_version:
        out["CODEBUILD_RESOLVED_SOURCE_VERSION"] = ctx.source_version
        out["CODEBUILD_SOURCE_VERSION"] = ctx.source_version
    if ctx.source_repo_url:
        out["CODEBUILD_SOURCE_REPO_URL"] = ctx.source_repo_url
    if ctx.region:
        out["AWS_REGION"] = ctx.region
        out["AWS_DEFAULT_REGION"] = ctx.region
    return out


@dataclass(frozen=True)
class ResolvedEnv:
    environment: dict[str, str]  # what the shell starts with
    secret_values: tuple[str, ...]  # values to mask in output
    warnings: tuple[str, ...] = ()


def resolve_environment(
    env: EnvSpec,
    ctx: BuildContext,
    codebuild: Mapping[str, str],
    *,
    ssm: SsmPort | None,
    secrets: SecretsPort | None,
    file: str,
) -> ResolvedEnv:
    """Every variable of the build, secrets resolved through the ports before anything runs."""
    warnings: list[str] = []
    params = _parameters(env.parameter_store or {}, ssm, file)
    secret_vals = _secrets(env.secrets_manager or {}, secrets, file)
    result = dict(ctx.base_env)
    for layer in (env.variables or {}, params, secret_vals, ctx.overrides):
        for name, value in layer.items():
            if name.startswith(RESERVED_PREFIX):
                warnings.append(f"{name}: names starting with {RESERVED_PREFIX} are reserved; the value is ignored")
                continue
            result[name] = value
    result.update(codebuild)
    masked = tuple(v for v in (*params.values(), *secret_vals.values()) if v.strip())
    return ResolvedEnv(result, masked, tuple(warnings))


def _parameters(refs: Mapping[str, str], ssm: SsmPort | None, file: str) -> dict[str, str]:
    if not refs:
        return {}
    if ssm is None:
        raise UsageError(
            f"{file}: env.parameter-store needs AWS access to resolve {', '.join(refs)}",
            hint="run with AWS credentials (and --region), or pass the values with --env NAME=value",
        )
    values, missing = ssm.get_parameters(list(refs.values()))
    problems = [
        Problem(
            f"parameter {ref!r} does not exist (or is not visible to these credentials)",
            f"env.parameter-store.{k}",
            file,
        )
        for k, ref in refs.items()
        if ref in missing or ref not in values
    ]
    if problems:
        raise ArtifactError(
            f"{file}: {len(problems)} parameter-store reference(s) cannot be resolved",
            problems,
            hint="create the parameters, fix their names, or check the region",
        )
    return {k: values[ref] for k, ref in refs.items()}


def _secrets(refs: Mapping[str, SecretRef], port: SecretsPort | None, file: str) -> dict[str, str]:
    if not refs:
        return {}
    if port is None:
        raise UsageError(
            f"{file}: env.secrets-manager needs AWS access to resolve {', '.join(refs)}",
            hint="run with AWS credentials (and --region), or pass the values with --env NAME=value",
        )
    out: dict[str, str] = {}
    problems: list[Problem] = []
    cache: dict[tuple[str, str | None, str | None], str] = {}
    for name, ref in refs.items():
        key = (ref.secret_id, ref.version_stage, ref.version_id)
        if key not in cache:
            cache[key] = port.get_secret_value(
                ref.secret_id, version_stage=ref.version_stage, version_id=ref.version_id
            )
        value = cache[key]
        if ref.json_key is None:
            out[name] = value
            continue
        try:
            document = json.loads(value)
        except ValueError:
            document = None
        if not isinstance(document, dict) or ref.json_key not in document:
            problems.append(
                Problem(
                    f"secret {ref.secret_id!r} has no JSON key {ref.json_key!r}", f"env.secrets-manager.{name}", file
                )
            )
            continue
        item = document[ref.json_key]
        out[name] = item if isinstance(item, str) else json.dumps(item)
    if problems:
        raise ArtifactError(f"{file}: secrets-manager references cannot be resolved", problems)
    return out
