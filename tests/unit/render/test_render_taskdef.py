from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from render_golden import assert_golden

from ecsflow.artifacts.imagedefs import ImageDefinition
from ecsflow.artifacts.imagedetail import parse_image_detail
from ecsflow.artifacts.taskdef import TaskDefinitionInput, normalize_task_definition, parse_task_definition
from ecsflow.errors import RenderError
from ecsflow.render.taskdef import RenderOptions, render_task_definition

EXAMPLES = Path(__file__).parents[3] / "examples"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def two_containers(**extra: Any) -> TaskDefinitionInput:
    return normalize_task_definition(
        {
            "family": "web",
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": f"{ECR}/web:v1",
                    "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/s"}],
                    "dockerLabels": {"team": "web"},
                    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
                },
                {"name": "proxy", "image": "envoyproxy/envoy:v1.30", "essential": False},
            ],
            **extra,
        },
        "taskdef.json",
    )


def render(td: TaskDefinitionInput, **options: Any) -> dict[str, Any]:
    return render_task_definition(td, RenderOptions(**options)).task_definition.request


def render_problems(td: TaskDefinitionInput, **options: Any) -> list[str]:
    with pytest.raises(RenderError) as exc:
        render_task_definition(td, RenderOptions(**options))
    return [str(p) for p in exc.value.problems]


def test_example_with_image_detail_golden() -> None:
    source = parse_task_definition((EXAMPLES / "taskdef.json").read_text(), "taskdef.json")
    detail = parse_image_detail((EXAMPLES / "imageDetail.json").read_text())
    rendered = render_task_definition(source, RenderOptions(placeholders={"IMAGE1_NAME": detail.image_uri}))
    assert rendered.changes == (f"<IMAGE1_NAME> -> {detail.image_uri}",)
    assert_golden("taskdef-rendered.json", rendered.task_definition.to_json() + "\n")


def test_every_option_golden() -> None:
    rendered = render_task_definition(
        two_containers(),
        RenderOptions(
            images=[("web", f"{ECR}/web:v2"), ("proxy", "envoyproxy/envoy:v1.31")],
            container="web",
            set_env=[("B", "b=2=3"), ("C", "")],
            unset_env=["A"],
            secrets=[("S", "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"), ("T", "arn:t")],
            docker_labels=[("com.example/url", "https://x.test/?a=b")],
            log_options=[("awslogs-stream-prefix", "web")],
            command=["npm", "run", "start -- --port=8080"],
            task_role_arn="arn:aws:iam::123456789012:role/web-task",
            execution_role_arn="arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        ),
    )
    assert_golden("taskdef-every-option.json", rendered.task_definition.to_json() + "\n")
    assert len(rendered.changes) == 9


@pytest.mark.parametrize(
    ("options", "check"),
    [
        # imagedefinitions.json like the CodePipeline ECS action: only listed containers change.
        (
            {"image_definitions": [ImageDefinition("proxy", "envoyproxy/envoy:v1.31")]},
            lambda r: [c["image"] for c in r["containerDefinitions"]] == [f"{ECR}/web:v1", "envoyproxy/envoy:v1.31"],
        ),
        # --image wins over imagedefinitions.json (it is applied after).
        (
            {"image_definitions": [ImageDefinition("web", "a:1")], "images": [("web", "b:2")]},
            lambda r: r["containerDefinitions"][0]["image"] == "b:2",
        ),
        # values with '=' are kept whole; existing entries are updated in place.
        (
            {"container": "web", "set_env": [("A", "x=y=z")]},
            lambda r: (
                r["containerDefinitions"][0]["environment"]
                == [
                    {"name": "A", "value": "x=y=z"},
                    {"name": "B", "value": "2"},
                ]
            ),
        ),
        # a new log driver drops the old driver's options.
        (
            {"container": "web", "log_driver": "splunk", "log_options": [("splunk-url", "https://s")]},
            lambda r: (
                r["containerDefinitions"][0]["logConfiguration"]
                == {"logDriver": "splunk", "options": {"splunk-url": "https://s"}}
            ),
        ),
        # the same driver keeps its options and merges new ones.
        (
            {"container": "web", "log_driver": "awslogs", "log_options": [("mode", "non-blocking")]},
            lambda r: (
                r["containerDefinitions"][0]["logConfiguration"]["options"]
                == {"awslogs-group": "/ecs/web", "mode": "non-blocking"}
            ),
        ),
        # the second container can be edited too, and gains fields it did not have.
        (
            {"container": "proxy", "set_env": [("X", "1")], "docker_labels": [("a", "b")], "command": []},
            lambda r: (
                r["containerDefinitions"][1]
                == {
                    "name": "proxy",
                    "image": "envoyproxy/envoy:v1.30",
                    "essential": False,
                    "environment": [{"name": "X", "value": "1"}],
                    "dockerLabels": {"a": "b"},
                    "command": [],
                }
            ),
        ),
    ],
)
def test_table(options: dict[str, Any], check: Any) -> None:
    assert check(render(two_containers(), **options))


def test_environment_files_are_added_once() -> None:
    arn = "arn:aws:s3:::config-bucket/web/prod.env"
    result = render(two_containers(), container="web", environment_files=[arn, arn])
    assert result["containerDefinitions"][0]["environmentFiles"] == [{"value": arn, "type": "s3"}]
    again = normalize_task_definition(result, "taskdef.json")
    other = "arn:aws:s3:::config-bucket/web/extra.env"
    files = render(again, container="web", environment_files=[arn, other])["containerDefinitions"][0][
        "environmentFiles"
    ]
    assert files == [{"value": arn, "type": "s3"}, {"value": other, "type": "s3"}]
    assert (
        "--env-file: expected an S3 object ARN"
        in render_problems(two_containers(), container="web", environment_files=["x"])[0]
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"image_definitions": [ImageDefinition("api", "a:1")]},
            "imagedefinitions.json: container 'api' does not exist in the task definition (containers: web, proxy)",
        ),
        ({"images": [("web", "bad image")]}, "--image: invalid image reference 'bad image' for container 'web'"),
        ({"set_env": [("A", "1")]}, "--container: the task definition has 2 containers (web, proxy); choose one"),
        (
            {"container": "db", "set_env": [("A", "1")]},
            "--container: container 'db' does not exist (containers: web, proxy)",
        ),
        ({"task_role_arn": "web-task"}, "taskdef.json: taskRoleArn: expected an IAM role ARN"),
        (
            {"placeholders": {"IMAGE9": "a:1"}},
            "taskdef.json: placeholder <IMAGE9> does not occur in the task definition",
        ),
        (
            {"container": "proxy", "log_options": [("a", "b")]},
            "taskdef.json: containerDefinitions[1].logConfiguration: the container has no logConfiguration",
        ),
        (
            {"container": "web", "log_driver": "syslogd"},
            "taskdef.json: containerDefinitions[0].logConfiguration.logDriver: expected one of",
        ),
    ],
)
def test_errors(options: dict[str, Any], expected: str) -> None:
    found = render_problems(two_containers(), **options)
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_at_once() -> None:
    found = render_problems(
        two_containers(),
        images=[("api", "a:1"), ("db", "b:1")],
        task_role_arn="x",
    )
    assert len(found) == 3


def test_interpolation_then_placeholders_must_all_resolve() -> None:
    td = normalize_task_definition(
        {
            "family": "web-${STAGE}",
            "containerDefinitions": [
                {"name": "web", "image": "<IMAGE1_NAME>", "command": ["sh", "-c", "echo $${HOME}"]},
                {"name": "side", "image": "<SIDECAR>"},
            ],
        },
        "taskdef.json",
    )
    result = render(
        td, placeholders={"IMAGE1_NAME": "nginx:1"}, images=[("side", "busybox")], environment={"STAGE": "prod"}
    )
    assert result["family"] == "web-prod"
    assert result["containerDefinitions"][0]["command"] == ["sh", "-c", "echo ${HOME}"]
    assert result["containerDefinitions"][1]["image"] == "busybox"

    found = render_problems(td, placeholders={"IMAGE1_NAME": "nginx:1"}, environment={})
    assert found == [
        "taskdef.json: family: environment variable STAGE is not set (used as ${STAGE})",
        "taskdef.json: containerDefinitions[1].image: placeholder <SIDECAR> was not replaced",
    ]


def test_without_interpolation_dollar_braces_stay_but_must_still_be_valid() -> None:
    td = normalize_task_definition(
        {"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "command": ["echo ${X}"]}]},
        "taskdef.json",
    )
    assert render(td)["containerDefinitions"][0]["command"] == ["echo ${X}"]
    bad = normalize_task_definition(
        {"family": "web", "containerDefinitions": [{"name": "web", "image": "web:${TAG}"}]}, "taskdef.json"
    )
    assert "invalid image reference" in render_problems(bad)[0]


def test_result_is_validated_against_the_model() -> None:
    rendered = render_task_definition(two_containers(), RenderOptions(images=[("web", "nginx:2")]))
    assert json.loads(rendered.task_definition.to_json())["containerDefinitions"][0]["image"] == "nginx:2"
    assert rendered.task_definition.file == "taskdef.json"
