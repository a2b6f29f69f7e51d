"""The state machines' view of the world, backed by moto and the ``SimContext``.

Side effects other clients can observe go through moto's own backends: CloudWatch
Logs events of failing containers, and ELBv2 listener-rule weights of native
blue/green deployments, so any client sees a consistent picture.
"""

from __future__ import annotations

from typing import Any

from ecsflow.sim.context import ServiceScenario, SimContext
from ecsflow.sim.ecs import tasks
from ecsflow.sim.ecs.state import ContainerSpec, NativeRun, ServiceSim, SimTask


class MotoEnv:
    def __init__(self, ctx: SimContext, account_id: str, region: str) -> None:
        self.ctx = ctx
        self.account_id = account_id
        self.region = region

    @property
    def seed(self) -> int:
        return self.ctx.scenario.seed

    def number(self, kind: str) -> int:
        return self.ctx.next_number(kind)

    def scenario(self, sim: ServiceSim) -> ServiceScenario:
        return self.ctx.scenario.for_service(sim.cluster_name, sim.service_name)

    def _ecs(self) -> Any:
        from moto.ecs.models import ecs_backends

        return ecs_backends[self.account_id][self.region]

    def containers(self, task_definition_arn: str) -> list[ContainerSpec]:
        definition = self._ecs().describe_task_definition(task_definition_arn)
        specs = []
        for container in definition.container_definitions:
            log = container.get("logConfiguration") or {}
            options = log.get("options") or {} if log.get("logDriver") == "awslogs" else {}
            specs.append(
                ContainerSpec(
                    name=str(container.get("name", "")),
                    image=str(container.get("image", "")),
                    essential=bool(container.get("essential", True)),
                    log_group=options.get("awslogs-group"),
                    log_stream_prefix=options.get("awslogs-stream-prefix"),
                    log_region=options.get("awslogs-region"),
                )
            )
        return specs

    def failing_image(self, image: str) -> bool:
        return tasks.image_matches(image, list(self.ctx.scenario.failing_images))

    def task_failed(self, sim: ServiceSim, task: SimTask) -> None:
        """Write what the failing containers "logged" to CloudWatch Logs.

        Stream name ``<prefix>/<container>/<task id>`` is the awslogs driver's rule for
        ECS; without a prefix the stream is the task id (assumed: Fargate requires a prefix).
        """
        if task.stop_code != "EssentialContainerExited":
            return  # nothing ran, nothing was logged
        from moto.logs.models import logs_backends

        lines = list(self.scenario(sim).log_lines)
        for container in task.containers:
            if not container.log_group or not container.essential:
                continue
            logs = logs_backends[self.account_id][container.log_region or self.region]
            if container.log_group not in logs.groups:
                logs.create_log_group(container.log_group, {})
            prefix = container.log_stream_prefix
            stream = f"{prefix}/{container.name}/{task.task_id}" if prefix else task.task_id
            if stream not in logs.groups[container.log_group].streams:
                logs.create_log_stream(container.log_group, stream)
            messages = lines or [
                f"Error: container {container.name} ({container.image}) exited with code {task.exit_code}"
            ]
            millis = int((task.stopped_at or task.start_at) * 1000)
            events = [{"timestamp": millis, "message": message} for message in messages]
            logs.put_log_events(container.log_group, stream, events)

    def traffic_changed(self, sim: ServiceSim, run: NativeRun) -> None:
        """Move ELBv2 weights of the production and test listener rules."""
        from moto.elbv2.models import elbv2_backends

        blue, green = run.blue_target_group, run.green_target_group
        if not blue or not green:
            return
        elbv2 = elbv2_backends[self.account_id][self.region]
        for lb in sim.load_balancers:
            advanced = lb.get("advancedConfiguration") or {}
            for key, weight in (
                ("productionListenerRule", run.record.prod_weight),
                ("testListenerRule", run.record.test_weight),
            ):
                arn = advanced.get(key)
                if arn:
                    _set_weights(elbv2, arn, {blue: 100 - round(weight), green: round(weight)})


def _actions_of(elbv2: Any, arn: str) -> list[Any]:
    """Actions of a listener rule (ALB) or the default actions of a listener (NLB)."""
    for balancer in elbv2.load_balancers.values():
        for listener in balancer.listeners.values():
            if listener.arn == arn:
                return list(listener.default_actions)
            for rule in listener.rules.values():
                if rule.arn == arn:
                    return list(rule.actions)
    return []


def _set_weights(elbv2: Any, arn: str, weights: dict[str, int]) -> None:
    for action in _actions_of(elbv2, arn):
        if action.data.get("Type") != "forward":
            continue
        forward = action.data.get("ForwardConfig")
        if forward is None:
            forward = {"TargetGroups": [], "TargetGroupStickinessConfig": {"Enabled": False}}
            action.data["ForwardConfig"] = forward
            action.data.pop("TargetGroupArn", None)
            action.__dict__.pop("TargetGroupArn", None)
        groups = {g["TargetGroupArn"]: g for g in forward.get("TargetGroups", [])}
        for target_group, weight in weights.items():
            groups.setdefault(target_group, {"TargetGroupArn": target_group})["Weight"] = weight
        forward["TargetGroups"] = list(groups.values())
        action.ForwardConfig = forward
