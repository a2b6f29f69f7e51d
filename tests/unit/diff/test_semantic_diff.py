from __future__ import annotations

import json

import pytest

from ecsflow.diff import (
    MASK,
    ChangeKind,
    Masker,
    diff_service_settings,
    diff_task_definitions,
    normalize_task_definition,
)

FILE = {
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": 256,
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "web:v1",
            "portMappings": [{"containerPort": 8080}],
            "environment": [
                {"name": "LOG_LEVEL", "value": "info"},
                {"name": "DB_PASSWORD", "value": "hunter22"},
            ],
            "secrets": [{"name": "API_TOKEN", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/web/token"}],
        },
        {"name": "sidecar", "image": "envoy:1", "essential": False},
    ],
}

# What DescribeTaskDefinition returns for FILE: read-only fields, AWS defaults, other order.
DESCRIBED = {
    "taskDefinition": {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3",
        "revision": 3,
        "status": "ACTIVE",
        "registeredAt": "2026-01-01T00:00:00Z",
        "registeredBy": "arn:aws:iam::1:user/x",
        "compatibilities": ["EC2", "FARGATE"],
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "volumes": [],
        "placementConstraints": [],
        "containerDefinitions": [
            {"name": "sidecar", "image": "envoy:1", "essential": False, "cpu": 0, "environment": []},
            {
                "name": "app",
                "image": "web:v1",
                "cpu": 0,
                "essential": True,
                "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
                "environment": [
                    {"name": "DB_PASSWORD", "value": "hunter22"},
                    {"name": "LOG_LEVEL", "value": "info"},
                ],
                "mountPoints": [],
                "volumesFrom": [],
                "secrets": [{"name": "API_TOKEN", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/web/token"}],
            },
        ],
    },
    "tags": [],
}


def _with_app(**changes: object) -> dict[str, object]:
    doc = json.loads(json.dumps(FILE))
    doc["containerDefinitions"][0].update(changes)
    return doc


def test_described_equals_file_despite_defaults_order_and_read_only_fields() -> None:
    diff = diff_task_definitions(DESCRIBED, FILE)
    assert not diff.changed, diff.lines()


def test_image_change_is_named_by_container() -> None:
    diff = diff_task_definitions(DESCRIBED, _with_app(image="web:v2"))
    assert diff.lines() == ['~ containerDefinitions[app].image: "web:v1" → "web:v2"']


def test_environment_added_removed_changed_by_name() -> None:
    env = [{"name": "LOG_LEVEL", "value": "debug"}, {"name": "NEW", "value": "1"}]
    diff = diff_task_definitions(FILE, _with_app(environment=env))
    assert diff.lines() == [
        '~ containerDefinitions[app].environment[LOG_LEVEL].value: "info" → "debug"',
        f'- containerDefinitions[app].environment[DB_PASSWORD]: {{"name": "DB_PASSWORD", "value": "{MASK}"}}',
        '+ containerDefinitions[app].environment[NEW]: {"name": "NEW", "value": "1"}',
    ]


def test_a_changed_secret_value_shows_as_changed_but_masked() -> None:
    env = [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "s3cret-new"}]
    diff = diff_task_definitions(FILE, _with_app(environment=env))
    assert [(c.path, c.kind, c.before, c.after) for c in diff.changes] == [
        ("containerDefinitions[app].environment[DB_PASSWORD].value", ChangeKind.CHANGED, MASK, MASK)
    ]
    assert "hunter22" not in str(diff.lines()) and "s3cret-new" not in str(diff.lines())


def test_added_container_is_masked_and_secrets_shown_by_reference() -> None:
    doc = json.loads(json.dumps(FILE))
    doc["containerDefinitions"].append(
        {
            "name": "job",
            "image": "job:1",
            "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "abcd1234"}],
            "secrets": [{"name": "X", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:x"}],
        }
    )
    (change,) = diff_task_definitions(FILE, doc).changes
    assert change.kind is ChangeKind.ADDED and change.path == "containerDefinitions[job]"
    assert change.after["environment"] == [{"name": "AWS_SECRET_ACCESS_KEY", "value": MASK}]
    assert change.after["secrets"][0]["valueFrom"].endswith(":secret:x")


def test_order_matters_where_ecs_cares() -> None:
    diff = diff_task_definitions(_with_app(command=["a", "b"]), _with_app(command=["b", "a"]))
    assert diff.lines() == ['~ containerDefinitions[app].command: ["a", "b"] → ["b", "a"]']


def test_set_like_lists_ignore_order() -> None:
    a = {**FILE, "requiresCompatibilities": ["EC2", "FARGATE"]}
    b = {**FILE, "requiresCompatibilities": ["FARGATE", "EC2"]}
    assert not diff_task_definitions(a, b).changed


def test_host_port_default_only_ignored_with_awsvpc() -> None:
    bridge = {**_with_app(portMappings=[{"containerPort": 80, "hostPort": 80}]), "networkMode": "bridge"}
    bridge_none = {**_with_app(portMappings=[{"containerPort": 80}]), "networkMode": "bridge"}
    assert diff_task_definitions(bridge, bridge_none).changed
    vpc = {**bridge, "networkMode": "awsvpc"}
    vpc_none = {**bridge_none, "networkMode": "awsvpc"}
    assert not diff_task_definitions(vpc, vpc_none).changed


def test_host_port_zero_is_a_dynamic_port_like_none() -> None:
    zero = {**_with_app(portMappings=[{"containerPort": 80, "hostPort": 0}]), "networkMode": "bridge"}
    none = {**_with_app(portMappings=[{"containerPort": 80}]), "networkMode": "bridge"}
    assert not diff_task_definitions(zero, none).changed


def test_normalize_strips_read_only_fields() -> None:
    norm = normalize_task_definition(DESCRIBED)
    assert "revision" not in norm and "taskDefinitionArn" not in norm and "volumes" not in norm
    assert norm["cpu"] == "256"


def test_service_settings_compare_only_what_config_sets() -> None:
    live = {
        "desiredCount": 7,  # autoscaled: not in the config, not a change
        "deploymentConfiguration": {
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        },
    }
    desired = {"deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}}
    diff = diff_service_settings(live, desired)
    assert diff.lines() == [
        "~ deploymentConfiguration.deploymentCircuitBreaker.enable: false → true",
        "~ deploymentConfiguration.deploymentCircuitBreaker.rollback: false → true",
    ]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("api_key", True),
        ("GITHUB_TOKEN", True),
        ("PRIVATE-KEY", True),
        ("LOG_LEVEL", False),
        ("PORT", False),
    ],
)
def test_default_mask_pattern(name: str, secret: bool) -> None:
    assert Masker().is_secret_name(name) is secret


def test_mask_pattern_is_configurable() -> None:
    masker = Masker.from_env({"ECSFLOW_MASK_PATTERN": "^INTERNAL_"})
    assert masker.is_secret_name("INTERNAL_URL")
    assert not masker.is_secret_name("DB_PASSWORD")
    env = [{"name": "INTERNAL_URL", "value": "http://x"}]
    assert masker.mask_environment(env) == [{"name": "INTERNAL_URL", "value": MASK}]


def test_scrub_masks_remembered_values_and_assignments() -> None:
    masker = Masker()
    masker.mask_environment([{"name": "DB_PASSWORD", "value": "hunter22"}])
    assert masker.scrub("login failed with hunter22") == f"login failed with {MASK}"
    assert masker.scrub('{"api_key": "xyz", "port": 80}') == f'{{"api_key": "{MASK}", "port": 80}}'
    assert masker.scrub("TOKEN=abc other=1") == f"TOKEN={MASK} other=1"
    assert masker.scrub("nothing secret here") == "nothing secret here"
    assert masker.scrub("api_key: xyz") == f"api_key: {MASK}"
    assert masker.scrub("GET /x?token=abc&y=1") == f"GET /x?token={MASK}&y=1"
    # image references are not assignments, even when the repository name looks secret
    image = "1.dkr.ecr.us-east-1.amazonaws.com/token-service:v1@sha256:" + "a" * 64
    assert masker.scrub(f"image app: {image}") == f"image app: {image}"
