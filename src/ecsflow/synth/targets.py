"""What a configuration touches on AWS: clusters, services, families, repositories, roles, log groups.

``collect_targets`` reads ``ecsflow.yml`` (already parsed) and each service's task definition
template, and returns the names the IAM policies and the CloudFormation template are scoped
to. Nothing here talks to AWS.

Region and account: a cluster given as an ARN carries both; otherwise the region is the
configuration's (``defaults.region`` / the environment's / ``--region``) and the account the
one given (``--account``). Whatever is not known stays a CloudFormation-style placeholder,
``${AWS::Region}`` / ``${AWS::AccountId}``, so the document can be pasted into a template's
``Fn::Sub`` or filled in by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ecsflow.artifacts.imageref import ImageRef
from ecsflow.artifacts.taskdef import TaskDefinitionInput
from ecsflow.config import ProjectConfig, ServiceConfig
from ecsflow.errors import ArtifactError, ConfigError, Problem, problems_error
from ecsflow.render.placeholders import interpolate

REGION_PLACEHOLDER = "${AWS::Region}"
ACCOUNT_PLACEHOLDER = "${AWS::AccountId}"
_ACCOUNT = re.compile(r"^\d{12}$")
_ARN = re.compile(r"^arn:[a-z-]+:[a-z0-9-]+:(?P<region>[a-z0-9-]*):(?P<account>\d*):(?P<rest>.+)$")
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,512}$")

TemplateReader = Callable[[ServiceConfig], TaskDefinitionInput]


def partition_of(region: str) -> str:
    """The ARN partition of ``region`` (``aws`` for a placeholder)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True, order=True)
class Place:
    """Where a resource lives: region and account (either may be a placeholder)."""

    region: str
    account: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account}:{resource}"


@dataclass(frozen=True, order=True)
class Repository:
    name: str
    place: Place

    @property
    def arn(self) -> str:
        return self.place.arn("ecr", f"repository/{self.name}")


@dataclass(frozen=True, order=True)
class LogGroup:
    name: str
    place: Place


@dataclass(frozen=True)
class CodeDeployTarget:
    application: str
    deployment_group: str
    deployment_config: str | None = None
    appspec: str | None = None  # AppSpec template file (relative to the config's folder)

    @property
    def discovered(self) -> bool:
        """The group is found from the service at deploy time (not named in the configuration)."""
        return "*" in (self.application, self.deployment_group)


@dataclass(frozen=True)
class ServiceTarget:
    """One service of ``ecsflow.yml`` as the policies and templates see it."""

    key: str
    cluster: str  # name
    service: str
    family: str
    place: Place
    repositories: tuple[Repository, ...] = ()
    task_role: str | None = None  # ARN
    execution_role: str | None = None  # ARN
    log_groups: tuple[LogGroup, ...] = ()
    codedeploy: CodeDeployTarget | None = None
    containers: tuple[str, ...] = ()
    # What `ecsflow bootstrap` sets up behind a load balancer (services.<key>.bootstrap).
    target_group: str | None = None  # name of the production target group
    blue_green: str | None = None  # "codedeploy" | "native" when bootstrap makes a blue/green pair

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(r for r in (self.task_role, self.execution_role) if r)

    @property
    def cluster_arn(self) -> str:
        return self.place.arn("ecs", f"cluster/{self.cluster}")

    @property
    def service_arn(self) -> str:
        return self.place.arn("ecs", f"service/{self.cluster}/{self.service}")


@dataclass(frozen=True)
class Scope:
    """Defaults for what the configuration does not say."""

    region: str | None = None
    account: str | None = None
    environment: Mapping[str, str] | None = None  # values for ${VAR} in templates (process env)

    def place(self, config: ProjectConfig) -> Place:
        return Place(self.region or config.defaults.region or REGION_PLACEHOLDER, self.account or ACCOUNT_PLACEHOLDER)


def check_account(account: str | None) -> None:
    if account is not None and not _ACCOUNT.match(account):
        raise ConfigError(
            f"--account {account!r} is not an AWS account id",
            hint="give the 12-digit account id, or leave --account out for ${AWS::AccountId} placeholders",
        )


def collect_targets(
    config: ProjectConfig, keys: list[str], read_template: TemplateReader, scope: Scope
) -> tuple[ServiceTarget, ...]:
    """The targets of ``keys`` (every service when empty); raises ``ConfigError`` listing every problem."""
    problems: list[Problem] = []
    unknown = [k for k in keys if k not in config.services]
    for key in unknown:
        known = ", ".join(sorted(config.services)) or "none"
        problems.append(Problem(f"no such service (known: {known})", f"services.{key}", config.path))
    if unknown:
        raise problems_error(ConfigError, config.path, problems, hint="name services defined under `services:`")
    out: list[ServiceTarget] = []
    for key in keys or sorted(config.services):
        target = _target(config, config.services[key], read_template, scope, problems)
        if target is not None:
            out.append(target)
    if not out and not problems:
        problems.append(Problem("no services defined", "services", config.path))
    if problems:
        raise problems_error(
            ConfigError, config.path, problems, hint="fix the listed keys or templates (reference: docs/iam.md)"
        )
    return tuple(out)


def _target(
    config: ProjectConfig, svc: ServiceConfig, read_template: TemplateReader, scope: Scope, problems: list[Problem]
) -> ServiceTarget | None:
    where = f"services.{svc.key}"
    place = scope.place(config)
    cluster = svc.cluster
    parsed = _ARN.match(cluster)
    if parsed:
        # A cluster ARN names its own region and account (arn:aws:ecs:R:A:cluster/NAME).
        place = Place(parsed["region"] or place.region, parsed["account"] or place.account)
        cluster = parsed["rest"].split("/", 1)[-1]
    request: Mapping[str, Any] = {}
    if svc.task_definition:
        try:
            template = read_template(svc)
        except (ArtifactError, ConfigError) as exc:
            problems.extend(exc.problems or [Problem(str(exc), f"{where}.task_definition", config.path)])
            return None
        environment = {**(scope.environment or {}), **svc.variables}
        found: list[Problem] = []
        request = interpolate(template.request, environment, found)
        problems.extend(Problem(p.message, p.path, template.file) for p in found)
    family = svc.family or str(request.get("family") or "")
    if not family:
        why = "the task definition family is unknown: add `family:` or `task_definition:`"
        problems.append(Problem(why, where, config.path))
        return None
    return ServiceTarget(
        key=svc.key,
        cluster=cluster,
        service=svc.service,
        family=family,
        place=place,
        repositories=_repositories(svc, request, place),
        task_role=_role(request.get("taskRoleArn"), place),
        execution_role=_role(request.get("executionRoleArn"), place),
        log_groups=_log_groups(request, place),
        codedeploy=_codedeploy(svc, cluster),
        containers=tuple(str(c.get("name")) for c in request.get("containerDefinitions") or ()),
        **_bootstrap(svc),
    )


def _bootstrap(svc: ServiceConfig) -> dict[str, str | None]:
    boot = svc.bootstrap
    lb = boot.load_balancer if boot else None
    if boot is None or lb is None:
        return {}
    kind = "codedeploy" if boot.controller == "CODE_DEPLOY" else None
    kind = "native" if boot.strategy.upper() in ("BLUE_GREEN", "LINEAR", "CANARY") else kind
    # A target group ARN ends in targetgroup/NAME/ID.
    name = lb.target_group.split("targetgroup/", 1)[1].split("/")[0] if "targetgroup/" in lb.target_group else None
    return {"target_group": name or lb.target_group, "blue_green": kind}


def _repositories(svc: ServiceConfig, request: Mapping[str, Any], place: Place) -> tuple[Repository, ...]:
    """ECR repositories of ``images:`` and of the template's images (other registries need no IAM)."""
    texts = list(svc.images.values())
    texts += [str(c.get("image") or "") for c in request.get("containerDefinitions") or ()]
    found: set[Repository] = set()
    for text in texts:
        try:
            ref = ImageRef.parse(text)
        except ArtifactError:
            continue  # placeholders such as <IMAGE1_NAME>: the images: entry names the repository
        if ref.is_ecr and ref.region and ref.account:
            found.add(Repository(ref.repository, Place(ref.region, ref.account)))
    return tuple(sorted(found))


def _role(value: object, place: Place) -> str | None:
    """A role ARN; ECS also takes a bare role name, which lives in the service's account."""
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("arn:"):
        return value
    if _ROLE_NAME.match(value):
        return f"arn:{place.partition}:iam::{place.account}:role/{value}"
    return None


def _log_groups(request: Mapping[str, Any], place: Place) -> tuple[LogGroup, ...]:
    found: set[LogGroup] = set()
    for c in request.get("containerDefinitions") or ():
        config = c.get("logConfiguration") or {}
        options = config.get("options") or {}
        group = options.get("awslogs-group")
        if config.get("logDriver") == "awslogs" and isinstance(group, str) and group:
            region = options.get("awslogs-region")
            found.add(LogGroup(group, Place(str(region) if region else place.region, place.account)))
    return tuple(sorted(found))


def _codedeploy(svc: ServiceConfig, cluster: str) -> CodeDeployTarget | None:
    """The service's ``codedeploy:`` settings. Without application and group (ecsflow discovers
    them from the service at deploy time) the policy names every group of the account. A service
    bootstrapped with the CODE_DEPLOY controller gets the names `bootstrap codedeploy` gives."""
    settings = svc.codedeploy
    if settings is None and svc.bootstrap and svc.bootstrap.controller == "CODE_DEPLOY":
        return CodeDeployTarget(f"AppECS-{cluster}-{svc.service}", f"DgpECS-{cluster}-{svc.service}")
    if settings is None:
        return None
    return CodeDeployTarget(
        settings.application or "*", settings.deployment_group or "*", settings.deployment_config, settings.appspec
    )
