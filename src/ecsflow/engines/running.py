"""What runs in an environment: the exact images of each service's PRIMARY deployment.

``deploy --from-env`` and ``promote --from-env`` start here. "What runs" is the task
definition of the service's PRIMARY deployment (AWS-SEMANTICS.md §6.4) once that
deployment has finished; its container images are what gets carried over. Refused,
before anything changes:

* the service is mid-deployment (more than one deployment, or the PRIMARY one is still
  ``IN_PROGRESS``): what "runs" is not settled yet;
* an ECR image given by tag without a digest: the tag may have moved since, so the
  digest that runs cannot be told from the task definition. (ecsflow's own deploys pin
  every ECR tag to its digest, so this only happens for revisions registered by others.)

Images outside ECR without a digest are carried over as written (ecsflow does not call
other registries; the same rule as pinning in ``ecsflow.engines.images``), with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecsflow.artifacts.imageref import ImageRef
from ecsflow.errors import InputError, Problem, ResourceNotFound
from ecsflow.ports import EcsPort, ServiceState


@dataclass(frozen=True)
class ServiceTarget:
    """A service of an environment: its key in ecsflow.yml (or CLUSTER/SERVICE) and where it is."""

    key: str
    cluster: str
    service: str


@dataclass(frozen=True)
class RunningImage:
    container: str
    image: str  # as the running task definition says
    digest: str | None  # None only for images outside ECR given by tag

    @property
    def ref(self) -> ImageRef:
        return ImageRef.parse(self.image, where=f"container {self.container}")


@dataclass(frozen=True)
class RunningService:
    key: str
    cluster: str
    service: str
    task_definition: str
    deployment_id: str
    images: tuple[RunningImage, ...]
    notes: tuple[str, ...] = ()


def unfinished(state: ServiceState) -> str | None:
    """Why the service's running images are not settled, or None when they are."""
    primary = state.primary
    if primary is None:
        return "it has no PRIMARY deployment"
    others = [d.id for d in state.deployments if d.id != primary.id]
    if others:
        return f"deployment {primary.id} is still replacing {', '.join(others)}"
    if primary.rollout_state == "IN_PROGRESS":
        return f"deployment {primary.id} is still in progress"
    return None


def running_services(ecs: EcsPort, targets: Sequence[ServiceTarget], *, env: str | None = None) -> list[RunningService]:
    """The settled images of every target, or one error listing every refusal."""
    where = f"environment {env!r}" if env else "the source"
    by_cluster: dict[str, list[ServiceTarget]] = {}
    for t in targets:
        by_cluster.setdefault(t.cluster, []).append(t)
    states: dict[str, ServiceState] = {}
    problems: list[Problem] = []
    for cluster, group in by_cluster.items():
        found = ecs.describe_services(cluster, [t.service for t in group])
        for t in group:
            state = found.get(t.service)
            if state is None or state.status == "INACTIVE":
                problems.append(Problem(f"service {t.service!r} not found in cluster {cluster!r}", t.key, where))
            else:
                states[t.key] = state
    if any("not found" in p.message for p in problems):
        raise ResourceNotFound(
            "; ".join(str(p) for p in problems),
            operation="ecs:DescribeServices",
            hint=f"check the services of {where} in ecsflow.yml, the region and the account",
        )
    out: list[RunningService] = []
    for t in targets:
        state = states[t.key]
        why = unfinished(state)
        if why is not None:
            problems.append(Problem(f"{t.cluster}/{t.service} is mid-deployment: {why}", t.key, where))
            continue
        assert state.primary is not None
        td = ecs.describe_task_definition(state.primary.task_definition)
        images: list[RunningImage] = []
        notes: list[str] = []
        for container in td.body.get("containerDefinitions") or ():
            name = str(container.get("name", ""))
            image = str(container.get("image", ""))
            ref = ImageRef.parse(image, where=f"{td.family}:{td.revision} containerDefinitions[{name}].image")
            if ref.digest:
                images.append(RunningImage(name, image, ref.digest))
            elif ref.is_ecr:
                problems.append(
                    Problem(
                        f"container {name!r} runs {image} (a tag without a digest): the digest that runs "
                        f"cannot be told from {td.family}:{td.revision}",
                        t.key,
                        where,
                    )
                )
            else:
                images.append(RunningImage(name, image, None))
                notes.append(f"{t.key}: {image} is not in Amazon ECR: carried over by tag, not by digest")
        out.append(RunningService(t.key, t.cluster, t.service, td.arn, state.primary.id, tuple(images), tuple(notes)))
    if problems:
        raise InputError(
            f"cannot take the images that run in {where} ({len(problems)} problem{'s' * (len(problems) != 1)})",
            problems,
            hint=(
                "wait for the deployment to finish (`ecsflow wait`), or deploy the source with ecsflow, "
                "which pins every ECR tag to its digest; nothing was changed"
            ),
        )
    return out


def carried_images(running: Sequence[RunningService]) -> dict[str, tuple[tuple[str, str], ...]]:
    """``ImageInputs.per_service`` for ``deploy --from-env``: each service's (container, image) as it runs."""
    return {svc.key: tuple((i.container, i.image) for i in svc.images) for svc in running}
