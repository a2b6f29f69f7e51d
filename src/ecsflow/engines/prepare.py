"""Everything before the first mutation: observe, render, pin, compare, plan.

Nothing here changes AWS. Any problem (a missing service, an unsupported strategy, a
render error, a missing tag) raises before the executor runs, so "nothing is registered
or updated when rendering, validation, tag resolution or the plan fails" holds by
construction: the executor only ever receives a finished ``DeployPlan``.

AWS calls for N services on one cluster: ceil(N/10) DescribeServices, one BatchGetImage
per repository, and at most two DescribeTaskDefinition per distinct family / running
revision (the family's newest ACTIVE revision and the running one, cached).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecsflow.artifacts.taskdef import TaskDefinitionInput, normalize_task_definition
from ecsflow.config import BaseMode, ServiceConfig
from ecsflow.diff import Masker
from ecsflow.engines.images import ImageInputs, apply_pins, images_for, pin_images
from ecsflow.engines.records import DeployRecord, merge_tags, record_tags
from ecsflow.engines.strategy import check_supported
from ecsflow.engines.timeouts import default_timeout
from ecsflow.errors import ConfigError, InputError, Problem, RenderError, ResourceNotFound, problems_error
from ecsflow.events import EventSink, ImagePinned, Message, PlanReady
from ecsflow.plan import DeployPlan, Desired, plan_service, share_registrations
from ecsflow.ports import Clock, EcrPort, EcsPort, RegisteredTaskDefinition, ServiceState
from ecsflow.render.taskdef import RenderOptions, render_task_definition

TemplateLoader = Callable[[ServiceConfig], TaskDefinitionInput]
_REVISION_NUMBER = re.compile(r"^\d+$")


@dataclass(frozen=True)
class DeployRequest:
    services: tuple[ServiceConfig, ...]
    groups: tuple[tuple[str, ...], ...]
    inputs: ImageInputs = field(default_factory=ImageInputs)
    revision: str | None = None  # N | family:N | ARN | latest | current
    base: BaseMode | None = None  # overrides each service's configured base
    timeout: float | None = None
    force: bool = False
    variables: Mapping[str, str] = field(default_factory=dict)  # ${VAR} values under the config's (environment)
    overrides: Mapping[str, str] = field(default_factory=dict)  # ${VAR} values over the config's (--var)
    record: DeployRecord = field(default_factory=DeployRecord)


def family_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


class Preparer:
    def __init__(
        self,
        ecs: EcsPort,
        ecr: EcrPort,
        clock: Clock,
        sink: EventSink,
        load_template: TemplateLoader,
        masker: Masker | None = None,
    ) -> None:
        self.ecs = ecs
        self.ecr = ecr
        self.clock = clock
        self.sink = sink
        self.load_template = load_template
        self.masker = masker or Masker()
        self._described: dict[str, RegisteredTaskDefinition] = {}

    def describe(self, ref: str) -> RegisteredTaskDefinition:
        if ref not in self._described:
            td = self.ecs.describe_task_definition(ref)
            self._described[ref] = self._described[td.arn] = td
        return self._described[ref]

    def observe(self, services: tuple[ServiceConfig, ...]) -> dict[str, ServiceState]:
        """Every service's state, batched per cluster; all missing services in one error."""
        by_cluster: dict[str, list[ServiceConfig]] = {}
        for svc in services:
            by_cluster.setdefault(svc.cluster, []).append(svc)
        states: dict[str, ServiceState] = {}
        problems: list[Problem] = []
        for cluster, group in by_cluster.items():
            found = self.ecs.describe_services(cluster, [s.service for s in group])
            for svc in group:
                state = found.get(svc.service)
                if state is None or state.status == "INACTIVE":
                    problems.append(Problem(f"service {svc.service!r} not found in cluster {cluster!r}", svc.key))
                else:
                    states[svc.key] = state
        if problems:
            raise ResourceNotFound(
                "; ".join(str(p) for p in problems),
                operation="ecs:DescribeServices",
                hint="check services.<key>.cluster/service in ecsflow.yml, the region and the account",
            )
        return states

    def prepare(self, req: DeployRequest) -> DeployPlan:
        states = self.observe(req.services)
        for svc in req.services:
            check_supported(svc.key, states[svc.key])
        if req.revision is not None:
            desired = {svc.key: self._existing(svc, states[svc.key], req) for svc in req.services}
        else:
            desired = self.rendered(req, states)
        plans = []
        for svc in req.services:
            d = desired[svc.key]
            state = states[svc.key]
            candidates = [self.describe(state.task_definition)]
            if d.revision is None:
                with contextlib.suppress(ResourceNotFound):  # a new family: nothing to reuse
                    candidates.append(self.describe(d.family))
            plans.append(
                plan_service(
                    d,
                    state,
                    candidates,
                    current_body=self.describe(state.task_definition).body,
                    default_timeout=default_timeout(state),
                    masker=self.masker,
                )
            )
        return DeployPlan(share_registrations(plans), req.groups)

    def _existing(self, svc: ServiceConfig, state: ServiceState, req: DeployRequest) -> Desired:
        """--revision: N, family:N, an ARN, ``latest`` (newest ACTIVE) or ``current`` (what runs)."""
        spec = str(req.revision)
        family = svc.family or family_of(state.task_definition)
        ref = {
            "current": state.task_definition,
            "latest": family,
        }.get(spec, f"{family}:{spec}" if _REVISION_NUMBER.match(spec) else spec)
        td = self.describe(ref)
        if td.status != "ACTIVE":
            raise InputError(
                f"{svc.key}: revision {td.family}:{td.revision} is {td.status}; ECS cannot deploy it",
                hint="pick an ACTIVE revision (`ecsflow revisions` lists them)",
            )
        force = req.force or spec == "current"
        return Desired(
            key=svc.key,
            cluster=svc.cluster,
            service=svc.service,
            base=f"revision {td.family}:{td.revision}",
            family=td.family,
            revision=td,
            timeout=req.timeout if req.timeout is not None else svc.timeout,
            force=force,
        )

    def rendered(self, req: DeployRequest, states: Mapping[str, ServiceState]) -> dict[str, Desired]:
        """Render and pin every service of ``req`` from its base (also used by ``bootstrap service``
        before the service exists); raises ``RenderError`` with every problem, changing nothing."""
        problems: list[Problem] = []
        used: set[str] = set()
        rendered: dict[str, tuple[ServiceConfig, str, dict[str, Any]]] = {}
        for svc in req.services:
            base = req.base or svc.base
            try:
                source, label = self._base(svc, base, states[svc.key])
                edits = images_for(svc, source.request, req.inputs, used, problems)
                environment = {**req.variables, **svc.variables, **req.overrides} if base is BaseMode.FILE else None
                options = RenderOptions(
                    images=edits.images, placeholders=edits.placeholders or {}, environment=environment
                )
                body = dict(render_task_definition(source, options).task_definition.request)
            except InputError as exc:  # render, config and template-file problems of every service, together
                problems += [p if p.file else Problem(p.message, p.path, svc.key) for p in exc.problems]
                problems += [] if exc.problems else [Problem(exc.message, "", svc.key)]
                continue
            rendered[svc.key] = (svc, label, body)
        for container, _ in req.inputs.images:
            if container not in used:
                problems.append(Problem(f"no selected service has a container named {container!r}", "", "--image"))
        if problems:
            hint = "nothing was registered or deployed"
            raise problems_error(RenderError, "the deploy's inputs", problems, hint=hint)
        bodies = {key: {k: v for k, v in body.items() if k != "tags"} for key, (_, _, body) in rendered.items()}
        pins, notes = pin_images(self.ecr, bodies)
        now = self.clock.now()
        for key, pinned in pins.items():
            for p in pinned:
                if p.changed:
                    self.sink(ImagePinned(now, key, p.container, p.requested, p.pinned))
        for note in notes:
            self.sink(Message(now, None, note, "warning"))
        out: dict[str, Desired] = {}
        for key, (svc, label, body) in rendered.items():
            final = apply_pins(bodies[key], pins[key])
            rec = DeployRecord(
                commit=req.record.commit,
                actor=req.record.actor,
                at=req.record.at if req.record.at is not None else now,
                source=label,
                environment=req.record.environment,
                services=(key,),
                images=tuple((p.container, p.pinned) for p in pins[key]),
                tool_version=req.record.tool_version,
                promoted_from=req.record.promoted_from,
            )
            out[key] = Desired(
                key=key,
                cluster=svc.cluster,
                service=svc.service,
                base=label,
                family=str(final.get("family")),
                body=final,
                images=pins[key],
                tags=merge_tags(body.get("tags"), record_tags(rec)),
                timeout=req.timeout if req.timeout is not None else svc.timeout,
                force=req.force,
            )
        return out

    def _base(self, svc: ServiceConfig, base: BaseMode, state: ServiceState) -> tuple[TaskDefinitionInput, str]:
        if base is BaseMode.FILE:
            if not svc.task_definition:
                raise ConfigError(
                    f"{svc.key}: no task definition file",
                    [
                        Problem(
                            "required with base `file` (or deploy with --base service / --base latest)",
                            f"services.{svc.key}.task_definition",
                        )
                    ],
                )
            return self.load_template(svc), f"file {svc.task_definition}"
        ref = state.task_definition if base is BaseMode.SERVICE else (svc.family or family_of(state.task_definition))
        td = self.describe(ref)
        source = normalize_task_definition(dict(td.body), f"{td.family}:{td.revision}")
        return source, f"{base.value} {td.family}:{td.revision}"


def announce(plan: DeployPlan, sink: EventSink, clock: Clock, *, dry_run: bool) -> None:
    """Emit the plan before anything changes (and as all of --dry-run)."""
    sink(PlanReady(clock.now(), None, tuple(plan.lines()), dry_run=dry_run))
