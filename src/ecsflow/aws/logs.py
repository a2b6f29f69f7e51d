"""CloudWatch Logs and ELBv2 target health adapters (diagnosis of failing deployments)."""

from __future__ import annotations

from ecsflow.aws.session import AwsClients
from ecsflow.errors import ResourceNotFound
from ecsflow.ports import TargetHealth


class LogsAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def tail(self, group: str, stream: str, limit: int, *, region: str | None = None) -> list[str]:
        try:
            response = self._aws.call(
                "logs",
                "get_log_events",
                region=region,
                logGroupName=group,
                logStreamName=stream,
                limit=limit,
                startFromHead=False,
            )
        except ResourceNotFound:
            return []  # the container never logged (or the group is elsewhere): nothing to show
        return [str(e.get("message", "")).rstrip("\n") for e in response.get("events") or ()]


class ElbAdapter:
    def __init__(self, clients: AwsClients) -> None:
        self._aws = clients

    def target_health(self, target_group_arn: str) -> list[TargetHealth]:
        response = self._aws.call("elbv2", "describe_target_health", TargetGroupArn=target_group_arn)
        out: list[TargetHealth] = []
        for d in response.get("TargetHealthDescriptions") or ():
            target = d.get("Target") or {}
            health = d.get("TargetHealth") or {}
            out.append(
                TargetHealth(
                    target_id=str(target.get("Id", "")),
                    port=target.get("Port"),
                    state=str(health.get("State", "")),
                    reason=health.get("Reason"),
                    description=health.get("Description"),
                )
            )
        return out
