"""The runnable view of a buildspec: typed phases, env and artifacts.

Structure is checked by ``ecsflow.artifacts.buildspec`` (the one validator); this module
only reads an already validated ``Buildspec`` into frozen values the runner executes, and
checks what only matters when *running* locally (secret references, exported names).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.buildspec import PHASES, Buildspec
from ecsflow.artifacts.loader import scalar_text
from ecsflow.errors import ArtifactError, Problem, problems_error

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class PhaseSpec:
    name: str  # install, pre_build, build, post_build
    commands: tuple[str, ...] = ()
    finally_: tuple[str, ...] = ()
    on_failure: str | None = None  # ABORT, CONTINUE (or a RETRY form, not run locally)
    ignored: tuple[str, ...] = ()  # keys that have no local meaning (run-as, runtime-versions)

    @property
    def codebuild_name(self) -> str:
        """The ``BuildPhaseType`` of this phase (``pre_build`` -> ``PRE_BUILD``)."""
        return self.name.upper()


@dataclass(frozen=True)
class SecretRef:
    """``secret-id:json-key:version-stage:version-id`` (all but the id optional)."""

    secret_id: str
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None

    @classmethod
    def parse(cls, reference: str) -> SecretRef:
        parts = reference.split(":")
        # A secret ARN has colons of its own: arn:aws:secretsmanager:region:account:secret:name
        head = 7 if reference.startswith("arn:") else 1
        secret_id = ":".join(parts[:head])
        rest = [*parts[head:], "", "", ""][:3]
        return cls(secret_id, rest[0] or None, rest[1] or None, rest[2] or None)


@dataclass(frozen=True)
class ArtifactSpec:
    identifier: str  # "primary" or the secondary artifact identifier
    files: tuple[str, ...]
    base_directory: str | None = None
    discard_paths: bool = False
    exclude_paths: tuple[str, ...] = ()
    name: str | None = None
    ignored: tuple[str, ...] = ()  # keys with no local meaning (enable-symlinks, s3-prefix)


@dataclass(frozen=True)
class EnvSpec:
    shell: str = "bash"
    variables: Mapping[str, str] | None = None
    parameter_store: Mapping[str, str] | None = None
    secrets_manager: Mapping[str, SecretRef] | None = None
    exported: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildSpec:
    file: str
    env: EnvSpec
    phases: tuple[PhaseSpec, ...]
    artifacts: tuple[ArtifactSpec, ...]  # primary first, then secondary in file order
    ignored: tuple[str, ...] = ()  # top-level sections with no local meaning
    warnings: tuple[str, ...] = ()  # the validator's warnings (unknown keys, version 0.1)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return scalar_text(value) or ("" if value is None else str(value))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_text(v) for v in value)
    return (_text(value),)


def _flag(value: Any) -> bool:
    # CodeBuild writes yes/no; YAML may give true/false.
    return value is True or (isinstance(value, str) and value.lower() in ("yes", "true"))


def _artifact(identifier: str, body: Mapping[str, Any]) -> ArtifactSpec:
    name = body.get("name")
    base = body.get("base-directory")
    return ArtifactSpec(
        identifier=identifier,
        files=_strings(body.get("files")),
        base_directory=_text(base) if base is not None else None,
        discard_paths=_flag(body.get("discard-paths")),
        exclude_paths=_strings(body.get("exclude-paths")),
        name=_text(name) if name is not None else None,
        ignored=tuple(k for k in ("enable-symlinks", "s3-prefix") if k in body),
    )


def read_build_spec(spec: Buildspec) -> BuildSpec:
    """The runnable view of a validated buildspec; raises ``ArtifactError`` for local-run problems."""
    data = spec.data
    problems: list[Problem] = []
    env_data: Mapping[str, Any] = data.get("env") or {}
    variables = {str(k): _text(v) for k, v in (env_data.get("variables") or {}).items()}
    params = {str(k): _text(v) for k, v in (env_data.get("parameter-store") or {}).items()}
    secrets = {str(k): SecretRef.parse(_text(v)) for k, v in (env_data.get("secrets-manager") or {}).items()}
    exported = _strings(env_data.get("exported-variables"))
    for i, name in enumerate(exported):
        if not _NAME.fullmatch(name):
            problems.append(Problem("not a valid variable name", f"env.exported-variables[{i}]", spec.file))
        elif name in params or name in secrets:
            # Exported values end up in pipeline output variables, in clear: never a secret.
            problems.append(
                Problem(
                    f"{name} comes from parameter-store/secrets-manager and cannot be exported",
                    f"env.exported-variables[{i}]",
                    spec.file,
                )
            )
    shell = _text(env_data.get("shell") or "bash")
    if shell not in ("bash", "/bin/sh", "sh", "/bin/bash"):
        problems.append(Problem(f"shell {shell!r} cannot run here; use bash or /bin/sh", "env.shell", spec.file))
    phases: list[PhaseSpec] = []
    for name in PHASES:
        body = (data.get("phases") or {}).get(name)
        if name not in (data.get("phases") or {}):
            continue
        body = body or {}
        failure = body.get("on-failure")
        ignored = tuple(k for k in ("run-as", "runtime-versions") if k in body)
        phases.append(
            PhaseSpec(
                name,
                _strings(body.get("commands")),
                _strings(body.get("finally")),
                _text(failure) if failure is not None else None,
                ignored,
            )
        )
    artifacts: list[ArtifactSpec] = []
    art = data.get("artifacts")
    if isinstance(art, Mapping):
        artifacts.append(_artifact("primary", art))
        for ident, body in (art.get("secondary-artifacts") or {}).items():
            if str(ident) == "primary":
                problems.append(
                    Problem(
                        "`primary` names the primary artifact here; rename it",
                        f"artifacts.secondary-artifacts.{ident}",
                        spec.file,
                    )
                )
            artifacts.append(_artifact(str(ident), body))
    if problems:
        raise problems_error(
            ArtifactError, spec.file, problems, hint="fix the listed entries; see docs/pipelines.md (ecsflow build)"
        )
    ignored_top = tuple(k for k in ("run-as", "proxy", "batch", "reports", "cache") if k in data)
    return BuildSpec(
        spec.file,
        EnvSpec(shell, variables, params, secrets, exported),
        tuple(phases),
        tuple(artifacts),
        ignored_top,
        tuple(str(w) for w in spec.warnings),
    )
