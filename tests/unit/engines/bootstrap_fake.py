"""An in-memory ``ProvisionPort`` for the bootstrap planner tests: resources in dicts,
every mutation logged, optional failure of one operation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecsflow.errors import AwsError
from ecsflow.ports import RegisteredTaskDefinition

ACCOUNT = "arn:aws:{svc}:us-east-1:123456789012:{rest}"


def arn(svc: str, rest: str) -> str:
    return ACCOUNT.format(svc=svc, rest=rest)


class FakeProvision:
    def __init__(self) -> None:
        self.clusters: dict[str, dict[str, Any]] = {}
        self.services: dict[tuple[str, str], dict[str, Any]] = {}
        self.task_definitions: list[RegisteredTaskDefinition] = []
        self.log_groups: dict[str, dict[str, Any]] = {}
        self.subnets: set[str] = {"subnet-a", "subnet-b"}
        self.security_groups: set[str] = {"sg-1"}
        self.target_groups: dict[str, dict[str, Any]] = {}
        self.listeners_: dict[str, dict[str, Any]] = {}
        self.rules_: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.applications: dict[str, dict[str, Any]] = {}
        self.groups: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail_on: tuple[str, str] | None = None  # (verb, kind)

    # --- seeding ----------------------------------------------------------------------
    def add_alb(self, *, protocol: str = "HTTP", target_type: str = "ip") -> str:
        lb = arn("elasticloadbalancing", "loadbalancer/app/web/1")
        tg = arn("elasticloadbalancing", "targetgroup/web-tg/1")
        self.target_groups[tg] = {
            "TargetGroupArn": tg,
            "TargetGroupName": "web-tg",
            "Protocol": protocol,
            "Port": 8080,
            "VpcId": "vpc-1",
            "TargetType": target_type,
            "LoadBalancerArns": [lb],
            "Attributes": {"deregistration_delay.timeout_seconds": "30", "unrelated.key": "x"},
            "tags": {},
        }
        listener = arn("elasticloadbalancing", "listener/app/web/1/80")
        self.listeners_[listener] = {
            "ListenerArn": listener,
            "LoadBalancerArn": lb,
            "Port": 80,
            "Protocol": protocol if protocol != "HTTP" else "HTTP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}],
            "tags": {},
        }
        self.rules_[listener + "/default"] = {
            "RuleArn": listener + "/default",
            "ListenerArn": listener,
            "Priority": "default",
            "IsDefault": True,
            "tags": {},
        }
        return tg

    def add_service(self, cluster: str, name: str, **fields: Any) -> dict[str, Any]:
        svc = {
            "serviceName": name,
            "serviceArn": arn("ecs", f"service/{cluster}/{name}"),
            "status": "ACTIVE",
            "taskDefinition": arn("ecs", "task-definition/web:1"),
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": {},
            "loadBalancers": [],
            "tags": {},
            **fields,
        }
        self.services[(cluster, name)] = svc
        return svc

    # --- reads ------------------------------------------------------------------------
    def describe_cluster(self, name: str) -> dict[str, Any] | None:
        return next((c for k, c in self.clusters.items() if name in (k, c["clusterArn"])), None)

    def list_services(self, cluster: str) -> list[str]:
        return [s["serviceArn"] for (c, _), s in self.services.items() if c == cluster and s["status"] != "INACTIVE"]

    def describe_service(self, cluster: str, name: str) -> dict[str, Any] | None:
        return self.services.get((cluster, name))

    def newest_task_definition(self, family: str) -> RegisteredTaskDefinition | None:
        found = [t for t in self.task_definitions if t.family == family]
        return found[-1] if found else None

    def task_definition_tags(self, task_arn: str) -> dict[str, str] | None:
        found = next((t for t in self.task_definitions if t.arn == task_arn and t.status == "ACTIVE"), None)
        return dict(found.tags) if found else None

    def log_group(self, name: str, region: str | None) -> dict[str, Any] | None:
        return self.log_groups.get(name)

    def subnet_vpcs(self, ids: Sequence[str]) -> dict[str, str]:
        return {i: "vpc-1" for i in ids if i in self.subnets}

    def missing_security_groups(self, ids: Sequence[str]) -> list[str]:
        return [i for i in ids if i not in self.security_groups]

    def target_group(self, ref: str) -> dict[str, Any] | None:
        return next((g for a, g in self.target_groups.items() if ref in (a, g["TargetGroupName"])), None)

    def listeners(self, load_balancer_arn: str) -> list[dict[str, Any]]:
        return [x for x in self.listeners_.values() if x["LoadBalancerArn"] == load_balancer_arn]

    def listener(self, listener_arn: str) -> dict[str, Any] | None:
        return self.listeners_.get(listener_arn)

    def rules(self, listener_arn: str) -> list[dict[str, Any]]:
        return [r for r in self.rules_.values() if r["ListenerArn"] == listener_arn]

    def rule(self, rule_arn: str) -> dict[str, Any] | None:
        return self.rules_.get(rule_arn)

    def role(self, name: str) -> dict[str, Any] | None:
        return self.roles.get(name)

    def application(self, name: str) -> dict[str, Any] | None:
        return self.applications.get(name)

    def deployment_group(self, application: str, name: str) -> dict[str, Any] | None:
        return self.groups.get((application, name))

    def deployment_groups(self, application: str) -> list[str]:
        return [g for a, g in self.groups if a == application]

    # --- mutations --------------------------------------------------------------------
    def _check(self, verb: str, kind: str) -> None:
        self.calls.append((verb, kind))
        if self.fail_on == (verb, kind):
            raise AwsError(f"{kind}: refused", operation=f"fake:{verb}", code="InvalidParameterException")

    def create(self, kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
        self._check("create", kind)
        p = dict(params)
        if kind == "cluster":
            self.clusters[p["clusterName"]] = {"clusterArn": arn("ecs", f"cluster/{p['clusterName']}"), **p}
            return {"id": arn("ecs", f"cluster/{p['clusterName']}")}
        if kind == "log-group":
            self.log_groups[p["logGroupName"]] = p
            return {"id": p["logGroupName"]}
        if kind == "task-definition":
            body = p["body"]
            n = len([t for t in self.task_definitions if t.family == body["family"]]) + 1
            td_arn = arn("ecs", f"task-definition/{body['family']}:{n}")
            td = RegisteredTaskDefinition(td_arn, body["family"], n, "ACTIVE", body, p["tags"])
            self.task_definitions.append(td)
            return {"id": td_arn}
        if kind == "service":
            svc = self.add_service(p["cluster"], p["serviceName"], **{k: v for k, v in p.items() if k != "cluster"})
            return {"id": svc["serviceArn"]}
        if kind == "target-group":
            tg = arn("elasticloadbalancing", f"targetgroup/{p['Name']}/2")
            self.target_groups[tg] = {
                "TargetGroupArn": tg,
                "TargetGroupName": p["Name"],
                "tags": p["Tags"],
                "LoadBalancerArns": [],
                **p,
            }
            return {"id": tg, "name": p["Name"]}
        if kind == "listener":
            la = arn("elasticloadbalancing", f"listener/app/web/1/{p['Port']}")
            self.listeners_[la] = {"ListenerArn": la, "tags": p["Tags"], **p}
            return {"id": la}
        if kind == "rule":
            ra = p["ListenerArn"] + f"/rule-{p['Priority']}"
            self.rules_[ra] = {"RuleArn": ra, "tags": p["Tags"], **p}
            return {"id": ra}
        if kind == "role":
            ra = arn("iam", f"role/{p['RoleName']}").replace("us-east-1:", "")
            self.roles[p["RoleName"]] = {"Arn": ra, "tags": p["Tags"], "AttachedPolicyArns": p["ManagedPolicyArns"]}
            return {"id": ra}
        if kind == "application":
            self.applications[p["applicationName"]] = {"computePlatform": "ECS", "tags": p["tags"]}
            return {"id": p["applicationName"]}
        if kind == "deployment-group":
            self.groups[(p["applicationName"], p["deploymentGroupName"])] = p
            return {"id": p["deploymentGroupName"]}
        raise AssertionError(kind)

    def update(self, kind: str, params: Mapping[str, Any]) -> None:
        self._check("update", kind)
        if kind == "deployment-group":
            group = self.groups[(params["applicationName"], params["currentDeploymentGroupName"])]
            group.update({k: v for k, v in params.items() if k != "currentDeploymentGroupName"})
            return
        svc = self.services[(params["cluster"], params["service"])]
        svc.update({k: v for k, v in params.items() if k not in ("cluster", "service")})

    def delete(self, kind: str, params: Mapping[str, Any]) -> None:
        self._check("delete", kind)
        if kind == "service":
            self.services[(params["cluster"], params["service"])]["status"] = "INACTIVE"
        elif kind == "cluster":
            self.clusters = {k: v for k, v in self.clusters.items() if v["clusterArn"] != params["cluster"]}
        elif kind == "target-group":
            del self.target_groups[params["TargetGroupArn"]]
        elif kind == "rule":
            del self.rules_[params["RuleArn"]]
        elif kind == "listener":
            del self.listeners_[params["ListenerArn"]]
        elif kind == "role":
            del self.roles[params["RoleName"]]
        elif kind == "log-group":
            del self.log_groups[params["logGroupName"]]
        elif kind == "task-definition":
            self.task_definitions = [
                RegisteredTaskDefinition(t.arn, t.family, t.revision, "INACTIVE", t.body, t.tags)
                if t.arn == params["taskDefinition"]
                else t
                for t in self.task_definitions
            ]
        elif kind == "application":
            del self.applications[params["applicationName"]]
        elif kind == "deployment-group":
            del self.groups[(params["applicationName"], params["deploymentGroupName"])]
