"""Why a deployment did not succeed: stopped tasks, exit codes, target health, last log lines.

Diagnosis never changes an outcome: any error while diagnosing becomes a note. It runs
only once a deployment ended badly, so it costs nothing on success. Calls: one ListTasks
(``startedBy`` = our deployment id, which ECS sets on the tasks a service deployment
starts), one DescribeTasks, one GetLogEvents per failing container shown (at most
``max_tasks``), one DescribeTargetHealth per target group.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecsflow.diff import Masker
from ecsflow.engines.executor import log_configs
from ecsflow.engines.tracking import Tracked
from ecsflow.errors import EcsflowError
from ecsflow.model import TaskFailure
from ecsflow.ports import EcsPort, ElbPort, LogsPort, ServiceState, TaskInfo

_BAD_TARGET_STATES = frozenset({"unhealthy", "unavailable", "draining"})


class Diagnoser:
    def __init__(
        self,
        ecs: EcsPort,
        logs: LogsPort | None = None,
        elb: ElbPort | None = None,
        *,
        log_lines: int = 20,
        max_tasks: int = 3,
        masker: Masker | None = None,
    ) -> None:
        self.ecs = ecs
        self.logs = logs
        self.elb = elb
        self.log_lines = log_lines
        self.max_tasks = max_tasks
        self.masker = masker or Masker()

    def diagnose(self, t: Tracked, state: ServiceState | None) -> tuple[tuple[TaskFailure, ...], tuple[str, ...]]:
        notes: list[str] = []
        failures: list[TaskFailure] = []
        try:
            tasks = self._stopped_tasks(t)
        except EcsflowError as exc:
            notes.append(f"could not list the stopped tasks: {exc.message}")
            tasks = []
        configs = dict(t.log_configs)
        if tasks and not configs and self.logs is not None and t.task_definition:
            try:
                configs = log_configs(self.ecs.describe_task_definition(t.task_definition).body)
            except EcsflowError as exc:
                notes.append(f"could not read the log configuration: {exc.message}")
        for task in tasks:
            failures.append(self._failure(task, configs, notes))
        if state is not None and self.elb is not None:
            notes += self._targets(state)
        return tuple(failures), tuple(dict.fromkeys(notes))

    def _stopped_tasks(self, t: Tracked) -> list[TaskInfo]:
        arns = self.ecs.list_stopped_tasks(t.cluster, started_by=t.deployment_id, limit=self.max_tasks * 3)
        if not arns:
            return []
        tasks = [x for x in self.ecs.describe_tasks(t.cluster, arns) if x.stopped_reason or x.containers]
        tasks.sort(key=lambda x: x.stopped_at or 0.0, reverse=True)
        return tasks[: self.max_tasks]

    def _failure(
        self, task: TaskInfo, configs: Mapping[str, tuple[str, str, str | None]], notes: list[str]
    ) -> TaskFailure:
        scrub = self.masker.scrub
        lines: list[str] = []
        for c in task.containers:
            failed = (c.exit_code not in (None, 0)) or bool(c.reason)
            if not failed or c.name not in configs or self.logs is None or self.log_lines <= 0:
                continue
            group, prefix, region = configs[c.name]
            stream = f"{prefix}/{c.name}/{task.task_id}"
            try:
                tail = self.logs.tail(group, stream, self.log_lines, region=region)
            except EcsflowError as exc:
                notes.append(f"could not read {group} {stream}: {exc.message}")
                continue
            lines += [f"[{c.name}] {scrub(line)}" for line in tail]
        return TaskFailure(
            task_id=task.task_id,
            reason=scrub(task.stopped_reason or task.stop_code or "stopped"),
            containers=tuple((c.name, c.exit_code, scrub(c.reason) if c.reason else None) for c in task.containers),
            log_lines=tuple(lines),
        )

    def _targets(self, state: ServiceState) -> list[str]:
        assert self.elb is not None
        notes: list[str] = []
        for lb in state.load_balancers:
            if not lb.target_group_arn:
                continue
            name = lb.target_group_arn.split(":")[-1]
            try:
                health = self.elb.target_health(lb.target_group_arn)
            except EcsflowError as exc:
                notes.append(f"could not read the health of {name}: {exc.message}")
                continue
            for h in health:
                if h.state in _BAD_TARGET_STATES:
                    where = f"{h.target_id}:{h.port}" if h.port else h.target_id
                    why = " ".join(x for x in (h.reason, h.description) if x)
                    notes.append(f"{name}: target {where} is {h.state}" + (f": {why}" if why else ""))
        return notes
