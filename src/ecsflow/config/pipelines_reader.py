"""Reading typed values out of the YAML of ``pipelines:``, and the readers of each action kind.

Used by ``ecsflow.config.pipelines_parse``; every problem goes to a ``report(path, message)``
callback, so the whole of ``ecsflow.yml`` reports its problems together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.loader import scalar_text
from ecsflow.config.durations import EXPECTED, duration_seconds
from ecsflow.config.model import BaseMode
from ecsflow.config.pipelines import (
    DEFAULT_BUILDSPEC,
    DEFAULT_IMAGE_DEFINITIONS,
    ApproveAction,
    BuildAction,
    DeployAction,
    PromoteAction,
    RunAction,
    RunTask,
    frozen_strings,
)

NAME = re.compile(r"[A-Za-z0-9.@\-_]{1,100}")  # pipeline, stage and action names
VARIABLE_NAME = re.compile(r"[A-Za-z0-9@\-_]{1,128}")
NAMESPACE = re.compile(r"[A-Za-z0-9@\-_]{1,100}")
ARTIFACT_NAME = re.compile(r"[a-zA-Z0-9_\-]{1,100}")
_CONTAINER = re.compile(r"[A-Za-z0-9_-]{1,255}")

Report = Callable[[str, str], None]  # (path, message)


def as_text(value: str | int | float) -> str:
    """A YAML scalar as it was written (``1.10`` stays "1.10" when read with ``pipelines_as_written``)."""
    return value if isinstance(value, str) else (scalar_text(value) or str(value))


def kind_of(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


class Reader:
    def __init__(self, report: Report) -> None:
        self.report = report

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.report(path, f"expected a mapping, got {kind_of(value)}")
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
            self.report(f"{path}.{key}", f"expected a string, got {kind_of(value)}")
            return None
        return as_text(value)

    def strings(self, value: Any, path: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, item in self.mapping(value, path).items():
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.report(f"{path}.{key}", f"expected a string, got {kind_of(item)}")
            else:
                out[key] = as_text(item)
        return out

    def names(self, value: Any, path: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.report(path, f"expected a list of {what}s, got {kind_of(value)}")
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
        seconds = duration_seconds(value)
        if seconds is None:
            self.report(f"{path}.{key}", f"{EXPECTED}, got {value!r}")
        return seconds

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
class Known:
    """What a pipeline's configuration may refer to."""

    services: frozenset[str]
    environments: frozenset[str]


def read_build(r: Reader, value: Any, path: str) -> BuildAction:
    if isinstance(value, str):
        return BuildAction(buildspec=value)
    data = r.mapping(value, path, ("buildspec", "env", "source_dir", "timeout"))
    return BuildAction(
        buildspec=r.text(data, "buildspec", path) or DEFAULT_BUILDSPEC,
        env=frozen_strings(r.strings(data.get("env"), f"{path}.env")),
        source_dir=r.text(data, "source_dir", path) or ".",
        timeout=r.duration(data, "timeout", path),
    )


def read_services(r: Reader, value: Any, path: str, known: Known) -> tuple[str, ...]:
    keys = r.names(value, path, re.compile(r"[A-Za-z0-9_-]{1,255}"), "service key")
    for i, key in enumerate(keys):
        if key not in known.services:
            listed = ", ".join(sorted(known.services)) or "none"
            r.report(
                f"{path}[{i}]" if not isinstance(value, str) else path,
                f"no service {key!r} under services (known: {listed})",
            )
    return keys


def read_environment(r: Reader, data: Mapping[str, Any], key: str, path: str, known: Known) -> str | None:
    name = r.text(data, key, path)
    if name is not None and name not in known.environments:
        listed = ", ".join(sorted(known.environments)) or "none"
        r.report(f"{path}.{key}", f"no environment {name!r} under environments (known: {listed})")
    return name


def read_deploy(r: Reader, value: Any, path: str, known: Known) -> DeployAction:
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
        services=read_services(r, data.get("services"), f"{path}.services", known),
        environment=read_environment(r, data, "environment", path, known),
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


def read_promote(r: Reader, value: Any, path: str, known: Known) -> PromoteAction:
    data = r.mapping(value, path, ("from", "to", "services", "image", "tag"))
    action = PromoteAction(
        source=read_environment(r, data, "from", path, known),
        target=read_environment(r, data, "to", path, known),
        services=read_services(r, data.get("services"), f"{path}.services", known),
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


def read_approve(r: Reader, value: Any, path: str) -> ApproveAction:
    if value is None or value is True:
        return ApproveAction()
    if isinstance(value, str):
        return ApproveAction(message=value)
    data = r.mapping(value, path, ("message",))
    return ApproveAction(message=r.text(data, "message", path))


def read_run(r: Reader, value: Any, path: str, known: Known) -> RunAction:
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
            environment=read_environment(r, t, "environment", tpath, known),
            timeout=r.duration(t, "timeout", tpath),
        )
    if (command is None) == (task is None):
        r.report(path, "give `command` (a shell command) or `task` (a one-off ECS task), one of them")
    return RunAction(command=command, task=task, timeout=r.duration(data, "timeout", path))
