"""Parse and validate ``ecsflow.yml`` into ``ProjectConfig``, reporting every problem with
its path (``services.api.images.web: expected a string``), never only the first one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ecsflow.config.bootstrap import parse_bootstrap
from ecsflow.config.codedeploy import parse_codedeploy
from ecsflow.config.durations import EXPECTED, duration_seconds
from ecsflow.config.model import (
    BaseMode,
    Defaults,
    Environment,
    ProjectConfig,
    ServiceConfig,
    ServiceOverride,
)
from ecsflow.config.order import deploy_order
from ecsflow.config.pipelines import check_run_store
from ecsflow.config.pipelines_parse import pipelines_as_written, read_pipelines
from ecsflow.errors import ConfigError, Problem, problems_error

DEFAULT_FILE = "ecsflow.yml"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")  # ECS service / container name charset (§8.2)

_TOP_KEYS = {"version", "defaults", "services", "environments", "variables", "order", "pipelines"}
_DEFAULT_KEYS = {
    "region",
    "profile",
    "cluster",
    "timeout",
    "base",
    "concurrency",
    "fail_fast",
    "secret_pattern",
    "log_lines",
    "run_store",
}
_SERVICE_KEYS = {
    "cluster",
    "service",
    "task_definition",
    "family",
    "images",
    "base",
    "timeout",
    "after",
    "variables",
    "bootstrap",
    "codedeploy",
    "strategy",
}
_OVERRIDE_KEYS = _SERVICE_KEYS - {"after", "strategy"}
_STRATEGIES = ("auto", "rolling", "blue_green", "linear", "canary")
_ENV_KEYS = {"region", "profile", "cluster", "timeout", "variables", "services"}


class _Reader:
    """Collects problems while reading typed values out of plain YAML data."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, path, self.file))

    def mapping(self, value: Any, path: str, allowed: set[str] | None = None) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(path, f"expected a mapping, got {_kind(value)}")
            return {}
        for key in value:
            if not isinstance(key, str):
                self.problem(path, f"keys must be strings, got {key!r}")
            elif allowed is not None and key not in allowed:
                self.problem(_join(path, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return {k: v for k, v in value.items() if isinstance(k, str)}

    def string(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(_join(path, key), f"expected a string, got {_kind(value)}")
            return None
        return str(value)

    def name(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.string(data, key, path)
        if value is not None and not _NAME.match(value) and not value.startswith("arn:"):
            self.problem(_join(path, key), f"{value!r} is not a valid name (letters, digits, '_' and '-')")
        return value

    def duration(self, data: Mapping[str, Any], key: str, path: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        seconds = duration_seconds(value)
        if seconds is None:
            self.problem(_join(path, key), f"{EXPECTED}, got {value!r}")
        return seconds

    def base(self, data: Mapping[str, Any], key: str, path: str) -> BaseMode | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            return BaseMode(value)
        except ValueError:
            self.problem(_join(path, key), f"expected one of {', '.join(m.value for m in BaseMode)}, got {value!r}")
            return None

    def strings(self, value: Any, path: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, item in self.mapping(value, path).items():
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem(_join(path, key), f"expected a string, got {_kind(item)}")
            else:
                out[key] = str(item)
        return out

    def string_list(self, value: Any, path: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, "expected a name or a list of names")
            return []
        return list(value)


def parse_duration(text: str) -> float | None:
    """``600``, ``90s``, ``15m``, ``1h`` -> seconds; ``None`` when not a positive duration."""
    return duration_seconds(text)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    kinds = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return kinds.get(type(value), type(value).__name__)


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate ``path``; raises ``ConfigError`` listing every problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file} does not exist",
            hint="create it (see docs/config.md) or point to it with --config",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
    return parse_config(text, file=str(file), root=str(file.parent))


def parse_config(text: str, *, file: str = DEFAULT_FILE, root: str = ".") -> ProjectConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{file} is not valid YAML",
            [Problem(f"{getattr(exc, 'problem', None) or exc} {('at ' + where) if where else ''}".strip(), "", file)],
        ) from exc
    r = _Reader(file)
    top = r.mapping(data, "", _TOP_KEYS)
    version = top.get("version", 1)
    if version != 1:
        r.problem("version", f"unsupported version {version!r} (this ecsflow reads version 1)")
    defaults = _defaults(r, top.get("defaults"))
    variables = r.strings(top.get("variables"), "variables")
    services = _services(r, top.get("services"), defaults, variables)
    environments = _environments(r, top.get("environments"), services)
    order = deploy_order(services, top.get("order"), r.problem)
    pipelines = read_pipelines(
        pipelines_as_written(text, file) if "pipelines" in top else None,
        services=frozenset(services),
        environments=frozenset(environments),
        report=r.problem,
        file=file,
    )
    if r.problems:
        raise problems_error(ConfigError, file, r.problems, hint="fix the listed keys (reference: docs/config.md)")
    return ProjectConfig(
        path=file,
        root=root,
        defaults=defaults,
        services=services,
        environments=environments,
        variables=variables,
        order=order,
        pipelines=pipelines,
    )


def _defaults(r: _Reader, value: Any) -> Defaults:
    data = r.mapping(value, "defaults", _DEFAULT_KEYS)
    concurrency = data.get("concurrency", 4)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        r.problem("defaults.concurrency", f"expected a whole number ≥ 1, got {concurrency!r}")
        concurrency = 4
    fail_fast = data.get("fail_fast", True)
    if not isinstance(fail_fast, bool):
        r.problem("defaults.fail_fast", f"expected true or false, got {fail_fast!r}")
        fail_fast = True
    log_lines = data.get("log_lines", 20)
    if isinstance(log_lines, bool) or not isinstance(log_lines, int) or not 0 <= log_lines <= 10_000:
        r.problem("defaults.log_lines", f"expected a whole number from 0 to 10000, got {log_lines!r}")
        log_lines = 20
    pattern = r.string(data, "secret_pattern", "defaults") or Defaults.secret_pattern
    try:
        re.compile(pattern)
    except re.error as exc:
        r.problem("defaults.secret_pattern", f"not a valid regular expression: {exc}")
        pattern = Defaults.secret_pattern
    run_store = r.string(data, "run_store", "defaults")
    if run_store is not None and (why := check_run_store(run_store)):
        r.problem("defaults.run_store", why)
    return Defaults(
        run_store=run_store,
        region=r.string(data, "region", "defaults"),
        profile=r.string(data, "profile", "defaults"),
        cluster=r.string(data, "cluster", "defaults"),
        timeout=r.duration(data, "timeout", "defaults"),
        base=r.base(data, "base", "defaults") or BaseMode.FILE,
        concurrency=concurrency,
        fail_fast=fail_fast,
        secret_pattern=pattern,
        log_lines=log_lines,
    )


def _service_fields(r: _Reader, data: Mapping[str, Any], path: str) -> dict[str, Any]:
    images = r.strings(data.get("images"), _join(path, "images"))
    for container in images:
        if not _NAME.match(container):
            r.problem(_join(_join(path, "images"), container), "not a valid container name")
    return {
        "cluster": r.string(data, "cluster", path),
        "service": r.name(data, "service", path),
        "task_definition": r.string(data, "task_definition", path),
        "family": r.name(data, "family", path),
        "images": images if "images" in data else None,
        "base": r.base(data, "base", path),
        "timeout": r.duration(data, "timeout", path),
        "variables": r.strings(data.get("variables"), _join(path, "variables")),
        "bootstrap": parse_bootstrap(data["bootstrap"], _join(path, "bootstrap"), r.problem)
        if data.get("bootstrap") is not None
        else None,
    }


def _services(r: _Reader, value: Any, defaults: Defaults, variables: Mapping[str, str]) -> dict[str, ServiceConfig]:
    services: dict[str, ServiceConfig] = {}
    for key, raw in r.mapping(value, "services").items():
        path = _join("services", key)
        if not _NAME.match(key):
            r.problem(path, "service keys use letters, digits, '_' and '-'")
        data = r.mapping(raw, path, _SERVICE_KEYS)
        f = _service_fields(r, data, path)
        services[key] = ServiceConfig(
            key=key,
            cluster=f["cluster"] or defaults.cluster or "default",
            service=f["service"] or key,
            task_definition=f["task_definition"],
            family=f["family"],
            images=f["images"] or {},
            base=f["base"] or defaults.base,
            timeout=f["timeout"] if f["timeout"] is not None else defaults.timeout,
            after=tuple(r.string_list(data.get("after"), _join(path, "after"))),
            variables={**variables, **f["variables"]},
            bootstrap=f["bootstrap"],
            codedeploy=parse_codedeploy(data.get("codedeploy"), _join(path, "codedeploy"), r.problem),
            strategy=_strategy(r, data, path),
        )
    if not services and value is not None:
        r.problem("services", "no services defined")
    return services


def _strategy(r: _Reader, data: Mapping[str, Any], path: str) -> str:
    value = data.get("strategy", "auto")
    if value not in _STRATEGIES:
        r.problem(_join(path, "strategy"), f"expected one of {', '.join(_STRATEGIES)}, got {value!r}")
        return "auto"
    return str(value)


def _environments(r: _Reader, value: Any, services: Mapping[str, ServiceConfig]) -> dict[str, Environment]:
    envs: dict[str, Environment] = {}
    for name, raw in r.mapping(value, "environments").items():
        path = _join("environments", name)
        data = r.mapping(raw, path, _ENV_KEYS)
        overrides: dict[str, ServiceOverride] = {}
        for key, item in r.mapping(data.get("services"), _join(path, "services")).items():
            spath = _join(_join(path, "services"), key)
            if key not in services:
                r.problem(spath, f"no service {key!r} under services")
                continue
            data_o = r.mapping(item, spath, _OVERRIDE_KEYS)
            f = _service_fields(r, data_o, spath)
            codedeploy = parse_codedeploy(data_o.get("codedeploy"), _join(spath, "codedeploy"), r.problem)
            overrides[key] = ServiceOverride(**f, codedeploy=codedeploy)
        envs[name] = Environment(
            name=name,
            region=r.string(data, "region", path),
            profile=r.string(data, "profile", path),
            cluster=r.string(data, "cluster", path),
            timeout=r.duration(data, "timeout", path),
            variables=r.strings(data.get("variables"), _join(path, "variables")),
            services=overrides,
        )
    return envs
