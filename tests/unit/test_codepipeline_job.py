"""CodePipeline job events, UserParameters, continuation tokens and the Lambda time budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsflow.errors import InputError
from ecsflow.integrations.codepipeline import BudgetClock, OutOfTime
from ecsflow.integrations.codepipeline_job import (
    Finished,
    JobEventError,
    JobState,
    Waiting,
    parse_event,
    parse_parameters,
)


def event(params: Any, **data: Any) -> dict[str, Any]:
    text = params if isinstance(params, str) else json.dumps(params)
    body = {"actionConfiguration": {"configuration": {"FunctionName": "f", "UserParameters": text}}, **data}
    return {
        "CodePipeline.job": {"id": "11111111-abcd-1111-abcd-111111abcdef", "accountId": "111111111111", "data": body}
    }


def test_event_fields() -> None:
    job = parse_event(
        event(
            {"cluster": "c", "service": "s"},
            inputArtifacts=[
                {
                    "name": "Build",
                    "revision": "abc1234",
                    "location": {"type": "S3", "s3Location": {"bucketName": "b", "objectKey": "k"}},
                }
            ],
            artifactCredentials={"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T"},
            continuationToken="tok",
        )
    )
    assert job.id.startswith("1111") and job.account_id == "111111111111"
    assert job.input_artifacts[0].name == "Build" and job.input_artifacts[0].revision == "abc1234"
    assert job.credentials == {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T"}
    assert job.continuation_token == "tok"


@pytest.mark.parametrize("bad", [None, {}, {"CodePipeline.job": {}}, {"CodePipeline.job": {"id": ""}}, []])
def test_not_a_job(bad: Any) -> None:
    with pytest.raises(JobEventError):
        parse_event(bad)


def test_parameters_that_synth_codepipeline_writes() -> None:
    # The shape `ecsflow synth codepipeline` puts in the Invoke action (tests/golden/codepipeline-*.yaml).
    text = '{"services":["test/worker-svc"],"base":"latest","artifact":"BuildOutput","env":"test","timeout":"900s"}'
    params = parse_parameters(text)
    assert (params.services, params.base, params.artifact, params.env) == (
        ("test/worker-svc",),
        "latest",
        "BuildOutput",
        "test",
    )
    assert params.mode == "deploy" and params.timeout == 900.0


def test_parameters_defaults_and_services() -> None:
    params = parse_parameters(json.dumps({"cluster": "prod", "services": ["web", "other/api", "web"]}))
    assert params.services == ("web", "other/api") and params.mode == "deploy" and params.reserve_seconds == 30
    params = parse_parameters('{"service": "demo/web", "mode": "latest", "timeout": "20m", "env": "prod"}')
    assert (params.cluster, params.timeout, params.env) == (None, 1200.0, "prod")


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("", ["UserParameters"]),
        ("web", ["UserParameters"]),
        ("[1]", ["UserParameters"]),
        ('{"cluster": "c"}', ["UserParameters"]),
        ('{"service": "web"}', ["UserParameters.cluster"]),
        (
            '{"cluster": "c", "service": "web", "mode": "x", "base": "y"}',
            ["UserParameters.mode", "UserParameters.base"],
        ),
        (
            '{"cluster": "c", "service": "web", "timeout": "soon", "reserve_seconds": 1}',
            ["UserParameters.timeout", "UserParameters.reserve_seconds"],
        ),
        ('{"cluster": "c", "services": [], "colour": 1}', ["UserParameters.colour", "UserParameters.services"]),
        ('{"cluster": "c", "service": "w", "mode": "latest", "image_definitions": "i.json"}', ["UserParameters"]),
    ],
)
def test_bad_parameters_name_every_problem(text: str, paths: list[str]) -> None:
    with pytest.raises(InputError) as err:
        parse_parameters(text)
    found = [p.path for p in err.value.problems]
    for path in paths:
        assert path in found, (path, found)


def test_token_round_trip_and_size() -> None:
    state = JobState(
        waiting=(
            Waiting("web", "demo", "web", "ecs-svc/123", 1767225900.0, "arn:aws:ecs:us-east-1:1:task-definition/web:2"),
        ),
        finished=(Finished("api", "succeeded", "arn:td/api:3", "ecs-svc/9"),),
        invocation=3,
        started_at=1767225000.0,
    )
    token = state.encode()
    assert len(token) < 2048
    assert JobState.decode(token) == state


@pytest.mark.parametrize("token", ["", "{}", '{"v": 99, "w": []}', '{"v": 1, "w": [[1]]}', "not json"])
def test_foreign_tokens_are_refused(token: str) -> None:
    with pytest.raises(InputError, match="continuation token"):
        JobState.decode(token)


class Inner:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_budget_clock_stops_before_the_reserve() -> None:
    inner = Inner()
    clock = BudgetClock(inner, lambda: int((60 - inner.t) * 1000), reserve=20)
    clock.sleep(15)  # 60 s left: 45 after, above the 20 s reserve
    clock.sleep(15)  # 45 s left: 30 after
    with pytest.raises(OutOfTime):
        clock.sleep(15)  # 30 s left: 15 after, inside the reserve
    assert inner.t == 30 and clock.left() == 10
    assert isinstance(OutOfTime(), KeyboardInterrupt)  # takes the waiter's interrupt path
