"""Rendering AppSpecs: filling ``<TASK_DEFINITION>``, and writing one from a service.

CodeDeployToECS replaces the literal ``<TASK_DEFINITION>`` with the ARN of the
revision it registered (AWS-SEMANTICS §3.2 step 4). Whether it also overwrites a
literal ARN already in the file is [uncertain]; ecsflow does what the docs promise
and no more: the placeholder is replaced, a literal ARN is kept, and a warning says
so, because deploying a revision other than the one just registered is usually a
mistake the user should see.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ecsflow.artifacts.appspec import (
    HOOK_EVENTS,
    RESOURCE_TYPE,
    TASK_DEFINITION_ARN,
    TASK_DEFINITION_PLACEHOLDER,
    AppSpec,
    check_appspec,
)
from ecsflow.artifacts.keys import find_key, get_ci
from ecsflow.artifacts.loader import SourceFloat
from ecsflow.artifacts.problems import Problems
from ecsflow.errors import Problem, RenderError, problems_error
from ecsflow.render.placeholders import unresolved


def _check_arn(arn: str) -> None:
    if not TASK_DEFINITION_ARN.match(arn):
        raise RenderError(
            f"not a full task definition ARN: {arn!r}",
            [Problem("expected arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION", "", "--task-definition")],
            hint="CodeDeploy needs the full ARN of a registered revision (family:revision alone is refused).",
        )


def render_appspec(appspec: AppSpec, task_definition_arn: str) -> AppSpec:
    """A copy with ``<TASK_DEFINITION>`` replaced by ``task_definition_arn`` in every resource."""
    _check_arn(task_definition_arn)
    data = copy.deepcopy(appspec.data)
    problems = Problems(appspec.file)
    for i, resource in enumerate(get_ci(data, "Resources")):
        target = next(iter(resource.values()))
        props = get_ci(target, "Properties")
        key = find_key(props, "TaskDefinition")
        path = f"Resources[{i}].{next(iter(resource))}.Properties.{key}"
        if props[key] == TASK_DEFINITION_PLACEHOLDER:
            props[key] = task_definition_arn
        elif props[key] != task_definition_arn:
            problems.warn(path, f"kept the literal ARN {props[key]}; only {TASK_DEFINITION_PLACEHOLDER} is replaced")
    problems.extend(unresolved(data))
    if problems.errors:
        n = len(problems.errors)
        raise RenderError(
            f"cannot render: {appspec.file} ({n} problem{'s' if n != 1 else ''})",
            problems.errors,
            hint="Replace the placeholders listed in the AppSpec template.",
        )
    return AppSpec(data, appspec.format, appspec.file, appspec.warnings + tuple(problems.warnings))


def appspec_from_service(
    service: Mapping[str, Any],
    *,
    task_definition_arn: str | None = None,
    container_name: str | None = None,
    hooks: Mapping[str, str] | None = None,
    file: str = "service.json",
) -> AppSpec:
    """An ECS AppSpec for a service in DescribeServices shape (or a whole DescribeServices response).

    The container and port come from the service's load balancer (the one for
    ``container_name`` when several are attached); network configuration, platform
    version and capacity provider strategy are copied. Without ``task_definition_arn``
    the AppSpec holds ``<TASK_DEFINITION>`` for the pipeline to fill.
    """
    svc = _one_service(service, file)
    problems: list[Problem] = []
    balancers = [b for b in svc.get("loadBalancers") or [] if isinstance(b, dict)]
    if container_name is not None:
        balancers = [b for b in balancers if b.get("containerName") == container_name]
    if not balancers:
        which = f" for container {container_name!r}" if container_name else ""
        raise RenderError(
            f"{file}: the service has no load balancer{which}",
            [Problem(f"no load balancer{which}", "loadBalancers", file)],
            hint="CodeDeploy blue/green needs a service behind a load balancer (target groups).",
        )
    lb = balancers[0]
    props: dict[str, Any] = {
        "TaskDefinition": task_definition_arn or TASK_DEFINITION_PLACEHOLDER,
        "LoadBalancerInfo": {"ContainerName": lb.get("containerName"), "ContainerPort": lb.get("containerPort")},
    }
    if svc.get("platformVersion"):
        props["PlatformVersion"] = svc["platformVersion"]
    vpc = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if isinstance(vpc, dict):
        # AwsvpcConfiguration is all-or-none in an AppSpec; ECS's own default for assignPublicIp is DISABLED.
        props["NetworkConfiguration"] = {
            "AwsvpcConfiguration": {
                "Subnets": list(vpc.get("subnets") or []),
                "SecurityGroups": list(vpc.get("securityGroups") or []),
                "AssignPublicIp": vpc.get("assignPublicIp") or "DISABLED",
            }
        }
    strategy = svc.get("capacityProviderStrategy")
    if strategy:
        props["CapacityProviderStrategy"] = [
            {"Base": s.get("base", 0), "CapacityProvider": s.get("capacityProvider"), "Weight": s.get("weight", 0)}
            for s in strategy
            if isinstance(s, dict)
        ]
    data: dict[str, Any] = {
        "version": SourceFloat(0.0, "0.0"),
        "Resources": [{"TargetService": {"Type": RESOURCE_TYPE, "Properties": props}}],
    }
    if hooks:
        unknown = [h for h in hooks if h not in HOOK_EVENTS]
        if unknown:
            problems.append(
                Problem(
                    f"not hookable ECS lifecycle events: {', '.join(unknown)}; use {', '.join(HOOK_EVENTS)}",
                    "",
                    "--hook",
                )
            )
        data["Hooks"] = [{event: hooks[event]} for event in HOOK_EVENTS if event in hooks]
    if task_definition_arn is not None:
        _check_arn(task_definition_arn)
    check = Problems(file)
    check_appspec(data, check)
    problems += check.errors
    if problems:
        raise problems_error(RenderError, f"the AppSpec made from {file}", problems)
    return AppSpec(data, file="appspec.yaml")


def _one_service(service: Mapping[str, Any], file: str) -> Mapping[str, Any]:
    if "services" in service and isinstance(service["services"], list):
        services = service["services"]
        if len(services) != 1 or not isinstance(services[0], dict):
            raise RenderError(
                f"{file}: expected exactly one service, found {len(services)}",
                hint="Describe a single service: aws ecs describe-services --cluster C --services S",
            )
        return services[0]
    if "serviceName" not in service and "loadBalancers" not in service:
        raise RenderError(
            f"{file}: not a DescribeServices result (no services, serviceName or loadBalancers)",
            hint="Pass the output of aws ecs describe-services, or one element of its services list.",
        )
    return service
