"""The ``codedeploy:`` key of a service in ``ecsflow.yml`` (CODE_DEPLOY blue/green).

::

    services:
      web:
        codedeploy:
          application: web-app            # with deployment_group; both or neither
          deployment_group: web-dg        # neither: discovered once from the service, remembered
          deployment_config: CodeDeployDefault.ECSCanary10Percent5Minutes   # default: the group's
          appspec: appspec.yaml           # default: generated from the service

Every key is optional. Problems are reported with their path, like the rest of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KEYS = frozenset({"application", "deployment_group", "deployment_config", "appspec"})
# CodeDeploy names: applications and groups 1-100 characters; configs [A-Za-z0-9+=,.@_-] (§5.1).
_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,100}$")


@dataclass(frozen=True)
class CodeDeployConfig:
    application: str | None = None
    deployment_group: str | None = None
    deployment_config: str | None = None
    appspec: str | None = None  # AppSpec template file, relative to the config's folder


def parse_codedeploy(value: Any, path: str, problem: Callable[[str, str], None]) -> CodeDeployConfig | None:
    """``services.<key>.codedeploy`` -> ``CodeDeployConfig``; ``problem(path, message)`` collects errors."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problem(path, "expected a mapping with application, deployment_group, deployment_config, appspec")
        return None
    out: dict[str, str | None] = {}
    for key, item in value.items():
        where = f"{path}.{key}"
        if key not in KEYS:
            problem(where, f"unknown key (allowed: {', '.join(sorted(KEYS))})")
            continue
        if not isinstance(item, str) or not item.strip():
            problem(where, "expected a non-empty string")
            continue
        if key != "appspec" and not _NAME.match(item):
            problem(where, f"{item!r} is not a CodeDeploy name (1-100 of letters, digits and +=,.@_-)")
            continue
        out[key] = item
    if ("application" in out) != ("deployment_group" in out):
        problem(path, "give application and deployment_group together (or neither, to discover them)")
    return CodeDeployConfig(**out)
