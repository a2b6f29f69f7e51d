"""The ``promote`` action, through the promotion engine (``ecsflow.engines.promote``).

* ``promote: {from: test, to: staging}``: deploy into ``staging`` exactly the image digests
  that run in ``test`` (what ``ecsflow deploy --env staging --from-env test`` does);
* ``tag: staging`` with ``from``: first retag those running digests in ECR (no pull, no push);
* ``promote: {image: "#{BuildVariables.IMAGE_URI}", tag: staging}``: retag one image.

What runs in the source environment is read (and must be settled) before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ecsflow.config import ProjectConfig
from ecsflow.config.pipelines import PromoteAction
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.orchestrator import RunOptions
from ecsflow.engines.prepare import DeployRequest
from ecsflow.engines.promote import PromotionRecord, promote, promote_running
from ecsflow.engines.records import DeployRecord
from ecsflow.engines.running import ServiceTarget, carried_images, running_services
from ecsflow.errors import ConfigError
from ecsflow.pipeline.deploy_action import EngineFactory, outcome_of
from ecsflow.pipeline.run_record import SUCCEEDED
from ecsflow.pipeline.stages import ActionContext, ActionOutcome
from ecsflow.ports import Clock, EcrRetagPort, EcsPort

PortFactory = Callable[[ProjectConfig], EcsPort]
RetagFactory = Callable[[ProjectConfig], EcrRetagPort]


class PromoteHandler:
    def __init__(
        self,
        *,
        config: ProjectConfig,
        engine_for: EngineFactory,
        ecs_for: PortFactory,
        ecr_for: RetagFactory,
        clock: Clock,
        base_env: Mapping[str, str],
        actor: str | None = None,
        tool_version: str | None = None,
    ) -> None:
        self.config = config
        self.engine_for = engine_for
        self.ecs_for = ecs_for
        self.ecr_for = ecr_for
        self.clock = clock
        self.base_env = base_env
        self.actor = actor
        self.tool_version = tool_version

    def __call__(self, ctx: ActionContext) -> ActionOutcome:
        spec = ctx.action.spec
        assert isinstance(spec, PromoteAction)
        record = PromotionRecord(
            commit=ctx.source_revision, actor=self.actor, at=self.clock.now(), source_env=spec.source
        )
        if spec.source is None:
            assert spec.image is not None and spec.tag is not None  # the config reader checked it
            image = ctx.scope.resolve(spec.image, f"{ctx.where}: promote.image")
            config = self.config.for_environment(ctx.environment)
            result = promote(self.ecr_for(config), image, spec.tag, record=record, sink=ctx.sink, clock=self.clock)
            return ActionOutcome(SUCCEEDED, result.describe())
        source = self.config.for_environment(spec.source)
        keys = spec.services or tuple(source.services)
        if not keys:
            raise ConfigError(f"{ctx.where}: no services to promote", hint="add services: to ecsflow.yml")
        targets = [ServiceTarget(k, source.services[k].cluster, source.services[k].service) for k in keys]
        notes: list[str] = []
        if spec.tag is not None:
            promoted = promote_running(
                self.ecs_for(source),
                self.ecr_for(source),
                targets,
                spec.tag,
                env=spec.source,
                record=record,
                sink=ctx.sink,
                clock=self.clock,
            )
            notes += [r.describe() for r in promoted]
        running = running_services(self.ecs_for(source), targets, env=spec.source)
        if spec.target is None:
            return ActionOutcome(SUCCEEDED, "; ".join(notes))
        target = self.config.for_environment(spec.target)
        groups = [tuple(g) for g in target.groups(list(keys))]
        grouped = {k for g in groups for k in g}
        rest = tuple(k for k in keys if k not in grouped)
        request = DeployRequest(
            services=tuple(target.services[k] for k in keys),
            groups=tuple(groups) + ((rest,) if rest else ()),
            inputs=ImageInputs(per_service=carried_images(running)),
            variables={**self.base_env, **ctx.scope.variables},
            record=DeployRecord(
                commit=ctx.source_revision,
                actor=self.actor,
                at=self.clock.now(),
                environment=spec.target,
                tool_version=self.tool_version,
                promoted_from=spec.source,
            ),
        )
        engine = self.engine_for(target, ctx.sink)
        defaults = target.defaults
        _, results = engine.deploy(request, RunOptions(concurrency=defaults.concurrency, fail_fast=defaults.fail_fast))
        outcome = outcome_of(results, spec.target)
        if notes:
            outcome = ActionOutcome(
                outcome.status, "; ".join([*notes, outcome.message]), outcome.exit_code, deployed=outcome.deployed
            )
        return outcome
