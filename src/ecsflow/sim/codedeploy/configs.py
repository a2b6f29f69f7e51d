"""Deployment configurations: the predefined ``CodeDeployDefault.*`` ones and custom ECS ones.

Sources (AWS CodeDeploy User Guide, "Working with deployment configurations"; API
reference ``CreateDeploymentConfig``): the five predefined ECS configurations, the
``TimeBasedCanary`` / ``TimeBasedLinear`` / ``AllAtOnce`` routing types, names of 1-100
characters, the reserved ``CodeDeployDefault.`` prefix and the 200-configs quota.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ecsflow.sim.codedeploy.errors import error

ECS_DEFAULT_CONFIG = "CodeDeployDefault.ECSAllAtOnce"
# An ECS deployment group created without a config: AWS-SEMANTICS 5.1 marks the default
# uncertain (the API reference says OneAtATime, which has no meaning for ECS traffic
# shifting). The console and CloudFormation use ECSAllAtOnce; so do we.

_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,100}$")
_RESERVED_PREFIX = "CodeDeployDefault."
CUSTOM_CONFIG_LIMIT = 200  # CodeDeploy quota: custom deployment configurations per account
# A fixed date for the predefined configurations, so output is reproducible.
_PREDEFINED_CREATED = datetime(2016, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DeploymentConfig:
    name: str
    compute_platform: str
    traffic_routing: dict[str, Any] = field(default_factory=dict)
    minimum_healthy_hosts: dict[str, Any] | None = None
    created: datetime = _PREDEFINED_CREATED

    @property
    def config_id(self) -> str:
        digest = hashlib.sha256(self.name.encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "deploymentConfigId": self.config_id,
            "deploymentConfigName": self.name,
            "createTime": self.created,
            "computePlatform": self.compute_platform,
        }
        if self.traffic_routing:
            out["trafficRoutingConfig"] = self.traffic_routing
        if self.minimum_healthy_hosts is not None:
            out["minimumHealthyHosts"] = self.minimum_healthy_hosts
        return out

    def traffic_steps(self) -> list[tuple[float, float]]:
        """(seconds after AllowTraffic starts, percent of production traffic on green)."""
        kind = self.traffic_routing.get("type", "AllAtOnce")
        if kind == "TimeBasedCanary":
            canary = self.traffic_routing["timeBasedCanary"]
            return [(0.0, float(canary["canaryPercentage"])), (canary["canaryInterval"] * 60.0, 100.0)]
        if kind == "TimeBasedLinear":
            linear = self.traffic_routing["timeBasedLinear"]
            step, interval = int(linear["linearPercentage"]), int(linear["linearInterval"]) * 60.0
            steps: list[tuple[float, float]] = []
            weight, offset = step, 0.0
            while weight < 100:
                steps.append((offset, float(weight)))
                weight += step
                offset += interval
            steps.append((offset, 100.0))
            return steps
        return [(0.0, 100.0)]


def _canary(percent: int, minutes: int) -> dict[str, Any]:
    return {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": percent, "canaryInterval": minutes},
    }


def _linear(percent: int, minutes: int) -> dict[str, Any]:
    return {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": percent, "linearInterval": minutes},
    }


def _server(kind: str, value: int) -> DeploymentConfig:
    return DeploymentConfig(
        f"CodeDeployDefault.{kind}", "Server", minimum_healthy_hosts={"type": "HOST_COUNT", "value": value}
    )


PREDEFINED: dict[str, DeploymentConfig] = {
    c.name: c
    for c in (
        DeploymentConfig(ECS_DEFAULT_CONFIG, "ECS", {"type": "AllAtOnce"}),
        DeploymentConfig("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "ECS", _linear(10, 1)),
        DeploymentConfig("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "ECS", _linear(10, 3)),
        DeploymentConfig("CodeDeployDefault.ECSCanary10Percent5Minutes", "ECS", _canary(10, 5)),
        DeploymentConfig("CodeDeployDefault.ECSCanary10Percent15Minutes", "ECS", _canary(10, 15)),
        _server("OneAtATime", 1),
        _server("HalfAtATime", 0),
        _server("AllAtOnce", 0),
    )
}


class ConfigStore:
    """Custom configurations of one account and region."""

    def __init__(self) -> None:
        self.custom: dict[str, DeploymentConfig] = {}

    def get(self, name: str) -> DeploymentConfig:
        if not name:
            raise error("DeploymentConfigNameRequiredException", "Deployment config name is required.")
        found = PREDEFINED.get(name) or self.custom.get(name)
        if found is None:
            raise error(
                "DeploymentConfigDoesNotExistException",
                f"No deployment configuration found for name: {name}",
            )
        return found

    def names(self) -> list[str]:
        return [*PREDEFINED, *sorted(self.custom)]

    def create(
        self,
        name: str,
        compute_platform: str | None,
        traffic_routing: dict[str, Any] | None,
        minimum_healthy_hosts: dict[str, Any] | None,
        now: datetime,
    ) -> DeploymentConfig:
        if not name:
            raise error("DeploymentConfigNameRequiredException", "Deployment config name is required.")
        if not _NAME.match(name) or name.startswith(_RESERVED_PREFIX):
            raise error(
                "InvalidDeploymentConfigNameException",
                f"Deployment config name {name} is invalid: use 1-100 characters of "
                "[A-Za-z0-9+=,.@_-] and not the reserved prefix CodeDeployDefault.",
            )
        if name in self.custom:
            raise error(
                "DeploymentConfigAlreadyExistsException",
                f"A deployment configuration with name {name} already exists.",
            )
        if len(self.custom) >= CUSTOM_CONFIG_LIMIT:
            raise error(
                "DeploymentConfigLimitExceededException",
                f"The limit of {CUSTOM_CONFIG_LIMIT} custom deployment configurations has been reached.",
            )
        platform = compute_platform or "Server"
        if platform not in ("Server", "Lambda", "ECS"):
            raise error("InvalidComputePlatformException", f"Compute platform {platform} is invalid.")
        if platform == "ECS":
            if minimum_healthy_hosts:
                raise error(
                    "InvalidMinimumHealthyHostValueException",
                    "Minimum healthy hosts cannot be specified for the ECS compute platform.",
                )
            routing = validate_traffic_routing(traffic_routing)
            config = DeploymentConfig(name, platform, routing, None, now)
        else:
            config = DeploymentConfig(name, platform, traffic_routing or {}, minimum_healthy_hosts, now)
        self.custom[name] = config
        return config


def validate_traffic_routing(routing: dict[str, Any] | None) -> dict[str, Any]:
    """Return the routing config with only the part its ``type`` names, or raise AWS's error."""
    if not routing or "type" not in routing:
        raise error(
            "InvalidTrafficRoutingConfigurationException",
            "A traffic routing configuration with a type is required for the ECS compute platform.",
        )
    kind = routing["type"]
    if kind == "AllAtOnce":
        return {"type": "AllAtOnce"}
    keys = {"TimeBasedCanary": ("timeBasedCanary", "canaryPercentage", "canaryInterval")}
    keys["TimeBasedLinear"] = ("timeBasedLinear", "linearPercentage", "linearInterval")
    if kind not in keys:
        raise error("InvalidTrafficRoutingConfigurationException", f"Traffic routing type {kind} is invalid.")
    member, percent_key, interval_key = keys[kind]
    body = routing.get(member) or {}
    percent, interval = body.get(percent_key), body.get(interval_key)
    # [assumed] AWS rejects percentages outside 1-99 and intervals under one minute; the
    # exact bounds are not in the API model.
    if not isinstance(percent, int) or not 1 <= percent <= 99:
        raise error(
            "InvalidTrafficRoutingConfigurationException",
            f"{member}.{percent_key} must be an integer from 1 to 99, got {percent!r}.",
        )
    if not isinstance(interval, int) or interval < 1:
        raise error(
            "InvalidTrafficRoutingConfigurationException",
            f"{member}.{interval_key} must be a whole number of minutes (1 or more), got {interval!r}.",
        )
    return {"type": kind, member: {percent_key: percent, interval_key: interval}}
