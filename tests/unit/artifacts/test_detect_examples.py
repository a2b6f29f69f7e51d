from __future__ import annotations

from pathlib import Path

import pytest

from ecsflow.artifacts.detect import ArtifactType, detect_type, type_from_content, validate_file
from ecsflow.errors import ArtifactError

EXAMPLES = Path(__file__).parents[3] / "examples"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("taskdef.json", ArtifactType.TASKDEF),
        ("appspec.yaml", ArtifactType.APPSPEC),
        ("imagedefinitions.json", ArtifactType.IMAGE_DEFINITIONS),
        ("imageDetail.json", ArtifactType.IMAGE_DETAIL),
        ("buildspec.yml", ArtifactType.BUILDSPEC),
    ],
)
def test_examples_are_valid(name: str, kind: ArtifactType) -> None:
    result = validate_file((EXAMPLES / name).read_bytes(), str(EXAMPLES / name))
    assert result.type is kind
    assert result.warnings == ()


def test_examples_use_the_shared_names() -> None:
    text = "".join((EXAMPLES / n).read_text() for n in ("taskdef.json", "imagedefinitions.json", "imageDetail.json"))
    assert "123456789012.dkr.ecr.us-east-1.amazonaws.com/web" in text
    assert '"family": "web"' in text and '"containerPort": 8080' in text
    assert "<IMAGE1_NAME>" in text
    assert "<TASK_DEFINITION>" in (EXAMPLES / "appspec.yaml").read_text()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("build/imagedefinitions-prod.json", ArtifactType.IMAGE_DEFINITIONS),
        ("ImageDetail.json", ArtifactType.IMAGE_DETAIL),
        ("appspec.json", ArtifactType.APPSPEC),
        ("buildspec-test.yaml", ArtifactType.BUILDSPEC),
        ("web-task-definition.yaml", ArtifactType.TASKDEF),
        ("ecs/taskdef.prod.json", ArtifactType.TASKDEF),
    ],
)
def test_type_from_name(name: str, kind: ArtifactType) -> None:
    assert detect_type("{}", name) is kind


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ('[{"name": "web", "imageUri": "nginx"}]', ArtifactType.IMAGE_DEFINITIONS),
        ('{"ImageURI": "nginx"}', ArtifactType.IMAGE_DETAIL),
        ('{"family": "a", "containerDefinitions": []}', ArtifactType.TASKDEF),
        ('{"taskDefinition": {"family": "a"}}', ArtifactType.TASKDEF),
        ("version: 0.0\nresources: []\n", ArtifactType.APPSPEC),
        ("version: 0.2\nphases: {}\n", ArtifactType.BUILDSPEC),
        ("a: 1\n", None),
        ("[1, 2]", None),
        ("{bad", None),
    ],
)
def test_type_from_content(content: str, kind: ArtifactType | None) -> None:
    assert type_from_content(content, "file") is kind


def test_unknown_type_says_to_use_type() -> None:
    with pytest.raises(ArtifactError) as exc:
        detect_type("a: 1\n", "settings.yml")
    assert "cannot tell which pipeline file this is" in exc.value.message
    assert exc.value.hint and "--type" in exc.value.hint


def test_forced_type_wins() -> None:
    with pytest.raises(ArtifactError) as exc:
        validate_file('{"ImageURI": "nginx"}', "imageDetail.json", ArtifactType.TASKDEF)
    assert "imageDetail.json: family: required field is missing" in [str(p) for p in exc.value.problems]
