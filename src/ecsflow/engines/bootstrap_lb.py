"""Load-balancer pieces both blue/green flavours need: a second target group copied from the
first, the production listener, listener rules, and the IAM role ECS or CodeDeploy assumes.

Each function returns plan steps (create / unchanged / adopt) and raises ``InputError``
(exit 2, nothing changed) when a name ecsflow would use is taken by a resource it does
not manage, or when a required resource is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ecsflow.engines.bootstrap_apply import ProvisionPort
from ecsflow.engines.bootstrap_plan import Action, Ref, Step, managed, managed_tags
from ecsflow.errors import InputError

PURPOSE_TAG = "ecsflow:purpose"
TG_NAME_MAX = 32  # ELBv2 target group names: 1-32 alphanumerics and hyphens
ROLE_NAME_MAX = 64
# Target group settings copied to the second group (CreateTargetGroup parameters).
_TG_COPY = (
    "Protocol",
    "ProtocolVersion",
    "Port",
    "VpcId",
    "TargetType",
    "IpAddressType",
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckEnabled",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
)
_ATTRIBUTE_PREFIXES = ("deregistration_delay.", "stickiness.", "load_balancing.", "slow_start.")
NETWORK_PROTOCOLS = frozenset({"TCP", "UDP", "TCP_UDP", "TLS"})


def _taken(kind: str, name: str, fix: str) -> InputError:
    return InputError(
        f"{kind} {name} exists and ecsflow does not manage it (no ecsflow:managed-by tag)",
        hint=f"{fix}; nothing was changed",
    )


def target_group_name(primary: str, suffix: str) -> str:
    base = re.sub(r"[^A-Za-z0-9-]", "-", primary)[: TG_NAME_MAX - len(suffix)].rstrip("-")
    return f"{base}{suffix}"


def second_target_group(
    port: ProvisionPort, primary: Mapping[str, Any], name: str, owner: str, step_id: str
) -> tuple[Step, Any]:
    """The second target group of a blue/green pair, a copy of ``primary``'s settings.
    Returns the step and the value (ARN or Ref) other steps use for it."""
    existing = port.target_group(name)
    if existing is not None:
        if not managed(existing.get("tags")):
            raise _taken("target group", name, "delete it, or pass its name with --target-group-name to use another")
        arn = str(existing["TargetGroupArn"])
        step = Step(
            step_id, "target-group", name, Action.UNCHANGED, (f"copy of {primary['TargetGroupName']}",), existing=arn
        )
        return step, arn
    params: dict[str, Any] = {k: primary[k] for k in _TG_COPY if primary.get(k) is not None}
    params["Name"] = name
    params["Tags"] = managed_tags(owner)
    attributes = {k: v for k, v in (primary.get("Attributes") or {}).items() if k.startswith(_ATTRIBUTE_PREFIXES)}
    if attributes:
        params["Attributes"] = attributes
    settings = f"{primary.get('Protocol')}:{primary.get('Port')}, {primary.get('TargetType')}"
    detail = f"copy of {primary['TargetGroupName']} ({settings})"
    # "_load_balancers" (not sent to AWS): where a listener may forward to it later, for --delete.
    undo = {"TargetGroupArn": Ref(step_id), "_load_balancers": list(primary.get("LoadBalancerArns") or ())}
    step = Step(step_id, "target-group", name, Action.CREATE, (detail,), params=params, undo=undo)
    return step, Ref(step_id)


def forwards_to(action_holder: Mapping[str, Any], group_arn: str) -> bool:
    for action in action_holder.get("DefaultActions") or action_holder.get("Actions") or ():
        if action.get("TargetGroupArn") == group_arn:
            return True
        for tg in (action.get("ForwardConfig") or {}).get("TargetGroups") or ():
            if tg.get("TargetGroupArn") == group_arn:
                return True
    return False


def production_listener(port: ProvisionPort, group: Mapping[str, Any], named: str | None) -> dict[str, Any]:
    """The listener named, or the one of the group's load balancer that forwards to it."""
    if named:
        found = port.listener(named)
        if found is None:
            raise InputError(f"listener {named} does not exist", hint="check the listener ARN; nothing was changed")
        return found
    arn = str(group["TargetGroupArn"])
    for lb in group.get("LoadBalancerArns") or ():
        for listener in port.listeners(str(lb)):
            if forwards_to(listener, arn):
                return listener
    raise InputError(
        f"no listener forwards to target group {group['TargetGroupName']}",
        hint="attach the target group to a listener of its load balancer, or name the listener "
        "(--listener-arn, or load_balancer.listener in ecsflow.yml); nothing was changed",
    )


def listener_rule(
    port: ProvisionPort,
    listener: Mapping[str, Any],
    blue: str,
    green: Any,
    owner: str,
    purpose: str,
) -> tuple[Step | None, Any]:
    """An ALB rule on ``listener`` that forwards everything to the pair (blue 100, green 0), at the
    lowest precedence so the listener's own rules still win. An NLB listener is its own
    "rule" for ECS (AWS-SEMANTICS.md §7.1): no step."""
    arn = str(listener["ListenerArn"])
    if str(listener.get("Protocol")) in NETWORK_PROTOCOLS:
        return None, arn
    step_id = f"rule:{purpose}"
    rules = port.rules(arn)
    for rule in rules:
        tags = rule.get("tags") or {}
        if managed(tags) and tags.get(PURPOSE_TAG) == purpose:
            step = Step(step_id, "rule", f"{purpose} on {_short(arn)}", Action.UNCHANGED, existing=str(rule["RuleArn"]))
            return step, str(rule["RuleArn"])
    priorities = [int(r["Priority"]) for r in rules if str(r.get("Priority", "")).isdigit()]
    priority = max(priorities, default=0) + 1
    params = {
        "ListenerArn": arn,
        "Priority": priority,
        "Conditions": [{"Field": "path-pattern", "Values": ["/*"]}],
        "Actions": [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [{"TargetGroupArn": blue, "Weight": 100}, {"TargetGroupArn": green, "Weight": 0}]
                },
            }
        ],
        "Tags": {**managed_tags(owner), PURPOSE_TAG: purpose},
    }
    details = (f"priority {priority}, path /*, forward to both target groups ({purpose} traffic)",)
    step = Step(
        step_id,
        "rule",
        f"{purpose} on {_short(arn)}",
        Action.CREATE,
        details,
        params=params,
        undo={"RuleArn": Ref(step_id)},
    )
    return step, Ref(step_id)


def role_step(
    port: ProvisionPort,
    *,
    named_arn: str | None,
    default_name: str,
    service_principal: str,
    policy_arn: str,
    owner: str,
    purpose: str,
) -> tuple[Step, Any]:
    """The role named by ARN (adopted, must exist), or ecsflow's own (created or unchanged)."""
    step_id = f"role:{purpose}"
    if named_arn:
        name = named_arn.rsplit("/", 1)[-1]
        found = port.role(name)
        if found is None:
            raise InputError(f"IAM role {named_arn} does not exist", hint="check the role ARN; nothing was changed")
        return Step(step_id, "role", name, Action.ADOPT, (f"named ({purpose})",), existing=named_arn), named_arn
    name = default_name[:ROLE_NAME_MAX]
    found = port.role(name)
    if found is not None:
        if not managed(found.get("tags")):
            raise _taken("IAM role", name, "pass it with --role-arn to use it, or delete it")
        details = () if policy_arn in (found.get("AttachedPolicyArns") or ()) else (f"{policy_arn} is not attached",)
        action = Action.UNCHANGED if not details else Action.DIFFERS
        return Step(step_id, "role", name, action, details, existing=str(found["Arn"])), str(found["Arn"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service_principal}, "Action": "sts:AssumeRole"}],
    }
    params = {
        "RoleName": name,
        "AssumeRolePolicyDocument": trust,
        "Description": f"{purpose} (created by ecsflow bootstrap)",
        "ManagedPolicyArns": [policy_arn],
        "Tags": managed_tags(owner),
    }
    details = (f"trusts {service_principal}; policy {policy_arn.rsplit('/', 1)[-1]}",)
    step = Step(step_id, "role", name, Action.CREATE, details, params=params, undo={"RoleName": name})
    return step, Ref(step_id)


def _short(arn: str) -> str:
    return arn.split(":", 5)[-1].split("/", 1)[-1] if arn.startswith("arn:") else arn
