"""CodeDeploy AppSpec for ECS (AWS-SEMANTICS §4.1), YAML or JSON.

Keys are matched ignoring case, as the AWS CLI's AppSpec reader does (AWS examples
use both ``Resources`` and ``resources``); the document is kept as written so a
rendered AppSpec differs from its template only in ``TaskDefinition``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.keys import find_key, get_ci
from ecsflow.artifacts.loader import Format, expect_top, load_document, scalar_text
from ecsflow.artifacts.problems import Problems, got, join
from ecsflow.errors import Problem

TASK_DEFINITION_PLACEHOLDER = "<TASK_DEFINITION>"
RESOURCE_TYPE = "AWS::ECS::Service"
# ECS lifecycle events a hook may be attached to (§4.2); Install, AllowTestTraffic and
# AllowTraffic are run by CodeDeploy itself and take no hook.
HOOK_EVENTS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic")
TASK_DEFINITION_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/[A-Za-z0-9_-]{1,255}:\d+$")
_TOP = ("version", "Resources", "Hooks")
_PROPERTIES = (
    "TaskDefinition",
    "LoadBalancerInfo",
    "PlatformVersion",
    "NetworkConfiguration",
    "CapacityProviderStrategy",
)
_AWSVPC = ("Subnets", "SecurityGroups", "AssignPublicIp")
_MAX_BASE = 100000  # ECS CapacityProviderStrategyItem.base range 0..100000
_MAX_WEIGHT = 1000  # ECS CapacityProviderStrategyItem.weight range 0..1000


@dataclass(frozen=True)
class AppSpec:
    """A validated AppSpec, ``data`` as written (keys in their original case)."""

    data: dict[Any, Any]
    format: Format = Format.YAML
    file: str = "appspec.yaml"
    warnings: tuple[Problem, ...] = ()

    @property
    def properties(self) -> dict[Any, Any]:
        resource = get_ci(self.data, "Resources")[0]
        target: dict[Any, Any] = next(iter(resource.values()))
        props: dict[Any, Any] = get_ci(target, "Properties")
        return props

    @property
    def task_definition(self) -> str:
        return str(get_ci(self.properties, "TaskDefinition"))

    @property
    def container_name(self) -> str:
        return str(get_ci(get_ci(self.properties, "LoadBalancerInfo"), "ContainerName"))

    @property
    def container_port(self) -> int:
        return int(get_ci(get_ci(self.properties, "LoadBalancerInfo"), "ContainerPort"))


def parse_appspec(content: bytes | str, file: str = "appspec.yaml", *, fmt: Format | None = None) -> AppSpec:
    """Load and validate an AppSpec; raises ``ArtifactError`` listing every problem."""
    doc = load_document(content, file, fmt=fmt)
    expect_top(doc, dict, "an AppSpec")
    problems = Problems(file)
    check_appspec(doc.data, problems)
    problems.raise_if_any(hint="See the AppSpec 'resources' and 'hooks' sections for ECS in the CodeDeploy guide.")
    return AppSpec(doc.data, doc.format, file, doc.warnings + tuple(problems.warnings))


def check_appspec(data: Mapping[Any, Any], problems: Problems) -> None:
    _unknown_keys(data, _TOP, "", problems)
    version = get_ci(data, "version")
    if find_key(data, "version") is None:
        problems.add("version", "required field is missing; ECS AppSpecs use version 0.0")
    elif (scalar_text(version) if not isinstance(version, str) else version) != "0.0":
        problems.add("version", f"must be 0.0 for ECS, {got(version)}")
    resources_key = find_key(data, "Resources")
    if resources_key is None:
        problems.add("Resources", "required field is missing")
    else:
        _check_resources(data[resources_key], str(resources_key), problems)
    hooks_key = find_key(data, "Hooks")
    if hooks_key is not None:
        _check_hooks(data[hooks_key], str(hooks_key), problems)


def _unknown_keys(data: Mapping[Any, Any], allowed: tuple[str, ...], path: str, problems: Problems) -> None:
    lowered = {a.lower(): a for a in allowed}
    seen: set[str] = set()
    for key in data:
        text = key.lower() if isinstance(key, str) else None
        if text is None or text not in lowered:
            problems.add(join(path, str(key)), f"unknown field {key!r}; expected one of {', '.join(allowed)}")
        elif text in seen:
            problems.add(join(path, str(key)), f"{lowered[text]} is given twice (keys ignore case)")
        else:
            seen.add(text)


def _single_key_items(value: Any, path: str, what: str, problems: Problems) -> list[tuple[str, Any, Any]]:
    """Check a list of one-key maps (``- Name: value``); return (path, key, value) per item."""
    if not isinstance(value, list):
        problems.add(path, f"expected a list of {what}, {got(value)}")
        return []
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or len(item) != 1:
            problems.add(join(path, i), f"each {what} is a map with exactly one key, {got(item)}")
            continue
        key, inner = next(iter(item.items()))
        items.append((join(join(path, i), str(key)), key, inner))
    return items


def _check_resources(value: Any, path: str, problems: Problems) -> None:
    items = _single_key_items(value, path, "resources", problems)
    if isinstance(value, list) and not value:
        problems.add(path, "at least one resource (the ECS service) is required")
    if len(items) > 1:
        # CodeDeploy deploys one ECS service per deployment group; extra resources are not used.
        problems.warn(path, f"{len(items)} resources; an ECS deployment uses only the first")
    for item_path, _name, target in items:
        if not isinstance(target, dict):
            problems.add(item_path, f"expected an object with Type and Properties, {got(target)}")
            continue
        _unknown_keys(target, ("Type", "Properties"), item_path, problems)
        kind = get_ci(target, "Type")
        if kind is None:
            problems.add(join(item_path, "Type"), f"required field is missing; use {RESOURCE_TYPE}")
        elif kind != RESOURCE_TYPE:
            problems.add(join(item_path, "Type"), f"must be {RESOURCE_TYPE}, {got(kind)}")
        props = get_ci(target, "Properties")
        props_path = join(item_path, "Properties")
        if props is None:
            problems.add(props_path, "required field is missing")
        elif not isinstance(props, dict):
            problems.add(props_path, f"expected an object, {got(props)}")
        else:
            _check_properties(props, props_path, problems)


def _check_properties(props: Mapping[Any, Any], path: str, problems: Problems) -> None:
    _unknown_keys(props, _PROPERTIES, path, problems)
    task_def = get_ci(props, "TaskDefinition")
    td_path = join(path, "TaskDefinition")
    if task_def is None:
        problems.add(td_path, f"required field is missing; use {TASK_DEFINITION_PLACEHOLDER} or a full ARN")
    elif not isinstance(task_def, str):
        problems.add(td_path, f"expected string, {got(task_def)}")
    elif task_def != TASK_DEFINITION_PLACEHOLDER and not TASK_DEFINITION_ARN.match(task_def):
        problems.add(
            td_path,
            f"expected {TASK_DEFINITION_PLACEHOLDER} or a full task definition ARN "
            f"(arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION), {got(task_def)}",
        )
    _check_load_balancer(get_ci(props, "LoadBalancerInfo"), join(path, "LoadBalancerInfo"), problems)
    platform = get_ci(props, "PlatformVersion")
    if platform is not None and not isinstance(platform, str):
        problems.add(join(path, "PlatformVersion"), f"expected string such as LATEST or 1.4.0, {got(platform)}")
    network = get_ci(props, "NetworkConfiguration")
    if network is not None:
        _check_network(network, join(path, "NetworkConfiguration"), problems)
    strategy = get_ci(props, "CapacityProviderStrategy")
    if strategy is not None:
        _check_strategy(strategy, join(path, "CapacityProviderStrategy"), problems)


def _check_load_balancer(info: Any, path: str, problems: Problems) -> None:
    if info is None:
        problems.add(path, "required field is missing (ContainerName and ContainerPort)")
        return
    if not isinstance(info, dict):
        problems.add(path, f"expected an object, {got(info)}")
        return
    _unknown_keys(info, ("ContainerName", "ContainerPort"), path, problems)
    name, port = get_ci(info, "ContainerName"), get_ci(info, "ContainerPort")
    if name is None:
        problems.add(join(path, "ContainerName"), "required field is missing")
    elif not isinstance(name, str) or not name:
        problems.add(join(path, "ContainerName"), f"expected a container name, {got(name)}")
    if port is None:
        problems.add(join(path, "ContainerPort"), "required field is missing")
    elif isinstance(port, bool) or not isinstance(port, int):
        problems.add(join(path, "ContainerPort"), f"expected a port number (not a string), {got(port)}")
    elif not 1 <= port <= 65535:
        problems.add(join(path, "ContainerPort"), f"must be 1-65535, got {port}")


def _check_network(network: Any, path: str, problems: Problems) -> None:
    if not isinstance(network, dict):
        problems.add(path, f"expected an object, {got(network)}")
        return
    _unknown_keys(network, ("AwsvpcConfiguration",), path, problems)
    vpc = get_ci(network, "AwsvpcConfiguration")
    vpc_path = join(path, "AwsvpcConfiguration")
    if vpc is None:
        problems.add(vpc_path, "required field is missing")
        return
    if not isinstance(vpc, dict):
        problems.add(vpc_path, f"expected an object, {got(vpc)}")
        return
    _unknown_keys(vpc, _AWSVPC, vpc_path, problems)
    # All-or-none (§4.1): a partial AwsvpcConfiguration is refused by CodeDeploy.
    missing = [k for k in _AWSVPC if find_key(vpc, k) is None]
    if missing and len(missing) < len(_AWSVPC):
        problems.add(
            vpc_path, f"give Subnets, SecurityGroups and AssignPublicIp together; missing {', '.join(missing)}"
        )
    for key in ("Subnets", "SecurityGroups"):
        value = get_ci(vpc, key)
        if value is not None and (
            not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value)
        ):
            problems.add(join(vpc_path, key), f"expected a non-empty list of IDs, {got(value)}")
    assign = get_ci(vpc, "AssignPublicIp")
    if assign is not None and assign not in ("ENABLED", "DISABLED"):
        problems.add(join(vpc_path, "AssignPublicIp"), f"expected ENABLED or DISABLED, {got(assign)}")


def _check_strategy(strategy: Any, path: str, problems: Problems) -> None:
    if not isinstance(strategy, list) or not strategy:
        problems.add(path, f"expected a non-empty list of capacity providers, {got(strategy)}")
        return
    with_base, weights = 0, 0
    for i, item in enumerate(strategy):
        item_path = join(path, i)
        if not isinstance(item, dict):
            problems.add(item_path, f"expected an object, {got(item)}")
            continue
        _unknown_keys(item, ("Base", "CapacityProvider", "Weight"), item_path, problems)
        provider = get_ci(item, "CapacityProvider")
        if not isinstance(provider, str) or not provider:
            problems.add(join(item_path, "CapacityProvider"), f"expected a capacity provider name, {got(provider)}")
        for key, high in (("Base", _MAX_BASE), ("Weight", _MAX_WEIGHT)):
            value = get_ci(item, key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                problems.add(join(item_path, key), f"expected integer, {got(value)}")
            elif not 0 <= value <= high:
                problems.add(join(item_path, key), f"must be 0-{high}, got {value}")
            elif key == "Base" and value > 0:
                with_base += 1
            elif key == "Weight" and value > 0:
                weights += 1
    # Base defaults to 0 and only one provider may set it; one weight must be above 0 (§4.1).
    if with_base > 1:
        problems.add(path, "only one capacity provider may have a Base above 0")
    if weights == 0:
        problems.add(path, "at least one capacity provider needs a Weight above 0")


def _check_hooks(value: Any, path: str, problems: Problems) -> None:
    seen: set[str] = set()
    for item_path, event, function in _single_key_items(value, path, "hooks", problems):
        name = next((e for e in HOOK_EVENTS if isinstance(event, str) and e.lower() == event.lower()), None)
        if name is None:
            problems.add(item_path, f"not a hookable ECS lifecycle event; use one of {', '.join(HOOK_EVENTS)}")
        elif name in seen:
            problems.add(item_path, f"{name} has more than one hook")
        else:
            seen.add(name)
        if not isinstance(function, str) or not function:
            problems.add(item_path, f"expected a Lambda function name or ARN, {got(function)}")
