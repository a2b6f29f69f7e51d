"""Record a deploy on a revision it did not register (reuse, ``--revision``, ``--force``).

A registered revision carries its record from the start (``ecsflow.engines.records``).
A deploy that reuses an identical ACTIVE revision, deploys one as is, or forces a new
deployment of the running one writes ``ecsflow:deployed:<env>`` on it with
``TagResource`` once the deployment started, so ``history --env`` shows the commit, the
actor and the source environment (``--from-env``) of that deploy. Being denied
``ecs:TagResource`` does not fail the deploy: a warning says the record is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ecsflow.engines.records import DeployRecord, deployment_tag
from ecsflow.errors import AwsError
from ecsflow.events import EventSink, Message
from ecsflow.model import DeploymentResult
from ecsflow.plan import DeployPlan, RevisionAction
from ecsflow.ports import Clock


class RevisionTagger(Protocol):
    def tag_task_definition(self, arn: str, tags: Mapping[str, str]) -> None: ...


def record_deploys(
    tagger: RevisionTagger,
    plan: DeployPlan,
    results: Sequence[DeploymentResult],
    record: DeployRecord,
    *,
    sink: EventSink,
    clock: Clock,
) -> list[str]:
    """Tag every revision a deployment started with and that ecsflow did not register in this
    run. Returns the ARNs tagged."""
    if not (record.environment or record.promoted_from):
        return []
    by_key = {r.service: r for r in results}
    key, value = deployment_tag(record)
    tagged: list[str] = []
    for p in plan.services:
        result = by_key.get(p.key)
        # Not ours to record: a registration (its tags hold the record already), a service that
        # already ran the revision (also when ecsflow only waited for someone else's deployment).
        if p.action is RevisionAction.REGISTER or not p.deploys or result is None or not result.deployment_id:
            continue
        arn = result.task_definition_arn or p.target
        if not arn or arn in tagged:
            continue
        try:
            tagger.tag_task_definition(arn, {key: value})
        except AwsError as exc:
            sink(
                Message(
                    clock.now(),
                    p.key,
                    f"deployed, but the deploy record was not written on {arn.rsplit('/', 1)[-1]} ({exc.message}); "
                    "allow ecs:TagResource to keep it",
                    "warning",
                )
            )
            continue
        tagged.append(arn)
    return tagged
