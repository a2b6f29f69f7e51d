"""Least-privilege IAM policies for what a configuration will do (``ecsflow iam-policy``).

Each *use* (``deploy``, ``bootstrap``, ``pipeline``, ``local-dev``) is a list of
``Permission``s: an IAM action, the kind of resource it is scoped to, and why ecsflow needs
it. ``policy_for`` turns them into a policy document whose resources are the ARNs of the
configured clusters, services, families, repositories, roles, log groups and CodeDeploy groups.

Resource scoping follows AWS's Service Authorization Reference for each action: an action
without resource-level permissions gets ``"*"``, in a statement whose ``Sid`` says so
(``…NoResourceLevel…``). The actions are the API operations ecsflow's commands call (see
``tests/e2e/test_iam_policy_calls.py``, which checks that against the local AWS), plus a few
that only run on failure paths or are checked implicitly by AWS (tag on create, PassRole),
each marked in ``Permission.why``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ecsflow.engines.bootstrap_codedeploy import CODEDEPLOY_POLICY
from ecsflow.engines.bootstrap_lb import target_group_name
from ecsflow.engines.bootstrap_native import INFRASTRUCTURE_POLICY
from ecsflow.synth.targets import Place, ServiceTarget

_MANAGED_POLICY = {"codedeploy": CODEDEPLOY_POLICY, "native": INFRASTRUCTURE_POLICY}
_PASSED_TO = {"codedeploy": "codedeploy.amazonaws.com", "native": "ecs.amazonaws.com"}


class Use(StrEnum):
    DEPLOY = "deploy"
    BOOTSTRAP = "bootstrap"
    PIPELINE = "pipeline"
    LOCAL_DEV = "local-dev"


class Kind(StrEnum):
    """What a permission's resource is, per service target."""

    ANY = "*"
    CLUSTER = "cluster"
    SERVICE = "service"
    SERVICE_DEPLOYMENT = "service-deployment"
    SERVICE_REVISION = "service-revision"
    TASK = "task"
    TASK_DEFINITION = "task-definition"
    LIST_TASKS = "list-tasks"  # "*" with the ecs:cluster condition
    LIST_SERVICES = "list-services"  # "*" with the ecs:cluster condition
    TAG_ON_REGISTER = "tag-on-register"  # task-definition with the ecs:CreateAction condition
    TAG_ON_CREATE = "tag-on-create"  # cluster/service with the ecs:CreateAction condition
    PASS_TASK_ROLES = "pass-task-roles"
    REPOSITORY = "repository"
    LOG_STREAMS = "log-streams"
    LOG_GROUP = "log-group"
    CODEDEPLOY_GROUP = "codedeploy-group"
    CODEDEPLOY_APPLICATION = "codedeploy-application"
    CODEDEPLOY_CONFIG = "codedeploy-config"
    SECOND_TARGET_GROUP = "second-target-group"
    LOAD_BALANCERS = "load-balancers"
    LISTENERS = "listeners"
    RULE_LISTENERS = "rule-listeners"  # where a native blue/green adds its rules
    LISTENER_RULES = "listener-rules"
    BOOTSTRAP_ROLE = "bootstrap-role"
    BOOTSTRAP_ROLE_POLICY = "bootstrap-role-policy"  # with the iam:PolicyARN condition
    PASS_BOOTSTRAP_ROLE = "pass-bootstrap-role"  # with the iam:PassedToService condition


@dataclass(frozen=True)
class Permission:
    action: str
    kind: Kind
    why: str
    implicit: bool = False  # checked by AWS without an API call of that name (tag on create, PassRole)
    failure_only: bool = False  # called only on a failure path


# The statement each kind of resource goes to: Sid, and the condition it carries.
_SIDS: dict[Kind, str] = {
    Kind.ANY: "NoResourceLevelPermissionsSoStar",
    Kind.CLUSTER: "EcsClusters",
    Kind.SERVICE: "EcsServices",
    Kind.SERVICE_DEPLOYMENT: "EcsServiceDeployments",
    Kind.SERVICE_REVISION: "EcsServiceRevisions",
    Kind.TASK: "EcsTasksOfTheClusters",
    Kind.TASK_DEFINITION: "TaskDefinitionFamilies",
    Kind.LIST_TASKS: "ListTasksNeedsStarScopedByClusterCondition",
    Kind.LIST_SERVICES: "ListServicesNeedsStarScopedByClusterCondition",
    Kind.TAG_ON_REGISTER: "TagTaskDefinitionsOnRegisterOnly",
    Kind.TAG_ON_CREATE: "TagClustersAndServicesOnCreateOnly",
    Kind.PASS_TASK_ROLES: "PassTaskAndExecutionRolesToEcsTasksOnly",
    Kind.REPOSITORY: "EcrRepositories",
    Kind.LOG_STREAMS: "ContainerLogStreams",
    Kind.LOG_GROUP: "ContainerLogGroups",
    Kind.CODEDEPLOY_GROUP: "CodeDeployDeploymentGroups",
    Kind.CODEDEPLOY_APPLICATION: "CodeDeployApplications",
    Kind.CODEDEPLOY_CONFIG: "CodeDeployDeploymentConfigs",
    Kind.SECOND_TARGET_GROUP: "SecondTargetGroupOfTheBlueGreenPair",
    Kind.LOAD_BALANCERS: "TestListenersOnTheAccountsLoadBalancers",
    Kind.LISTENERS: "ListenersOfTheAccountsLoadBalancers",
    Kind.RULE_LISTENERS: "RulesOnListenersOfTheAccountsLoadBalancers",
    Kind.LISTENER_RULES: "ListenerRulesOfTheAccountsLoadBalancers",
    Kind.BOOTSTRAP_ROLE: "EcsflowBootstrapRoles",
    Kind.BOOTSTRAP_ROLE_POLICY: "AttachOnlyAwsManagedPolicyOfTheRole",
    Kind.PASS_BOOTSTRAP_ROLE: "PassBootstrapRolesToCodeDeployOrEcsOnly",
}

_ORDER = list(_SIDS)

P = Permission

# What `ecsflow status/diff/revisions/history` read (no mutation).
READ: tuple[Permission, ...] = (
    P("ecs:DescribeServices", Kind.SERVICE, "current revision, deployments, events"),
    P("ecs:DescribeTaskDefinition", Kind.ANY, "read revisions (no resource-level permissions)"),
    P("ecs:ListTaskDefinitions", Kind.ANY, "newest revision of a family (no resource-level permissions)"),
    P("ecs:ListServiceDeployments", Kind.SERVICE, "deployment history (service deployments API)"),
    P("ecs:DescribeServiceDeployments", Kind.SERVICE_DEPLOYMENT, "deployment outcome and rollback reason"),
    P("ecs:DescribeServiceRevisions", Kind.SERVICE_REVISION, "what a deployment rolled back to"),
    P("ecs:ListTasks", Kind.LIST_TASKS, "stopped tasks of a failing deployment", failure_only=True),
    P("ecs:DescribeTasks", Kind.TASK, "why tasks stopped", failure_only=True),
    P("logs:GetLogEvents", Kind.LOG_STREAMS, "last log lines of a failing container", failure_only=True),
    P(
        "elasticloadbalancing:DescribeTargetHealth",
        Kind.ANY,
        "why targets are unhealthy (Describe* of ELB has no resource-level permissions)",
        failure_only=True,
    ),
    P("ecr:DescribeRepositories", Kind.REPOSITORY, "`history`: the ARN of a deployed image's repository"),
    P("ecr:ListTagsForResource", Kind.REPOSITORY, "`history`: the promotion records (repository tags)"),
)

# What `ecsflow deploy/wait/rollback/deregister` add.
DEPLOY: tuple[Permission, ...] = (
    *READ,
    P("ecs:RegisterTaskDefinition", Kind.TASK_DEFINITION, "register the rendered revision in its family"),
    P(
        "ecs:TagResource",
        Kind.TASK_DEFINITION,
        "deploy records: tags given at registration (tag-on-create authorization) and put on a reused revision",
    ),
    P(
        "iam:PassRole",
        Kind.PASS_TASK_ROLES,
        "a task definition naming a task or execution role passes it to ECS",
        implicit=True,
    ),
    P("ecs:UpdateService", Kind.SERVICE, "start the deployment of the exact revision"),
    P("ecs:StopServiceDeployment", Kind.SERVICE_DEPLOYMENT, "`rollback` and stopping a deployment"),
    P(
        "ecs:ContinueServiceDeployment",
        Kind.SERVICE_DEPLOYMENT,
        "`continue` of an ECS-native blue/green, linear or canary deployment held at a PAUSE hook",
    ),
    P("ecs:DeregisterTaskDefinition", Kind.ANY, "`deregister` and revision retention (no resource-level permissions)"),
    P("ecr:BatchGetImage", Kind.REPOSITORY, "pin a tag to its digest"),
    P(
        "elasticloadbalancing:DescribeListeners",
        Kind.ANY,
        "`--test-command`: ECSFLOW_TEST_URL, the test listener's address (no resource-level permissions)",
    ),
    P(
        "elasticloadbalancing:DescribeLoadBalancers",
        Kind.ANY,
        "`--test-command`: ECSFLOW_TEST_URL, the test listener's load balancer (no resource-level permissions)",
    ),
)

CODEDEPLOY: tuple[Permission, ...] = (
    P("codedeploy:GetDeploymentGroup", Kind.CODEDEPLOY_GROUP, "read the group's service, listeners and config"),
    P("codedeploy:GetDeploymentConfig", Kind.CODEDEPLOY_CONFIG, "the traffic-shifting configuration"),
    P("codedeploy:CreateDeployment", Kind.CODEDEPLOY_GROUP, "start a CODE_DEPLOY blue/green deployment"),
    P("codedeploy:GetDeployment", Kind.CODEDEPLOY_GROUP, "follow the deployment"),
    P("codedeploy:ListDeployments", Kind.CODEDEPLOY_GROUP, "find a deployment in progress (wait, rollback)"),
    P("codedeploy:BatchGetDeployments", Kind.CODEDEPLOY_GROUP, "read deployments in progress (wait, rollback)"),
    P("codedeploy:GetDeploymentTarget", Kind.ANY, "task-set progress and hooks (no resource-level permissions)"),
    P("codedeploy:ContinueDeployment", Kind.ANY, "`continue` after a ready wait (no resource-level permissions)"),
    P("codedeploy:StopDeployment", Kind.ANY, "`rollback` of a deployment (no resource-level permissions)"),
)

# When a service's codedeploy: names no application and group, ecsflow finds the group that
# serves the service once (and remembers it): these scans, over every application.
CODEDEPLOY_DISCOVERY: tuple[Permission, ...] = (
    P("codedeploy:ListApplications", Kind.ANY, "find the group serving the service (no resource-level permissions)"),
    P("codedeploy:BatchGetApplications", Kind.CODEDEPLOY_APPLICATION, "find the group serving the service"),
    P("codedeploy:ListDeploymentGroups", Kind.CODEDEPLOY_APPLICATION, "find the group serving the service"),
    P("codedeploy:BatchGetDeploymentGroups", Kind.CODEDEPLOY_GROUP, "find the group serving the service"),
)

BOOTSTRAP: tuple[Permission, ...] = (
    P("ecs:DescribeClusters", Kind.CLUSTER, "adopt an existing cluster"),
    P("ecs:CreateCluster", Kind.CLUSTER, "create the cluster"),
    P("ecs:DeleteCluster", Kind.CLUSTER, "`--delete` of a cluster it created"),
    P("ecs:ListServices", Kind.LIST_SERVICES, "is the cluster empty before `--delete`"),
    P("ecs:DescribeServices", Kind.SERVICE, "adopt an existing service"),
    P("ecs:CreateService", Kind.SERVICE, "create the service"),
    P("ecs:UpdateService", Kind.SERVICE, "scale to zero before `--delete`"),
    P("ecs:DeleteService", Kind.SERVICE, "`--delete` of a service it created"),
    P("ecs:TagResource", Kind.TAG_ON_CREATE, "clusters and services are created with ecsflow's tags", implicit=True),
    P("ecs:RegisterTaskDefinition", Kind.TASK_DEFINITION, "the first revision"),
    P("ecs:TagResource", Kind.TAG_ON_REGISTER, "revisions are registered with tags", implicit=True),
    P("ecs:DescribeTaskDefinition", Kind.ANY, "adopt an existing revision (no resource-level permissions)"),
    P("ecs:DeregisterTaskDefinition", Kind.ANY, "`--delete` of the revision it registered (no resource-level)"),
    P("iam:PassRole", Kind.PASS_TASK_ROLES, "the task and execution roles", implicit=True),
    P("ecr:BatchGetImage", Kind.REPOSITORY, "pin the first revision's tags to digests"),
    P("logs:DescribeLogGroups", Kind.ANY, "adopt existing groups (no resource-level permissions)"),
    P("logs:ListTagsLogGroup", Kind.LOG_GROUP, "was the group created by ecsflow"),
    P("logs:CreateLogGroup", Kind.LOG_GROUP, "the awslogs group of each container"),
    P("logs:TagResource", Kind.LOG_GROUP, "groups are created with ecsflow's tags", implicit=True),
    P("logs:DeleteLogGroup", Kind.LOG_GROUP, "`--delete` of a group it created"),
    P("ec2:DescribeSubnets", Kind.ANY, "check the configured subnets (no resource-level permissions)"),
    P("ec2:DescribeSecurityGroups", Kind.ANY, "check the security groups (no resource-level permissions)"),
)

CODEDEPLOY_BOOTSTRAP: tuple[Permission, ...] = (
    P("codedeploy:GetApplication", Kind.CODEDEPLOY_APPLICATION, "adopt an existing application"),
    P("codedeploy:CreateApplication", Kind.CODEDEPLOY_APPLICATION, "create the application"),
    P("codedeploy:DeleteApplication", Kind.CODEDEPLOY_APPLICATION, "`--delete`"),
    P("codedeploy:ListDeploymentGroups", Kind.CODEDEPLOY_APPLICATION, "is the application empty before `--delete`"),
    P("codedeploy:ListTagsForResource", Kind.CODEDEPLOY_APPLICATION, "was the application created by ecsflow"),
    P("codedeploy:ListTagsForResource", Kind.CODEDEPLOY_GROUP, "was the group created by ecsflow"),
    P("codedeploy:GetDeploymentGroup", Kind.CODEDEPLOY_GROUP, "adopt an existing group"),
    P("codedeploy:CreateDeploymentGroup", Kind.CODEDEPLOY_GROUP, "create the deployment group"),
    P("codedeploy:UpdateDeploymentGroup", Kind.CODEDEPLOY_GROUP, "bring ecsflow's own group in line with the flags"),
    P("codedeploy:DeleteDeploymentGroup", Kind.CODEDEPLOY_GROUP, "`--delete`"),
)

# Behind a load balancer: the target group and listeners are read (ELB Describe* take "*").
LOAD_BALANCER_READ: tuple[Permission, ...] = (
    P("elasticloadbalancing:DescribeTargetGroups", Kind.ANY, "the target group (no resource-level permissions)"),
    P("elasticloadbalancing:DescribeTargetGroupAttributes", Kind.ANY, "copy its settings (no resource-level)"),
    P("elasticloadbalancing:DescribeListeners", Kind.ANY, "the listeners (no resource-level permissions)"),
    P("elasticloadbalancing:DescribeRules", Kind.ANY, "the listener rules (no resource-level permissions)"),
    P("elasticloadbalancing:DescribeTags", Kind.ANY, "was it created by ecsflow (no resource-level permissions)"),
)

# The blue/green pair `bootstrap codedeploy` / `bootstrap native` adds: a second target group
# named after the first, a test listener or listener rules on the load balancer, and a role.
BLUE_GREEN_BOOTSTRAP: tuple[Permission, ...] = (
    P("elasticloadbalancing:CreateTargetGroup", Kind.SECOND_TARGET_GROUP, "the second target group"),
    P("elasticloadbalancing:ModifyTargetGroupAttributes", Kind.SECOND_TARGET_GROUP, "copy the first one's settings"),
    P("elasticloadbalancing:DeleteTargetGroup", Kind.SECOND_TARGET_GROUP, "`--delete`"),
    P("elasticloadbalancing:AddTags", Kind.SECOND_TARGET_GROUP, "created with ecsflow's tags", implicit=True),
    P("elasticloadbalancing:CreateListener", Kind.LOAD_BALANCERS, "the test listener (the load balancer: any)"),
    P("elasticloadbalancing:CreateRule", Kind.RULE_LISTENERS, "listener rules of a native blue/green (any listener)"),
    P("elasticloadbalancing:AddTags", Kind.LISTENERS, "created with ecsflow's tags", implicit=True),
    P("elasticloadbalancing:AddTags", Kind.LISTENER_RULES, "created with ecsflow's tags", implicit=True),
    P("elasticloadbalancing:DeleteListener", Kind.LISTENERS, "`--delete` of the test listener"),
    P("elasticloadbalancing:DeleteRule", Kind.LISTENER_RULES, "`--delete` of the listener rules"),
    P("iam:GetRole", Kind.BOOTSTRAP_ROLE, "adopt ecsflow's role"),
    P("iam:CreateRole", Kind.BOOTSTRAP_ROLE, "the CodeDeploy or ECS infrastructure role"),
    P("iam:TagRole", Kind.BOOTSTRAP_ROLE, "created with ecsflow's tags", implicit=True),
    P("iam:AttachRolePolicy", Kind.BOOTSTRAP_ROLE_POLICY, "only AWS's managed policy for that role"),
    P("iam:DetachRolePolicy", Kind.BOOTSTRAP_ROLE_POLICY, "`--delete`"),
    P("iam:ListAttachedRolePolicies", Kind.BOOTSTRAP_ROLE, "check the role"),
    P("iam:ListRolePolicies", Kind.BOOTSTRAP_ROLE, "`--delete`"),
    P("iam:DeleteRolePolicy", Kind.BOOTSTRAP_ROLE, "`--delete` (inline policies someone added)"),
    P("iam:DeleteRole", Kind.BOOTSTRAP_ROLE, "`--delete`"),
    P("iam:PassRole", Kind.PASS_BOOTSTRAP_ROLE, "give the role to CodeDeploy (group) or ECS (service)", implicit=True),
)

# `ecsflow promote`: retag in ECR without pull or push, record the promotion on the repository.
PROMOTE: tuple[Permission, ...] = (
    P("ecr:BatchGetImage", Kind.REPOSITORY, "read the image manifest to retag"),
    P("ecr:PutImage", Kind.REPOSITORY, "put the new tag on the same manifest"),
    P("ecr:DescribeRepositories", Kind.REPOSITORY, "tag mutability of the repository"),
    P("ecr:TagResource", Kind.REPOSITORY, "write the promotion record (a repository tag)"),
)

# Running ecsflow inside a pipeline (CodeBuild, the CodePipeline invoke handler, any CI):
# deploy and promote, plus pushing the images a buildspec builds and reporting job results.
PIPELINE: tuple[Permission, ...] = (
    *DEPLOY,
    *PROMOTE,
    P("ecr:GetAuthorizationToken", Kind.ANY, "docker login to ECR (no resource-level permissions)", implicit=True),
    P("ecr:BatchCheckLayerAvailability", Kind.REPOSITORY, "docker push", implicit=True),
    P("ecr:InitiateLayerUpload", Kind.REPOSITORY, "docker push", implicit=True),
    P("ecr:UploadLayerPart", Kind.REPOSITORY, "docker push", implicit=True),
    P("ecr:CompleteLayerUpload", Kind.REPOSITORY, "docker push", implicit=True),
    P("codepipeline:PutJobSuccessResult", Kind.ANY, "the invoke handler's job result (no resource-level permissions)"),
    P("codepipeline:PutJobFailureResult", Kind.ANY, "the invoke handler's job result (no resource-level permissions)"),
)

USES: dict[Use, tuple[Permission, ...]] = {
    Use.LOCAL_DEV: READ,
    Use.DEPLOY: DEPLOY,
    Use.BOOTSTRAP: BOOTSTRAP,
    Use.PIPELINE: PIPELINE,
}

# Added when any selected service deploys through CodeDeploy.
CODEDEPLOY_USES: dict[Use, tuple[Permission, ...]] = {
    Use.LOCAL_DEV: tuple(p for p in CODEDEPLOY if p.action.split(":")[1].startswith(("Get", "List", "BatchGet"))),
    Use.DEPLOY: CODEDEPLOY,
    Use.BOOTSTRAP: CODEDEPLOY_BOOTSTRAP,
    Use.PIPELINE: CODEDEPLOY,
}


def permissions_for(use: Use, targets: Sequence[ServiceTarget]) -> tuple[Permission, ...]:
    perms = list(USES[use])
    if use is Use.BOOTSTRAP and any(t.target_group for t in targets):
        perms += LOAD_BALANCER_READ
    if use is Use.BOOTSTRAP and any(t.blue_green for t in targets):
        perms += BLUE_GREEN_BOOTSTRAP
    if any(t.codedeploy for t in targets):
        perms += CODEDEPLOY_USES[use]
        if use is not Use.BOOTSTRAP and any(t.codedeploy and t.codedeploy.discovered for t in targets):
            perms += CODEDEPLOY_DISCOVERY
    return tuple(perms)


def policy_for(
    use: Use, targets: Sequence[ServiceTarget], *, permissions: Sequence[Permission] | None = None
) -> dict[str, Any]:
    """The IAM policy document (``Version`` + ``Statement``) for ``use`` over ``targets``
    (``permissions`` instead of the use's own list, for the roles of a generated pipeline)."""
    grouped: dict[Kind, set[str]] = {}
    for perm in permissions if permissions is not None else permissions_for(use, targets):
        if _resources(perm.kind, targets):
            grouped.setdefault(perm.kind, set()).add(perm.action)
    statements: list[dict[str, Any]] = []
    for kind in _ORDER:
        if kind not in grouped:
            continue
        resources = _resources(kind, targets)
        statement: dict[str, Any] = {
            "Sid": _SIDS[kind],
            "Effect": "Allow",
            "Action": sorted(grouped[kind]),
            "Resource": resources[0] if len(resources) == 1 else resources,
        }
        condition = _condition(kind, targets)
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def _resources(kind: Kind, targets: Sequence[ServiceTarget]) -> list[str]:
    out: set[str] = set()
    for t in targets:
        out.update(_target_resources(kind, t))
    return sorted(out)


def _target_resources(kind: Kind, t: ServiceTarget) -> Iterable[str]:
    p = t.place
    cs = f"{t.cluster}/{t.service}"
    if kind in (Kind.ANY, Kind.LIST_TASKS, Kind.LIST_SERVICES):
        return ["*"]
    if kind is Kind.CLUSTER:
        return [t.cluster_arn]
    if kind is Kind.SERVICE:
        return [t.service_arn]
    # DescribeServiceDeployments/-Revisions require *both* the service and the deployment
    # (revision) resource types, so their statements name both; the service ARN grants
    # nothing more to the other actions there, which need the deployment type.
    if kind is Kind.SERVICE_DEPLOYMENT:
        return [t.service_arn, p.arn("ecs", f"service-deployment/{cs}/*")]
    if kind is Kind.SERVICE_REVISION:
        return [t.service_arn, p.arn("ecs", f"service-revision/{cs}/*")]
    if kind is Kind.TASK:
        return [p.arn("ecs", f"task/{t.cluster}/*")]
    if kind in (Kind.TASK_DEFINITION, Kind.TAG_ON_REGISTER):
        return [p.arn("ecs", f"task-definition/{t.family}:*")]
    if kind is Kind.TAG_ON_CREATE:
        return [t.cluster_arn, t.service_arn]
    if kind is Kind.PASS_TASK_ROLES:
        return list(t.roles)
    if kind is Kind.REPOSITORY:
        return [r.arn for r in t.repositories]
    if kind is Kind.LOG_STREAMS:
        return [g.place.arn("logs", f"log-group:{g.name}:log-stream:*") for g in t.log_groups]
    if kind is Kind.LOG_GROUP:
        return [g.place.arn("logs", f"log-group:{g.name}") for g in t.log_groups] + [
            g.place.arn("logs", f"log-group:{g.name}:*") for g in t.log_groups
        ]
    if kind in (
        Kind.SECOND_TARGET_GROUP,
        Kind.LOAD_BALANCERS,
        Kind.LISTENERS,
        Kind.RULE_LISTENERS,
        Kind.LISTENER_RULES,
    ):
        return _load_balancer_resources(kind, t)
    if kind in (Kind.BOOTSTRAP_ROLE, Kind.BOOTSTRAP_ROLE_POLICY, Kind.PASS_BOOTSTRAP_ROLE):
        role = _bootstrap_role(t)
        return [f"arn:{p.partition}:iam::{p.account}:role/{role}"] if role else []
    cd = t.codedeploy
    if cd is None:
        return []
    if kind is Kind.CODEDEPLOY_GROUP:
        return [p.arn("codedeploy", f"deploymentgroup:{cd.application}/{cd.deployment_group}")]
    if kind is Kind.CODEDEPLOY_APPLICATION:
        return [p.arn("codedeploy", f"application:{cd.application}")]
    if kind is Kind.CODEDEPLOY_CONFIG:
        return [p.arn("codedeploy", f"deploymentconfig:{cd.deployment_config or '*'}")]
    raise AssertionError(kind)  # pragma: no cover


def _load_balancer_resources(kind: Kind, t: ServiceTarget) -> list[str]:
    if not t.blue_green or not t.target_group:
        return []
    elb = t.place.arn("elasticloadbalancing", "")
    if kind is Kind.SECOND_TARGET_GROUP:
        # bootstrap names the second group after the first (engines/bootstrap_lb.target_group_name).
        suffix = "-green" if t.blue_green == "codedeploy" else "-alt"
        return [f"{elb}targetgroup/{target_group_name(t.target_group, suffix)}/*"]
    # The load balancer is the target group's, known only in AWS: any of the account's ALBs.
    # CodeDeploy's pair gets a test listener; a native pair gets listener rules.
    if kind is Kind.LOAD_BALANCERS and t.blue_green == "codedeploy":
        return [f"{elb}loadbalancer/app/*"]
    if kind is Kind.LISTENERS and t.blue_green == "codedeploy":
        return [f"{elb}listener/app/*"]
    if kind is Kind.RULE_LISTENERS and t.blue_green == "native":
        return [f"{elb}listener/app/*"]
    if kind is Kind.LISTENER_RULES and t.blue_green == "native":
        return [f"{elb}listener-rule/app/*"]
    return []


def _bootstrap_role(t: ServiceTarget) -> str | None:
    if t.blue_green == "codedeploy":
        return f"ecsflow-{t.cluster}-{t.service}-codedeploy"
    if t.blue_green == "native":
        return f"ecsflow-{t.cluster}-{t.service}-ecs-lb"
    return None


def _condition(kind: Kind, targets: Sequence[ServiceTarget]) -> dict[str, Any] | None:
    if kind is Kind.BOOTSTRAP_ROLE_POLICY:
        policies = sorted({_MANAGED_POLICY[t.blue_green] for t in targets if t.blue_green})
        return {"ArnEquals": {"iam:PolicyARN": policies[0] if len(policies) == 1 else policies}}
    if kind is Kind.PASS_BOOTSTRAP_ROLE:
        services = sorted({_PASSED_TO[t.blue_green] for t in targets if t.blue_green})
        return {"StringEquals": {"iam:PassedToService": services[0] if len(services) == 1 else services}}
    if kind in (Kind.LIST_TASKS, Kind.LIST_SERVICES):
        clusters = sorted({t.cluster_arn for t in targets})
        return {"ArnEquals": {"ecs:cluster": clusters[0] if len(clusters) == 1 else clusters}}
    if kind is Kind.TAG_ON_REGISTER:
        return {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}
    if kind is Kind.TAG_ON_CREATE:
        return {"StringEquals": {"ecs:CreateAction": ["CreateCluster", "CreateService"]}}
    if kind is Kind.PASS_TASK_ROLES:
        return {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    return None


def with_build_reads(policy: dict[str, Any], parameters: Iterable[str], secrets: Iterable[str]) -> dict[str, Any]:
    """``policy`` plus read access to the Parameter Store names and secrets the buildspecs use."""
    statements = list(policy["Statement"])
    if params := sorted(parameters):
        statements.append(
            {"Sid": "BuildspecParameterStore", "Effect": "Allow", "Action": ["ssm:GetParameters"],
             "Resource": params[0] if len(params) == 1 else params}
        )  # fmt: skip
    if found := sorted(secrets):
        statements.append(
            {"Sid": "BuildspecSecretsManager", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": found[0] if len(found) == 1 else found}
        )  # fmt: skip
    return {**policy, "Statement": statements}


def placeholders(policy: dict[str, Any]) -> list[str]:
    """The ``${AWS::…}`` placeholders left in ``policy`` (to fill in, or use with ``Fn::Sub``)."""
    import json

    text = json.dumps(policy)
    return sorted({name for name in ("${AWS::Region}", "${AWS::AccountId}") if name in text})


__all__ = ["DEPLOY", "PROMOTE", "Kind", "Permission", "Place", "Use", "permissions_for", "placeholders", "policy_for"]
