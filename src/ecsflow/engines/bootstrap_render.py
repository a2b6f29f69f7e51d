"""The task definition ``bootstrap service`` registers, rendered exactly as ``deploy`` renders
it: ``Preparer``'s file-based path (template, ``${VAR}``, image inputs, tags pinned to
digests, deploy record tags). The service does not exist yet, so the preparer is given a
stand-in for its state; with base ``file`` nothing of that state is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from ecsflow.config import BaseMode, ServiceConfig
from ecsflow.engines.images import ImageInputs
from ecsflow.engines.prepare import DeployRequest, Preparer
from ecsflow.engines.records import DeployRecord
from ecsflow.plan import Desired
from ecsflow.ports import ServiceState


class _NotYetCreated(Mapping[str, ServiceState]):
    """Every key maps to an empty state: the service is about to be created."""

    def __init__(self, svc: ServiceConfig) -> None:
        self._state = ServiceState(
            cluster=svc.cluster,
            name=svc.service,
            arn="",
            status="MISSING",
            task_definition="",
            desired=0,
            running=0,
            pending=0,
        )

    def __getitem__(self, key: str) -> ServiceState:
        return self._state

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def render_for_bootstrap(
    preparer: Preparer,
    svc: ServiceConfig,
    inputs: ImageInputs,
    *,
    variables: Mapping[str, str],
    overrides: Mapping[str, str],
    record: DeployRecord,
) -> Desired:
    """The rendered, pinned task definition for ``svc`` (raises ``RenderError``/``ConfigError``
    before anything changes)."""
    request = DeployRequest(
        services=(replace(svc, base=BaseMode.FILE),),
        groups=((svc.key,),),
        inputs=inputs,
        base=BaseMode.FILE,
        variables=variables,
        overrides=overrides,
        record=record,
    )
    return preparer.rendered(request, _NotYetCreated(svc))[svc.key]
