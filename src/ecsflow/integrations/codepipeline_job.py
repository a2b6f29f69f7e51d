"""The CodePipeline Invoke action's job event, its UserParameters, and the continuation token.

Event (what CodePipeline sends to the Lambda function)::

    {"CodePipeline.job": {"id": "…", "accountId": "…", "data": {
        "actionConfiguration": {"configuration": {"FunctionName": "…", "UserParameters": "<JSON>"}},
        "inputArtifacts": [{"name": "BuildOutput", "location": {"type": "S3",
                            "s3Location": {"bucketName": "…", "objectKey": "…"}}}],
        "artifactCredentials": {"accessKeyId": "…", "secretAccessKey": "…", "sessionToken": "…"},
        "continuationToken": "…"}}}        # only when the job resumes

UserParameters is a JSON object; every key is checked and an unknown one is an error
naming it (reported as a ``ConfigurationError`` failure of the job).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecsflow.config import parse_duration
from ecsflow.errors import InputError, Problem

MODES = ("deploy", "latest")
BASES = ("service", "latest", "file")
TOKEN_VERSION = 1
WHERE = "UserParameters"


class JobEventError(InputError):
    """The event is not a CodePipeline job: there is no job to report to."""


@dataclass(frozen=True)
class InputArtifact:
    name: str
    location: Mapping[str, Any]
    revision: str | None = None  # the source revision (a commit id for Git sources)


@dataclass(frozen=True)
class JobEvent:
    id: str
    user_parameters: str
    input_artifacts: tuple[InputArtifact, ...] = ()
    credentials: Mapping[str, Any] | None = None
    continuation_token: str | None = None
    account_id: str | None = None


def parse_event(event: Any) -> JobEvent:
    job = event.get("CodePipeline.job") if isinstance(event, Mapping) else None
    if not isinstance(job, Mapping) or not isinstance(job.get("id"), str) or not job.get("id"):
        raise JobEventError(
            "not a CodePipeline job event: expected {'CodePipeline.job': {'id': …, 'data': …}}",
            hint="this handler runs in a CodePipeline Invoke action (provider Lambda)",
        )
    data = job.get("data") or {}
    config = ((data.get("actionConfiguration") or {}).get("configuration")) or {}
    artifacts = tuple(
        InputArtifact(
            str(a.get("name", "")), a.get("location") or {}, str(a["revision"]) if a.get("revision") else None
        )
        for a in data.get("inputArtifacts") or ()
        if isinstance(a, Mapping)
    )
    token = data.get("continuationToken")
    return JobEvent(
        id=str(job["id"]),
        user_parameters=str(config.get("UserParameters") or ""),
        input_artifacts=artifacts,
        credentials=data.get("artifactCredentials") or None,
        continuation_token=str(token) if token else None,
        account_id=job.get("accountId"),
    )


@dataclass(frozen=True)
class JobParameters:
    services: tuple[str, ...]
    cluster: str | None = None
    mode: str = "deploy"
    base: str | None = None
    artifact: str | None = None
    image_definitions: str | None = None
    image_detail: str | None = None
    task_definition: str | None = None
    timeout: float | None = None
    region: str | None = None
    env: str | None = None  # recorded on the revision (ecsflow:env), for `ecsflow history --env`
    reserve_seconds: float = 30.0


_KEYS = {
    "service",
    "services",
    "cluster",
    "mode",
    "base",
    "artifact",
    "image_definitions",
    "image_detail",
    "task_definition",
    "timeout",
    "region",
    "env",
    "reserve_seconds",
}


def parse_parameters(text: str) -> JobParameters:
    """The action's UserParameters; every problem in one error."""
    if not text.strip():
        raise InputError(
            "the action has no UserParameters",
            [Problem('expected a JSON object such as {"cluster": "prod", "service": "web"}', WHERE)],
            hint="set UserParameters in the Invoke action's configuration",
        )
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise InputError(f"UserParameters is not valid JSON: {exc}", [Problem(str(exc), WHERE)]) from exc
    if not isinstance(raw, Mapping):
        raise InputError("UserParameters must be a JSON object", [Problem("expected an object", WHERE)])
    problems = [
        Problem(f"unknown key (known: {', '.join(sorted(_KEYS))})", f"{WHERE}.{k}") for k in raw if k not in _KEYS
    ]

    def text_of(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            problems.append(Problem("expected a non-empty string", f"{WHERE}.{key}"))
            return None
        return value

    services: list[str] = []
    if (one := text_of("service")) is not None:
        services.append(one)
    many = raw.get("services")
    if many is not None:
        if isinstance(many, list) and many and all(isinstance(s, str) and s for s in many):
            services += many
        else:
            problems.append(Problem("expected a non-empty list of service names", f"{WHERE}.services"))
    if not services and not any(p.path.startswith(f"{WHERE}.service") for p in problems):
        problems.append(Problem("name the service (`service`) or services (`services`) to deploy", WHERE))
    cluster = text_of("cluster")
    if cluster is None and any("/" not in s for s in services):
        problems.append(Problem("needed for services given without CLUSTER/", f"{WHERE}.cluster"))
    mode = text_of("mode") or "deploy"
    if mode not in MODES:
        problems.append(Problem(f"expected one of {', '.join(MODES)}", f"{WHERE}.mode"))
    base = text_of("base")
    if base is not None and base not in BASES:
        problems.append(Problem(f"expected one of {', '.join(BASES)}", f"{WHERE}.base"))
    timeout: float | None = None
    if (spec := raw.get("timeout")) is not None:
        timeout = parse_duration(str(spec))
        if timeout is None:
            problems.append(Problem("expected a duration such as 900, 15m or 1h", f"{WHERE}.timeout"))
    reserve = raw.get("reserve_seconds", 30)
    if not isinstance(reserve, int | float) or isinstance(reserve, bool) or not 5 <= reserve <= 300:
        problems.append(Problem("expected seconds between 5 and 300", f"{WHERE}.reserve_seconds"))
        reserve = 30
    params = JobParameters(
        services=tuple(dict.fromkeys(services)),
        cluster=cluster,
        mode=mode,
        base=base,
        artifact=text_of("artifact"),
        image_definitions=text_of("image_definitions"),
        image_detail=text_of("image_detail"),
        task_definition=text_of("task_definition"),
        timeout=timeout,
        region=text_of("region"),
        env=text_of("env"),
        reserve_seconds=float(reserve),
    )
    if mode == "latest" and (params.image_definitions or params.image_detail or params.task_definition or base):
        problems.append(
            Problem("mode `latest` deploys the newest registered revision as is: it takes no inputs", WHERE)
        )
    if problems:
        n = len(problems)
        raise InputError(
            f"UserParameters is invalid ({n} problem{'s' * (n != 1)})",
            problems,
            hint="see docs/integrations.md for the keys",
        )
    return params


# --- continuation token -------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A deployment the job still waits for."""

    key: str
    cluster: str
    service: str
    deployment_id: str
    deadline: float  # epoch seconds: the deploy's own timeout, across invocations
    task_definition: str | None = None
    strategy: str = "ECS"  # CODE_DEPLOY: followed through CodeDeploy, not the ECS service


@dataclass(frozen=True)
class Finished:
    key: str
    outcome: str
    task_definition: str | None = None
    deployment_id: str | None = None


@dataclass(frozen=True)
class JobState:
    waiting: tuple[Waiting, ...]
    finished: tuple[Finished, ...] = ()
    invocation: int = 1
    started_at: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        body = {
            "v": TOKEN_VERSION,
            "n": self.invocation,
            "t": self.started_at,
            "w": [
                [w.key, w.cluster, w.service, w.deployment_id, w.deadline, w.task_definition, w.strategy]
                for w in self.waiting
            ],
            "f": [[f.key, f.outcome, f.task_definition, f.deployment_id] for f in self.finished],
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, token: str) -> JobState:
        try:
            body = json.loads(token)
            if body.get("v") != TOKEN_VERSION:
                raise ValueError(f"version {body.get('v')!r}")
            return cls(
                waiting=tuple(
                    Waiting(str(k), str(c), str(s), str(d), float(t), td, str(st))
                    for k, c, s, d, t, td, st in body["w"]
                ),
                finished=tuple(Finished(str(k), str(o), td, d) for k, o, td, d in body.get("f") or ()),
                invocation=int(body.get("n", 1)),
                started_at=body.get("t"),
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InputError(
                f"the job's continuation token was not written by this version of ecsflow ({exc})",
                hint="retry the pipeline stage; the deployment itself goes on in ECS",
            ) from exc
