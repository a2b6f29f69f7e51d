"""The small part of an ECS AppSpec the simulator needs, parsed the way CodeDeploy reads it.

AppSpec reference ("AppSpec 'resources' section", "AppSpec 'hooks' section"): YAML or
JSON, ``version: 0.0``, ``Resources`` and ``Hooks`` are lists of single-key maps, keys
are matched case-insensitively (the AWS CLI's ``ecs deploy`` parser does the same),
``TaskDefinition`` is a full ARN and ``ContainerPort`` a number. Kept independent of
the product's artifact parsers on purpose: the local AWS models AWS, not ecsflow.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from ecsflow.sim.codedeploy.errors import error

HOOK_EVENTS = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
_TASK_DEF_ARN_PREFIX = "arn:aws:ecs:"


class AppSpecProblem(ValueError):
    """The AppSpec cannot be used; CodeDeploy fails the deployment with INVALID_REVISION."""


@dataclass(frozen=True)
class AppSpec:
    task_definition: str
    container_name: str
    container_port: int
    platform_version: str | None = None
    network_configuration: dict[str, Any] | None = None
    capacity_provider_strategy: list[dict[str, Any]] | None = None
    hooks: dict[str, str] = field(default_factory=dict)  # lifecycle event -> function


def revision_content(revision: dict[str, Any] | None) -> str | None:
    """The AppSpec text of an ``AppSpecContent`` or ``String`` revision (None for S3/GitHub).

    Raises the API error CodeDeploy gives synchronously for a missing revision or a
    ``sha256`` that does not match the content.
    """
    if not revision:
        raise error("RevisionRequiredException", "The revision ID was not specified.")
    kind = revision.get("revisionType")
    body = revision.get("appSpecContent") if kind == "AppSpecContent" else revision.get("string")
    if kind not in ("AppSpecContent", "String"):
        return None
    if not body or not isinstance(body.get("content"), str):
        raise error("InvalidRevisionException", f"The {kind} revision has no content.")
    content: str = body["content"]
    expected = body.get("sha256")
    if expected and hashlib.sha256(content.encode()).hexdigest() != expected.lower():
        raise error(
            "InvalidRevisionException",
            "The sha256 of the AppSpec content does not match the sha256 given in the revision.",
        )
    return content


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def _restore(value: Any) -> Any:
    """Network and capacity provider structures go back to ECS API spelling."""
    names = {
        "awsvpcconfiguration": "awsvpcConfiguration",
        "subnets": "subnets",
        "securitygroups": "securityGroups",
        "assignpublicip": "assignPublicIp",
        "base": "base",
        "capacityprovider": "capacityProvider",
        "weight": "weight",
    }
    if isinstance(value, dict):
        return {names.get(k, k): _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def parse(content: str) -> AppSpec:
    """Parse an ECS AppSpec (JSON first, then YAML), or raise ``AppSpecProblem``."""
    try:
        raw = json.loads(content)
    except ValueError:
        try:
            raw = yaml.safe_load(content)
        except yaml.YAMLError as exc:
            raise AppSpecProblem(f"The input AppSpec file is a not well-formed yaml: {exc}") from exc
    if not isinstance(raw, dict):
        raise AppSpecProblem("The AppSpec file must be a map with 'version' and 'Resources'.")
    doc = _lower_keys(raw)
    resources = doc.get("resources")
    if not isinstance(resources, list) or not resources:
        raise AppSpecProblem("The AppSpec file has no 'Resources' section with a TargetService.")
    target = next((r["targetservice"] for r in resources if isinstance(r, dict) and "targetservice" in r), None)
    if not isinstance(target, dict) or not isinstance(target.get("properties"), dict):
        raise AppSpecProblem("Resources[0].TargetService.Properties is missing.")
    props = target["properties"]
    task_def = props.get("taskdefinition")
    if not isinstance(task_def, str) or not task_def.startswith(_TASK_DEF_ARN_PREFIX):
        raise AppSpecProblem(
            f"TaskDefinition must be a full task definition ARN, got {task_def!r}.",
        )
    lb = props.get("loadbalancerinfo")
    if not isinstance(lb, dict) or not isinstance(lb.get("containername"), str):
        raise AppSpecProblem("LoadBalancerInfo.ContainerName is required.")
    port = lb.get("containerport")
    if not isinstance(port, int) or isinstance(port, bool):
        raise AppSpecProblem(f"LoadBalancerInfo.ContainerPort must be a number, got {port!r}.")
    network = props.get("networkconfiguration")
    if network is not None:
        awsvpc = network.get("awsvpcconfiguration") if isinstance(network, dict) else None
        # All-or-none: with subnets, security groups and the public IP flag are required too.
        if not isinstance(awsvpc, dict) or not {"subnets", "securitygroups", "assignpublicip"} <= set(awsvpc):
            raise AppSpecProblem(
                "NetworkConfiguration.AwsvpcConfiguration needs Subnets, SecurityGroups and AssignPublicIp."
            )
    hooks: dict[str, str] = {}
    canonical = {name.lower(): name for name in HOOK_EVENTS}
    raw_hooks = next((v for k, v in raw.items() if str(k).lower() == "hooks"), None)
    for entry in raw_hooks or []:
        if not isinstance(entry, dict):
            raise AppSpecProblem("Hooks must be a list of single-key maps such as '- AfterInstall: fn'.")
        for key, function in entry.items():
            if str(key).lower() not in canonical or not isinstance(function, str):
                raise AppSpecProblem(f"Hooks: {key!r} is not an ECS lifecycle event that takes a hook.")
            hooks[canonical[str(key).lower()]] = function
    providers = props.get("capacityproviderstrategy")
    return AppSpec(
        task_definition=task_def,
        container_name=lb["containername"],
        container_port=port,
        platform_version=props.get("platformversion"),
        network_configuration=_restore(network) if network is not None else None,
        capacity_provider_strategy=_restore(providers) if providers else None,
        hooks=hooks,
    )
