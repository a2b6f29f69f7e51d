"""``ecsflow continue`` on a CODE_DEPLOY service: ContinueDeployment, then CodeDeploy's own wait to the end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.codedeploy.world import BlueGreenOptions, build_world, task_definition

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")


def cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args)
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    final: dict[str, Any] = next((d["result"] for d in reversed(docs) if "result" in d), {})
    web: dict[str, Any] = next((r for r in final.get("services", []) if r["service"] == "web"), {})
    return code, web, out + err


def test_continue_waits_for_the_codedeploy_deployment_to_end(run_cli: Any, local_aws: LocalAWS, tmp_path: Path) -> None:
    build_world(local_aws.client, BlueGreenOptions(ready_wait_minutes=60, termination_wait_minutes=0))
    (tmp_path / "taskdef.json").write_text(json.dumps(task_definition("web", "public.ecr.aws/nginx/nginx:1.27", 80)))
    config = tmp_path / "ecsflow.yml"
    config.write_text("version: 1\nservices:\n  web:\n    cluster: web-cluster\n    task_definition: taskdef.json\n")
    code, web, text = cli(run_cli, local_aws, config, "deploy", "web", "--image", "web=public.ecr.aws/nginx/nginx:1.28")
    assert code == ExitCode.PAUSED, text
    code, _, text = cli(run_cli, local_aws, config, "continue", "web", "--until", "bake")
    assert code == ExitCode.INVALID and "followed to its end" in text
    code, cont, text = cli(run_cli, local_aws, config, "continue", "web")
    assert code == ExitCode.OK, text
    assert cont["outcome"] == "succeeded"
    info = local_aws.client("codedeploy").get_deployment(deploymentId=web["deployment_id"])["deploymentInfo"]
    assert info["status"] == "Succeeded", "continue returned only once the deployment ended"
