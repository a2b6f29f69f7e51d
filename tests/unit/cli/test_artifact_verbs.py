"""The validate, convert and render verbs, in-process (and one subprocess for imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecsflow.errors import ExitCode

ROOT = Path(__file__).parents[3]
EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "unit" / "render" / "golden"
ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"
EX = {name: str(EXAMPLES / name) for name in (
    "taskdef.json", "appspec.yaml", "imagedefinitions.json", "imageDetail.json", "buildspec.yml", "service.json",
)}  # fmt: skip


def test_validate_all_examples(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("validate", *(EX[n] for n in EX if n != "service.json"))
    assert code == 0, err
    assert out.count("ok  ") == 5
    assert f"ok  {EX['taskdef.json']} (task definition)" in out


def test_validate_reports_every_problem_of_every_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad_td = tmp_path / "taskdef.json"
    bad_td.write_text(json.dumps({"family": "web", "containerDefinitions": [
        {"name": "web", "image": "nginx", "portMappings": [{"containerPort": "80"}]},
        {"name": "web", "image": "nginx", "memory": "1"}]}))  # fmt: skip
    bad_spec = tmp_path / "appspec.yaml"
    bad_spec.write_text("version: 0.0\nResources: []\n")
    code, out, err = run_cli("validate", str(bad_td), EX["buildspec.yml"], str(bad_spec), str(tmp_path / "nope.json"))
    assert code == ExitCode.INVALID
    assert f"ok  {EX['buildspec.yml']}" in out
    assert "error: 3 of 4 files are invalid" in err
    assert f'{bad_td}: containerDefinitions[0].portMappings[0].containerPort: expected integer, got "80"' in err
    assert f'{bad_td}: containerDefinitions[1].memory: expected integer, got "1"' in err
    assert f"{bad_spec}: Resources: at least one resource (the ECS service) is required" in err
    assert f"{tmp_path / 'nope.json'}: no such file" in err
    assert "Traceback" not in err


def test_validate_forced_type(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("validate", "--type", "image-detail", EX["taskdef.json"])
    assert code == ExitCode.INVALID
    assert "ImageURI: required field is missing" in err


def test_validate_json_output(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("--output", "json", "validate", EX["taskdef.json"], EX["appspec.yaml"])
    assert code == 0
    result = json.loads(out)
    assert result == {"ok": True, "files": [
        {"file": EX["taskdef.json"], "type": "taskdef", "warnings": []},
        {"file": EX["appspec.yaml"], "type": "appspec", "warnings": []}]}  # fmt: skip


def test_validate_json_output_on_failure(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "imagedefinitions.json"
    bad.write_text("[]")
    code, out, _ = run_cli("--output", "json", "validate", str(bad))
    assert code == ExitCode.INVALID
    payload = json.loads(out)
    assert payload["ok"] is False and payload["error"]["type"] == "ArtifactError"
    assert payload["error"]["problems"][0]["file"] == str(bad)
    assert "the list is empty" in payload["error"]["problems"][0]["message"]


def test_validate_shows_warnings(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    described = tmp_path / "described.json"
    td = json.loads(Path(EX["taskdef.json"]).read_text())
    described.write_text(json.dumps({"taskDefinition": {**td, "revision": 4, "status": "ACTIVE"}}))
    code, out, err = run_cli("validate", "--type", "taskdef", str(described))
    assert code == 0 and f"ok  {described}" in out
    assert "warning:" in err and "removed read-only fields of DescribeTaskDefinition output: revision, status" in err


def test_convert_image_detail(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("convert", "image-detail", EX["imageDetail.json"], "--container", "web")
    assert code == 0
    assert out == (GOLDEN / "imagedefinitions-from-imageDetail.json").read_text()
    target = tmp_path / "imagedefinitions.json"
    code, out, err = run_cli("convert", "image-detail", EX["imageDetail.json"], "--container", "web", "-o", str(target))
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text() == (GOLDEN / "imagedefinitions-from-imageDetail.json").read_text()


def test_convert_image_definitions_json_output(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("--output", "json", "convert", "image-definitions", EX["imagedefinitions.json"])
    assert code == 0
    assert json.loads(out) == {
        "ok": True,
        "type": "image-detail",
        "written_to": None,
        "document": {"ImageURI": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1"},
        "warnings": [],
    }


def test_convert_needs_a_container_when_several(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    defs = tmp_path / "imagedefinitions.json"
    defs.write_text(json.dumps([{"name": "a", "imageUri": "x"}, {"name": "b", "imageUri": "y"}]))
    code, _, err = run_cli("convert", "image-definitions", str(defs))
    assert code == ExitCode.INVALID
    assert "has 2 entries (a, b); choose one" in err and "--container" in err


def test_render_taskdef_with_image_detail_matches_golden(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(
        "render", "taskdef", EX["taskdef.json"], "--image-detail", f"IMAGE1_NAME={EX['imageDetail.json']}"
    )
    assert code == 0, err
    assert out == (GOLDEN / "taskdef-rendered.json").read_text()


def test_render_taskdef_options_and_yaml(run_cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "taskdef.yaml"
    template.write_text(
        "family: web\ncpu: 256\ncontainerDefinitions:\n  - name: web\n    image: web:${TAG:-dev}\n"
        "    command: [sh, -c, 'echo $${HOME}']\n"
    )
    monkeypatch.setenv("TAG", "v9")
    code, out, err = run_cli(
        "render", "taskdef", str(template), "--env", "A=b=c", "--docker-label", "k=v=w", "--secret", "S=arn:s",
        "--command", "npm run 'start app'", "--log-driver", "awslogs", "--log-option", "awslogs-group=/ecs/web",
        "--task-role-arn", "arn:aws:iam::123456789012:role/t", "--format", "yaml",
    )  # fmt: skip
    assert code == 0, err
    assert out == (
        "family: web\ncpu: '256'\ncontainerDefinitions:\n- name: web\n  image: web:v9\n"
        "  command:\n  - npm\n  - run\n  - start app\n"
        "  environment:\n  - name: A\n    value: b=c\n"
        "  secrets:\n  - name: S\n    valueFrom: arn:s\n"
        "  dockerLabels:\n    k: v=w\n"
        "  logConfiguration:\n    logDriver: awslogs\n    options:\n      awslogs-group: /ecs/web\n"
        "taskRoleArn: arn:aws:iam::123456789012:role/t\n"
    )


def test_render_taskdef_json_result(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(
        "--output", "json", "render", "taskdef", EX["taskdef.json"], "--image", "web=nginx:1.27", "--no-interpolate"
    )
    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True and result["type"] == "taskdef" and result["family"] == "web"
    assert result["changes"] == ["containerDefinitions[0].image: <IMAGE1_NAME> -> nginx:1.27 (--image)"]
    assert result["document"]["containerDefinitions"][0]["image"] == "nginx:1.27"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "containerDefinitions[0].image: placeholder <IMAGE1_NAME> was not replaced"),
        (["--image", "api=nginx"], "container 'api' does not exist in the task definition (containers: web)"),
        (["--image-definitions", EX["appspec.yaml"]], "invalid JSON at line 1"),
        (["--env", "NOVALUE", "--image", "web=nginx"], "--env 'NOVALUE': expected NAME=VALUE"),
        (["--command", "a 'b", "--image", "web=nginx"], '--command "a \'b": No closing quotation'),
        (["--image-detail", "IMAGE1_NAME=/nope/imageDetail.json"], "/nope/imageDetail.json: no such file"),
    ],
)
def test_render_taskdef_errors(run_cli, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("render", "taskdef", EX["taskdef.json"], *args)
    assert code == ExitCode.INVALID
    assert expected in err, err
    assert out == "" and "Traceback" not in err


def test_render_taskdef_names_the_imagedefinitions_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    defs = tmp_path / "build-images.json"
    defs.write_text(json.dumps([{"name": "api", "imageUri": "nginx"}]))
    code, _, err = run_cli("render", "taskdef", EX["taskdef.json"], "--image-definitions", str(defs))
    assert code == ExitCode.INVALID
    assert f"{defs}: container 'api' does not exist in the task definition (containers: web)" in err


def test_render_taskdef_missing_variable(run_cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ECSFLOW_TEST_UNSET", raising=False)
    template = tmp_path / "taskdef.json"
    template.write_text(
        json.dumps({"family": "web", "containerDefinitions": [{"name": "web", "image": "web:${ECSFLOW_TEST_UNSET}"}]})
    )
    code, _, err = run_cli("render", "taskdef", str(template))
    assert code == ExitCode.INVALID
    assert "containerDefinitions[0].image: environment variable ECSFLOW_TEST_UNSET is not set" in err
    assert "hint: Set the variables" in err


def test_render_appspec_matches_golden(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("render", "appspec", EX["appspec.yaml"], "--task-definition", ARN)
    assert code == 0, err
    assert out == (GOLDEN / "appspec-rendered.yaml").read_text()


def test_render_appspec_from_service_matches_golden(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(
        "render",
        "appspec",
        "--from-service",
        EX["service.json"],
        "--hook",
        "AfterAllowTestTraffic=CodeDeployHook_smoke",
    )
    assert code == 0, err
    assert out == (GOLDEN / "appspec-from-service.yaml").read_text()


def test_render_appspec_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("render", "appspec", EX["appspec.yaml"], "--task-definition", ARN, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == 0.0 and data["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"] == ARN


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "give either an AppSpec FILE or --from-service FILE"),
        ([EX["appspec.yaml"]], "--task-definition ARN is required"),
        ([EX["appspec.yaml"], "--task-definition", "web:7"], "not a full task definition ARN"),
        (
            [EX["appspec.yaml"], "--from-service", EX["service.json"]],
            "give either an AppSpec FILE or --from-service FILE",
        ),
        (["--from-service", EX["taskdef.json"]], "not a DescribeServices result"),
    ],
)
def test_render_appspec_errors(run_cli, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("render", "appspec", *args)
    assert code == ExitCode.INVALID
    assert expected in err, err


def test_help_texts_have_examples(run_cli) -> None:  # type: ignore[no-untyped-def]
    for verb in (["validate"], ["convert"], ["render", "taskdef"], ["render", "appspec"]):
        code, out, _ = run_cli(*verb, "--help")
        assert code == 0 and "Examples:" in out, verb


def test_validate_does_not_import_boto3() -> None:
    code = (
        "import sys; from ecsflow.cli.main import run; "
        f"rc = run(['validate', {EX['taskdef.json']!r}, {EX['appspec.yaml']!r}]); "
        "print(rc, 'boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "0 False False", proc.stdout + proc.stderr
