"""The local AWS over HTTP: the fixture, the example world, the control plane."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World


def control(aws: LocalAWS, path: str, body: dict[str, Any] | None = None, method: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{aws.endpoint_url}/_ecsflow/{path}", data=data, method=method or ("POST" if data else "GET")
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_server_binds_loopback_on_a_free_port(local_aws: LocalAWS) -> None:
    assert local_aws.endpoint_url.startswith("http://127.0.0.1:")
    assert int(local_aws.endpoint_url.rsplit(":", 1)[1]) > 0
    assert control(local_aws, "health")["ok"] is True


def test_world_is_created_through_the_api(local_world: World, local_aws: LocalAWS) -> None:
    ecs = local_aws.client("ecs")
    taskdef = ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]
    container = taskdef["containerDefinitions"][0]
    assert container["name"] == "web"
    assert container["portMappings"][0]["containerPort"] == 8080
    assert container["image"].endswith("@" + local_world.image_digest)
    assert ecs.describe_clusters(clusters=["demo"])["clusters"][0]["status"] == "ACTIVE"
    groups = local_aws.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/web")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/ecs/web"]


def test_each_test_starts_from_an_empty_cloud(local_aws: LocalAWS) -> None:
    assert local_aws.client("ecs").list_clusters()["clusterArns"] == []
    assert local_aws.calls()["operations"] == {"ecs:ListClusters": {"calls": 1, "attempts": 1, "errors": 0}}


def test_control_plane_advance_and_clock(local_aws: LocalAWS) -> None:
    start = control(local_aws, "clock")["now"]
    answer = control(local_aws, "advance", {"seconds": 90})
    assert answer["now"] == start + 90
    assert local_aws.now() == start + 90


def test_control_plane_rejects_bad_input(local_aws: LocalAWS) -> None:
    with pytest.raises(urllib.error.HTTPError) as bad:
        control(local_aws, "advance", {"seconds": "soon"})
    assert bad.value.code == 400
    assert "seconds must be a number" in json.loads(bad.value.read())["error"]
    with pytest.raises(urllib.error.HTTPError) as unknown:
        control(local_aws, "nope")
    assert unknown.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as scenario:
        control(local_aws, "scenario", {"faults": {"ecs:*": {"throttle_evry": 3}}})
    assert scenario.value.code == 400
    assert any("faults.ecs:*.throttle_evry" in p for p in json.loads(scenario.value.read())["problems"])


def test_control_plane_reset_forgets_resources_and_counts(local_aws: LocalAWS) -> None:
    local_aws.client("ecs").create_cluster(clusterName="gone")
    control(local_aws, "advance", {"seconds": 10})
    answer = control(local_aws, "reset", {"seed": 5})
    assert answer["seed"] == 5
    assert answer["clock"]["now"] == 1_767_225_600.0
    assert control(local_aws, "calls")["operations"] == {}
    assert local_aws.client("ecs").list_clusters()["clusterArns"] == []


def test_moto_api_stays_reachable(local_aws: LocalAWS) -> None:
    with urllib.request.urlopen(f"{local_aws.endpoint_url}/moto-api/data.json", timeout=10) as resp:
        assert resp.status == 200
        assert isinstance(json.loads(resp.read()), dict)
    assert control(local_aws, "calls")["operations"] == {}


def test_hooks_endpoint_serves_every_hook_source(local_aws: LocalAWS) -> None:
    ctx = local_aws.context
    hook = {"DeploymentId": "d-000000001", "LifecycleEventHookExecutionId": "h-1"}

    def source() -> list[dict[str, Any]]:
        return [hook]

    ctx.hook_sources.append(source)
    try:
        assert hook in control(local_aws, "hooks")["hooks"]
        assert hook in local_aws.pending_hooks()
    finally:
        ctx.hook_sources.remove(source)


def test_clock_can_be_changed_through_the_control_plane(local_aws: LocalAWS) -> None:
    answer = control(local_aws, "clock", {"mode": "wall", "speed": 10})
    assert (answer["mode"], answer["speed"]) == ("wall", 10)
    with pytest.raises(urllib.error.HTTPError) as bad:
        control(local_aws, "clock", {"mode": "sundial"})
    assert bad.value.code == 400


def test_in_process_transport_without_a_server(tmp_path: Any) -> None:
    # A fresh interpreter: this process already runs the session's server.
    import subprocess
    import sys

    script = (
        "from ecsflow.sim.api import LocalAWS\n"
        "with LocalAWS(transport='inprocess', clock='manual') as aws:\n"
        "    ecs = aws.client('ecs')\n"
        "    ecs.create_cluster(clusterName='demo')\n"
        "    print(len(ecs.list_clusters()['clusterArns']), aws.calls()['total']['calls'], aws.endpoint_url)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "2", "http://127.0.0.1:9"]


def test_lambda_runs_without_docker(local_aws: LocalAWS) -> None:
    import io
    import zipfile

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = local_aws.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    lam = local_aws.client("lambda")
    lam.create_function(
        FunctionName="hook",
        Runtime="python3.11",
        Role=role["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )
    answer = lam.invoke(FunctionName="hook", Payload=json.dumps({"x": 1}))
    # moto's docker-less backend echoes the payload (with Docker missing it would answer FunctionError)
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"x": 1}
    assert local_aws.calls()["operations"]["lambda:Invoke"] == {"calls": 1, "attempts": 1, "errors": 0}


def test_moto_api_reset_resets_the_simulation_too(local_aws: LocalAWS) -> None:
    local_aws.client("ecs").create_cluster(clusterName="gone")
    local_aws.advance(60)
    local_aws.client("codepipeline").put_job_success_result(jobId="job-1")
    request = urllib.request.Request(f"{local_aws.endpoint_url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert json.loads(resp.read()) == {"status": "ok"}
    assert local_aws.now() == 1_767_225_600.0
    assert local_aws.job_results() == []
    assert local_aws.client("ecs").list_clusters()["clusterArns"] == []
