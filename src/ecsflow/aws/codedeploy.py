"""CodeDeploy adapter: implements ``ecsflow.ports_codedeploy.CodeDeployPort`` with boto3.

Every call goes through ``AwsClients`` (botocore retry modes, credential refresh on
``ExpiredToken``, errors translated once by ``aws/errors.py``); listings use botocore's
paginators. CodeDeploy names missing things ``…DoesNotExistException``; those become
``ResourceNotFound`` here so engines can tell "gone" from "refused".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from ecsflow.aws.ecs_parse import epoch
from ecsflow.aws.session import AwsClients
from ecsflow.errors import AwsError, ResourceNotFound
from ecsflow.ports_codedeploy import (
    CodeDeployDeployment,
    DeploymentGroup,
    EcsTarget,
    LifecycleEvent,
    TaskSetInfo,
    TrafficRouting,
)

BATCH_APPLICATIONS = 100  # BatchGetApplications: at most 100 names
BATCH_GROUPS = 100  # BatchGetDeploymentGroups: at most 100 names
BATCH_DEPLOYMENTS = 25  # BatchGetDeployments: at most 25 ids
_NOT_STARTED = "DeploymentNotStartedException"


class CodeDeployAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return self._aws.call("codedeploy", method, **kwargs)
        except AwsError as exc:
            if exc.code and exc.code.endswith("DoesNotExistException") and not isinstance(exc, ResourceNotFound):
                raise ResourceNotFound(exc.message, operation=exc.operation, code=exc.code, hint=exc.hint) from exc
            raise

    def _pages(self, method: str, key: str, **kwargs: Any) -> Iterator[str]:
        for page in self._aws.paginate("codedeploy", method, **kwargs):
            yield from (str(v) for v in page.get(key) or ())

    # --- deployment groups -------------------------------------------------------------
    def find_deployment_group(self, cluster: str, service: str) -> DeploymentGroup | None:
        # ecspresso's approach, done once and remembered by the caller (ANCHORS §1.6, idea 7):
        # ECS applications only, groups described 100 at a time.
        apps = list(self._pages("list_applications", "applications"))
        for i in range(0, len(apps), BATCH_APPLICATIONS):
            infos = self._call("batch_get_applications", applicationNames=apps[i : i + BATCH_APPLICATIONS])
            for app in infos.get("applicationsInfo") or ():
                if app.get("computePlatform") != "ECS":
                    continue
                name = str(app["applicationName"])
                groups = list(self._pages("list_deployment_groups", "deploymentGroups", applicationName=name))
                for j in range(0, len(groups), BATCH_GROUPS):
                    found = self._call(
                        "batch_get_deployment_groups",
                        applicationName=name,
                        deploymentGroupNames=groups[j : j + BATCH_GROUPS],
                    )
                    for raw in found.get("deploymentGroupsInfo") or ():
                        group = deployment_group(raw)
                        if group.serves(cluster, service):
                            return group
        return None

    def get_deployment_group(self, application: str, name: str) -> DeploymentGroup:
        raw = self._call("get_deployment_group", applicationName=application, deploymentGroupName=name)
        return deployment_group(raw["deploymentGroupInfo"])

    def get_deployment_config(self, name: str) -> TrafficRouting:
        raw = self._call("get_deployment_config", deploymentConfigName=name)["deploymentConfigInfo"]
        return traffic_routing(raw)

    # --- deployments -------------------------------------------------------------------
    def create_deployment(
        self,
        application: str,
        group: str,
        appspec: str,
        *,
        deployment_config: str | None = None,
        description: str | None = None,
    ) -> str:
        kwargs: dict[str, Any] = {
            "applicationName": application,
            "deploymentGroupName": group,
            "revision": {
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": appspec, "sha256": hashlib.sha256(appspec.encode()).hexdigest()},
            },
        }
        if deployment_config:
            kwargs["deploymentConfigName"] = deployment_config
        if description:
            kwargs["description"] = description[:1000]
        return str(self._call("create_deployment", **kwargs)["deploymentId"])

    def get_deployment(self, deployment_id: str) -> CodeDeployDeployment:
        return deployment(self._call("get_deployment", deploymentId=deployment_id)["deploymentInfo"])

    def get_target(self, deployment_id: str, target_id: str) -> EcsTarget | None:
        try:
            raw = self._call("get_deployment_target", deploymentId=deployment_id, targetId=target_id)
        except AwsError as exc:
            if exc.code == _NOT_STARTED:
                return None
            raise
        ecs = (raw.get("deploymentTarget") or {}).get("ecsTarget")
        return ecs_target(ecs) if ecs else None

    def succeeded_deployments(self, application: str, group: str, *, limit: int = 10) -> list[CodeDeployDeployment]:
        ids = list(
            self._pages("list_deployments", "deployments", applicationName=application, deploymentGroupName=group)
        )
        found: list[CodeDeployDeployment] = []
        for i in range(0, len(ids), BATCH_DEPLOYMENTS):
            raw = self._call("batch_get_deployments", deploymentIds=ids[i : i + BATCH_DEPLOYMENTS])
            found += [deployment(d) for d in raw.get("deploymentsInfo") or ()]
        good = [d for d in found if d.status == "Succeeded"]
        good.sort(key=lambda d: d.created_at, reverse=True)
        return good[:limit]

    def continue_deployment(self, deployment_id: str, wait_type: str) -> None:
        self._call("continue_deployment", deploymentId=deployment_id, deploymentWaitType=wait_type)

    def stop_deployment(self, deployment_id: str, *, auto_rollback: bool) -> str:
        raw = self._call("stop_deployment", deploymentId=deployment_id, autoRollbackEnabled=auto_rollback)
        return str(raw.get("status") or "")

    def listener_url(self, listener_arn: str) -> str | None:
        # For a test command (ECSFLOW_TEST_URL): DescribeListeners, then DescribeLoadBalancers.
        try:
            listeners = self._aws.call("elbv2", "describe_listeners", ListenerArns=[listener_arn]).get("Listeners")
            if not listeners:
                return None
            listener = listeners[0]
            balancers = self._aws.call(
                "elbv2", "describe_load_balancers", LoadBalancerArns=[listener["LoadBalancerArn"]]
            ).get("LoadBalancers")
        except AwsError:
            return None  # only a convenience for the test command: never fail a deploy for it
        if not balancers or not balancers[0].get("DNSName"):
            return None
        scheme = "https" if listener.get("Protocol") in ("HTTPS", "TLS") else "http"
        return f"{scheme}://{balancers[0]['DNSName']}:{listener.get('Port')}"

    def describe_service(self, cluster: str, service: str) -> Mapping[str, Any] | None:
        raw = self._aws.call("ecs", "describe_services", cluster=cluster, services=[service])
        found = [s for s in raw.get("services") or () if s.get("status") != "INACTIVE"]
        return dict(found[0]) if found else None


# --- parsing (camelCase answers -> typed values) -----------------------------------------


def deployment_group(raw: Mapping[str, Any]) -> DeploymentGroup:
    blue_green = raw.get("blueGreenDeploymentConfiguration") or {}
    ready = blue_green.get("deploymentReadyOption") or {}
    terminate = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    rollback = raw.get("autoRollbackConfiguration") or {}
    alarms = raw.get("alarmConfiguration") or {}
    pairs = (raw.get("loadBalancerInfo") or {}).get("targetGroupPairInfoList") or [{}]
    last = raw.get("lastAttemptedDeployment") or {}
    test_listeners = list((pairs[0].get("testTrafficRoute") or {}).get("listenerArns") or ())
    return DeploymentGroup(
        application=str(raw.get("applicationName", "")),
        name=str(raw.get("deploymentGroupName", "")),
        services=tuple(
            (str(s.get("clusterName", "")), str(s.get("serviceName", ""))) for s in raw.get("ecsServices") or ()
        ),
        deployment_config=raw.get("deploymentConfigName"),
        ready_action=str(ready.get("actionOnTimeout") or "CONTINUE_DEPLOYMENT"),
        ready_wait_minutes=int(ready.get("waitTimeInMinutes") or 0),
        termination_wait_minutes=int(terminate.get("terminationWaitTimeInMinutes") or 0),
        auto_rollback=bool(rollback.get("enabled")),
        auto_rollback_events=tuple(rollback.get("events") or ()) if rollback.get("enabled") else (),
        alarms=tuple(str(a["name"]) for a in alarms.get("alarms") or () if a.get("name"))
        if alarms.get("enabled")
        else (),
        test_listener=bool(test_listeners),
        test_listener_arn=str(test_listeners[0]) if test_listeners else None,
        last_attempted=last.get("deploymentId"),
        last_attempted_status=last.get("status"),
    )


def traffic_routing(raw: Mapping[str, Any]) -> TrafficRouting:
    routing = raw.get("trafficRoutingConfig") or {}
    kind = str(routing.get("type") or "AllAtOnce")
    name = str(raw.get("deploymentConfigName", ""))
    if kind == "TimeBasedCanary":
        c = routing.get("timeBasedCanary") or {}
        return TrafficRouting(name, kind, int(c.get("canaryPercentage") or 0), int(c.get("canaryInterval") or 0))
    if kind == "TimeBasedLinear":
        li = routing.get("timeBasedLinear") or {}
        return TrafficRouting(name, kind, int(li.get("linearPercentage") or 0), int(li.get("linearInterval") or 0))
    return TrafficRouting(name, "AllAtOnce")


def deployment(raw: Mapping[str, Any]) -> CodeDeployDeployment:
    error = raw.get("errorInformation") or {}
    rollback = raw.get("rollbackInfo") or {}
    revision = raw.get("revision") or {}
    content = (revision.get("appSpecContent") or {}).get("content") or (revision.get("string") or {}).get("content")
    completed = raw.get("completeTime")
    return CodeDeployDeployment(
        id=str(raw.get("deploymentId", "")),
        status=str(raw.get("status", "")),
        application=str(raw.get("applicationName", "")),
        deployment_group=str(raw.get("deploymentGroupName", "")),
        deployment_config=raw.get("deploymentConfigName"),
        error_code=error.get("code"),
        error_message=error.get("message"),
        rollback_message=rollback.get("rollbackMessage"),
        rollback_deployment_id=rollback.get("rollbackDeploymentId"),
        rollback_triggering_deployment_id=rollback.get("rollbackTriggeringDeploymentId"),
        termination_wait_started=bool(raw.get("instanceTerminationWaitTimeStarted")),
        creator=raw.get("creator"),
        created_at=epoch(raw.get("createTime")),
        completed_at=epoch(completed) if completed else None,
        status_messages=tuple(str(m) for m in raw.get("deploymentStatusMessages") or ()),
        appspec_content=str(content) if content else None,
    )


def ecs_target(raw: Mapping[str, Any]) -> EcsTarget:
    events = []
    for e in raw.get("lifecycleEvents") or ():
        diagnostics = e.get("diagnostics") or {}
        start, end = e.get("startTime"), e.get("endTime")
        events.append(
            LifecycleEvent(
                name=str(e.get("lifecycleEventName", "")),
                status=str(e.get("status", "")),
                started_at=epoch(start) if start else None,
                ended_at=epoch(end) if end else None,
                error_code=diagnostics.get("errorCode"),
                message=diagnostics.get("message"),
                script=diagnostics.get("scriptName") or None,
            )
        )
    task_sets = tuple(
        TaskSetInfo(
            id=str(t.get("identifer", "")),  # sic: the API model's spelling (§5.4)
            label=str(t.get("taskSetLabel", "")),
            status=str(t.get("status", "")),
            traffic_weight=float(t.get("trafficWeight") or 0.0),
            desired=int(t.get("desiredCount") or 0),
            running=int(t.get("runningCount") or 0),
            pending=int(t.get("pendingCount") or 0),
            target_group=(t.get("targetGroup") or {}).get("name"),
        )
        for t in raw.get("taskSetsInfo") or ()
    )
    return EcsTarget(
        target_id=str(raw.get("targetId", "")),
        status=str(raw.get("status", "")),
        lifecycle_events=tuple(events),
        task_sets=task_sets,
    )
