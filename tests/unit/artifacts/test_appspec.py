from __future__ import annotations

import json

import pytest

from ecsflow.artifacts.appspec import parse_appspec
from ecsflow.artifacts.loader import Format
from ecsflow.errors import ArtifactError

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"
FULL = """\
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 8080
        PlatformVersion: "1.4.0"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-1", "subnet-2"]
            SecurityGroups: ["sg-1"]
            AssignPublicIp: DISABLED
        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: FARGATE
            Weight: 1
          - CapacityProvider: FARGATE_SPOT
            Weight: 3
Hooks:
  - BeforeInstall: CodeDeployHook_before
  - AfterInstall: CodeDeployHook_afterInstall
  - AfterAllowTestTraffic: CodeDeployHook_smoke
  - BeforeAllowTraffic: CodeDeployHook_beforeProd
  - AfterAllowTraffic: arn:aws:lambda:us-east-1:123456789012:function:CodeDeployHook_after
"""


def problems(text: str, file: str = "appspec.yaml") -> list[str]:
    with pytest.raises(ArtifactError) as exc:
        parse_appspec(text, file)
    return [f"{p.path}: {p.message}" for p in exc.value.problems]


def test_full_appspec() -> None:
    spec = parse_appspec(FULL)
    assert spec.format is Format.YAML
    assert (spec.task_definition, spec.container_name, spec.container_port) == ("<TASK_DEFINITION>", "web", 8080)
    assert spec.warnings == ()


def test_json_and_lower_case_keys_as_the_aws_cli_accepts() -> None:
    data = {
        "version": 0.0,
        "resources": [
            {"TargetService": {"type": "AWS::ECS::Service", "properties": {
                "taskDefinition": ARN, "loadBalancerInfo": {"containerName": "web", "containerPort": 80}}}}
        ],
        "hooks": [{"afterAllowTestTraffic": "fn"}],
    }  # fmt: skip
    spec = parse_appspec(json.dumps(data), "appspec.json")
    assert spec.format is Format.JSON
    assert (spec.task_definition, spec.container_port) == (ARN, 80)


def test_version_must_be_0_0_and_is_read_as_text() -> None:
    assert problems(FULL.replace("version: 0.0", "version: 0.1"))[0] == "version: must be 0.0 for ECS, got 0.1"
    assert problems(FULL.replace("version: 0.0\n", "")) == [
        "version: required field is missing; ECS AppSpecs use version 0.0"
    ]
    parse_appspec(FULL.replace("version: 0.0", 'version: "0.0"'))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("ContainerPort: 8080", 'ContainerPort: "8080"',
         'Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort: expected a port number (not a string), got "8080"'),  # noqa: E501
        ("ContainerPort: 8080", "ContainerPort: 70000",
         "Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort: must be 1-65535, got 70000"),
        ("          ContainerName: web\n", "",
         "Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerName: required field is missing"),
        ("Type: AWS::ECS::Service", "Type: AWS::Lambda::Function",
         'Resources[0].TargetService.Type: must be AWS::ECS::Service, got "AWS::Lambda::Function"'),
        ("TaskDefinition: <TASK_DEFINITION>", "TaskDefinition: web:3",
         "Resources[0].TargetService.Properties.TaskDefinition: expected <TASK_DEFINITION> or a full task definition ARN "  # noqa: E501
         '(arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION), got "web:3"'),
        ("            SecurityGroups: [\"sg-1\"]\n", "",
         "Resources[0].TargetService.Properties.NetworkConfiguration.AwsvpcConfiguration: "
         "give Subnets, SecurityGroups and AssignPublicIp together; missing SecurityGroups"),
        ("AssignPublicIp: DISABLED", "AssignPublicIp: false",
         "Resources[0].TargetService.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp: "
         "expected ENABLED or DISABLED, got false"),
        ("          - CapacityProvider: FARGATE_SPOT\n", "          - Base: 2\n            CapacityProvider: FARGATE_SPOT\n",  # noqa: E501
         "Resources[0].TargetService.Properties.CapacityProviderStrategy: only one capacity provider may have a Base above 0"),  # noqa: E501
        ("Weight: 1", "Weight: 0", None),
        ("  - BeforeInstall: CodeDeployHook_before", "  - Install: CodeDeployHook_before",
         "Hooks[0].Install: not a hookable ECS lifecycle event; use one of BeforeInstall, AfterInstall, "
         "AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic"),
        ("  - AfterInstall: CodeDeployHook_afterInstall", "  - BeforeInstall: again",
         "Hooks[1].BeforeInstall: BeforeInstall has more than one hook"),
        ("PlatformVersion: \"1.4.0\"", "Platform: LATEST",
         "Resources[0].TargetService.Properties.Platform: unknown field 'Platform'; expected one of TaskDefinition, "
         "LoadBalancerInfo, PlatformVersion, NetworkConfiguration, CapacityProviderStrategy"),
    ],
)  # fmt: skip
def test_rules(old: str, new: str, expected: str | None) -> None:
    assert old in FULL
    text = FULL.replace(old, new)
    if expected is None:  # Weight 0 on one provider is fine while another has weight
        parse_appspec(text)
    else:
        assert expected in problems(text)


def test_all_weights_zero() -> None:
    text = FULL.replace("Weight: 1", "Weight: 0").replace("Weight: 3", "Weight: 0")
    assert problems(text) == [
        "Resources[0].TargetService.Properties.CapacityProviderStrategy: at least one capacity provider needs a Weight above 0"  # noqa: E501
    ]


def test_structure_problems_all_reported() -> None:
    text = "version: 0.0\nResources: {}\nHooks: [BeforeInstall]\nfiles: []\n"
    assert problems(text) == [
        "files: unknown field 'files'; expected one of version, Resources, Hooks",
        "Resources: expected a list of resources, got object",
        'Hooks[0]: each hooks is a map with exactly one key, got "BeforeInstall"',
    ]


def test_keys_given_twice_in_different_case() -> None:
    text = FULL + "resources: []\n"
    assert "resources: Resources is given twice (keys ignore case)" in problems(text)


def test_more_than_one_resource_is_a_warning() -> None:
    resource = FULL.split("Resources:\n")[1].split("Hooks:", maxsplit=1)[0]
    spec = parse_appspec(FULL.replace(resource, resource + resource))
    assert "an ECS deployment uses only the first" in spec.warnings[0].message
