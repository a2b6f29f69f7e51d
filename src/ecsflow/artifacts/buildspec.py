"""CodeBuild ``buildspec.yml`` version 0.2: structural validation (AWS-SEMANTICS §9.1).

Checked: the version, the phase names and their keys, ``commands`` where CodeBuild
requires it (``pre_build``, ``build``, ``post_build``; optional for ``install``),
``on-failure`` values, the ``env`` sections, ``artifacts.files`` (required whenever
``artifacts`` is present, even with only secondary artifacts), secondary artifacts,
``reports`` and ``cache``. Commands themselves are not interpreted here.

Unknown keys are *warnings*, not errors: CodeBuild keeps adding keys (``batch``
options, cache keys) and a structural check should not block a buildspec that
CodeBuild runs. Version ``0.1`` is accepted with a warning (it runs each command in
its own shell; ecsflow follows 0.2 semantics).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.loader import Format, expect_top, load_document, scalar_text
from ecsflow.artifacts.problems import Problems, got, join
from ecsflow.errors import Problem

PHASES = ("install", "pre_build", "build", "post_build")
_PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
_TOP = ("version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache")
_ENV = ("shell", "variables", "parameter-store", "secrets-manager", "exported-variables", "git-credential-helper")
_ARTIFACT = ("files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks", "s3-prefix")
_REPORT = ("files", "base-directory", "discard-paths", "file-format")
_CACHE = ("paths", "key", "fallback-keys", "action")
REPORT_FORMATS = (
    "JUNITXML", "CUCUMBERJSON", "NUNITXML", "NUNIT3XML", "TESTNGXML", "VISUALSTUDIOTRX",
    "CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV",
)  # fmt: skip
# ABORT | CONTINUE, and the newer RETRY forms (RETRY, RETRY-<count>, RETRY-<regex>, RETRY-<count>-<regex>),
# which AWS-SEMANTICS §9.1 marks unverified: accepted so that newer buildspecs validate.
_ON_FAILURE = re.compile(r"^(?:ABORT|CONTINUE|RETRY(?:-\d+)?(?:-.+)?)$")
_YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Buildspec:
    data: dict[Any, Any]
    version: str
    file: str = "buildspec.yml"
    warnings: tuple[Problem, ...] = ()

    def phase_commands(self, phase: str) -> list[str]:
        section = (self.data.get("phases") or {}).get(phase) or {}
        commands = section.get("commands") or []
        if isinstance(commands, str):  # a single command may be written without a list
            commands = [commands]
        return [c if isinstance(c, str) else str(scalar_text(c) or c) for c in commands]


def parse_buildspec(content: bytes | str, file: str = "buildspec.yml") -> Buildspec:
    """Load and check a buildspec; raises ``ArtifactError`` listing every problem."""
    doc = load_document(content, file, fmt=None if file.endswith((".json",)) else Format.YAML)
    expect_top(doc, dict, "a buildspec")
    problems = Problems(file)
    version = check_buildspec(doc.data, problems)
    problems.raise_if_any(hint="See the buildspec reference of CodeBuild (version 0.2).")
    return Buildspec(doc.data, version, file, doc.warnings + tuple(problems.warnings))


def check_buildspec(data: Mapping[Any, Any], problems: Problems) -> str:
    _unknown(data, _TOP, "", problems)
    version = data.get("version")
    text = version if isinstance(version, str) else scalar_text(version)
    if version is None:
        problems.add("version", "required field is missing; use version: 0.2")
    elif text == "0.1":
        problems.warn("version", "version 0.1 runs each command in its own shell; ecsflow runs 0.2 semantics")
    elif text != "0.2":
        problems.add("version", f"must be 0.2 (or the older 0.1), {got(version)}")
    _run_as(data, "", problems)
    if "env" in data:
        _check_env(data["env"], "env", problems)
    if "proxy" in data:
        _check_map(data["proxy"], "proxy", ("upload-artifacts", "logs"), problems, flags=("upload-artifacts", "logs"))
    if "phases" not in data:
        problems.add("phases", "required field is missing")
    else:
        _check_phases(data["phases"], problems)
    if "artifacts" in data:
        _check_artifacts(data["artifacts"], "artifacts", problems, secondary=True)
    if "reports" in data:
        _check_reports(data["reports"], problems)
    if "cache" in data and _check_map(data["cache"], "cache", _CACHE, problems):
        _string_list(data["cache"].get("paths"), "cache.paths", problems, required=False)
    return str(text or "")


def _unknown(data: Mapping[Any, Any], allowed: tuple[str, ...], path: str, problems: Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.warn(join(path, str(key)), f"unknown key {key!r}; CodeBuild may ignore or refuse it")


def _check_map(
    value: Any, path: str, allowed: tuple[str, ...], problems: Problems, *, flags: tuple[str, ...] = ()
) -> bool:
    if not isinstance(value, dict):
        problems.add(path, f"expected a mapping, {got(value)}")
        return False
    _unknown(value, allowed, path, problems)
    for flag in flags:
        if flag in value:
            _yes_no(value[flag], join(path, flag), problems)
    return True


def _yes_no(value: Any, path: str, problems: Problems) -> None:
    # CodeBuild documents yes/no; YAML 1.1 readers turn those into booleans, so accept both.
    if not isinstance(value, bool) and value not in _YES_NO:
        problems.add(path, f"expected yes or no, {got(value)}")


def _run_as(data: Mapping[Any, Any], path: str, problems: Problems) -> None:
    if "run-as" in data and (not isinstance(data["run-as"], str) or not data["run-as"]):
        problems.add(join(path, "run-as"), f"expected a Linux user name, {got(data['run-as'])}")


def _scalar(value: Any) -> bool:
    return isinstance(value, str) or scalar_text(value) is not None


def _string_list(value: Any, path: str, problems: Problems, *, required: bool, what: str = "strings") -> None:
    if value is None:
        if required:
            problems.add(path, "required field is missing")
        return
    if isinstance(value, str):  # a single entry is accepted in place of a list
        return
    if not isinstance(value, list):
        problems.add(path, f"expected a list of {what}, {got(value)}")
        return
    for i, item in enumerate(value):
        if not _scalar(item):
            problems.add(join(path, i), f"expected a string, {got(item)}")


def _string_map(value: Any, path: str, problems: Problems) -> None:
    if not isinstance(value, dict):
        problems.add(path, f"expected a mapping of NAME: value, {got(value)}")
        return
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            problems.add(join(path, str(key)), "variable names must be strings")
        if not _scalar(item):
            problems.add(join(path, str(key)), f"expected a single value, {got(item)}")


def _check_env(env: Any, path: str, problems: Problems) -> None:
    if not _check_map(env, path, _ENV, problems, flags=("git-credential-helper",)):
        return
    if "shell" in env and not isinstance(env["shell"], str):
        problems.add(join(path, "shell"), f"expected a shell name such as bash, {got(env['shell'])}")
    for section in ("variables", "parameter-store", "secrets-manager"):
        if section in env:
            _string_map(env[section], join(path, section), problems)
    if "exported-variables" in env:
        _string_list(env["exported-variables"], join(path, "exported-variables"), problems, required=False)
        for name in env["exported-variables"] if isinstance(env["exported-variables"], list) else ():
            if isinstance(name, str) and name.startswith("AWS_"):
                problems.add(
                    join(path, "exported-variables"), f"{name}: variables starting with AWS_ cannot be exported"
                )


def _check_phases(phases: Any, problems: Problems) -> None:
    if not isinstance(phases, dict):
        problems.add("phases", f"expected a mapping of phase names, {got(phases)}")
        return
    for name, section in phases.items():
        path = join("phases", str(name))
        if name not in PHASES:
            problems.add(path, f"unknown phase {name!r}; phases are {', '.join(PHASES)}")
            continue
        if section is None and name == "install":
            continue
        if not isinstance(section, dict):
            problems.add(path, f"expected a mapping with commands, {got(section)}")
            continue
        allowed = _PHASE_KEYS if name == "install" else tuple(k for k in _PHASE_KEYS if k != "runtime-versions")
        for key in section:
            if key not in allowed:
                problems.add(join(path, str(key)), f"unknown key {key!r} in a phase; use {', '.join(allowed)}")
        _run_as(section, path, problems)
        failure = section.get("on-failure")
        if failure is not None and not (isinstance(failure, str) and _ON_FAILURE.match(failure)):
            problems.add(join(path, "on-failure"), f"expected ABORT, CONTINUE or a RETRY form, {got(failure)}")
        _string_list(section.get("commands"), join(path, "commands"), problems, required=name != "install")
        if "finally" in section:
            _string_list(section["finally"], join(path, "finally"), problems, required=True)
        if "runtime-versions" in section:
            _string_map(section["runtime-versions"], join(path, "runtime-versions"), problems)


def _check_artifacts(value: Any, path: str, problems: Problems, *, secondary: bool) -> None:
    allowed = (*_ARTIFACT, "secondary-artifacts") if secondary else _ARTIFACT
    if not _check_map(value, path, allowed, problems, flags=("discard-paths", "enable-symlinks")):
        return
    # CodeBuild requires files whenever an artifacts section exists, even with only secondary artifacts.
    _string_list(value.get("files"), join(path, "files"), problems, required=True, what="paths")
    if "exclude-paths" in value:
        _string_list(value["exclude-paths"], join(path, "exclude-paths"), problems, required=False, what="paths")
    for key in ("name", "base-directory", "s3-prefix"):
        if key in value and not _scalar(value[key]):
            problems.add(join(path, key), f"expected a string, {got(value[key])}")
    if secondary and "secondary-artifacts" in value:
        section = value["secondary-artifacts"]
        sec_path = join(path, "secondary-artifacts")
        if not isinstance(section, dict) or not section:
            problems.add(sec_path, f"expected a mapping of artifact identifiers, {got(section)}")
            return
        for ident, artifact in section.items():
            _check_artifacts(artifact, join(sec_path, str(ident)), problems, secondary=False)


def _check_reports(reports: Any, problems: Problems) -> None:
    if not isinstance(reports, dict) or not reports:
        problems.add("reports", f"expected a mapping of report group names, {got(reports)}")
        return
    for name, report in reports.items():
        path = join("reports", str(name))
        if not _check_map(report, path, _REPORT, problems, flags=("discard-paths",)):
            continue
        _string_list(report.get("files"), join(path, "files"), problems, required=True, what="paths")
        fmt = report.get("file-format")
        if fmt is not None and fmt not in REPORT_FORMATS:
            problems.add(join(path, "file-format"), f"expected one of {', '.join(REPORT_FORMATS)}, {got(fmt)}")
