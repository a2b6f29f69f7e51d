"""``ecsflow run`` / ``ecsflow runs`` end to end on the local AWS, in a throwaway Git repository.

Two pipelines as teams run them: ``app`` (application code → buildspec writes
imagedefinitions.json → deploy) and ``taskdef`` (task definition changes → deploy the
configured tag). No Docker: the build writes the URI of an image pushed to the local ECR.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deploy_project import calls, create_service, image_of, push, service, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e

BUILDSPEC = """
version: 0.2
env:
  exported-variables: [IMAGE_URI]
phases:
  build:
    commands:
      - echo "building $REPOSITORY_URI:$IMAGE_TAG from $CODEBUILD_RESOLVED_SOURCE_VERSION"
      - export IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"
  post_build:
    commands:
      - printf '[{"name":"web","imageUri":"%s"}]' "$IMAGE_URI" > imagedefinitions.json
artifacts:
  files: [imagedefinitions.json]
"""

PIPELINES = """
environments: {{test: {{}}, staging: {{services: {{web: {{service: web-staging}}}}}}}}
pipelines:
  app:
    triggers:
      - push: [{{branches: {{includes: [main]}}, filePaths: {{includes: ["app/**", buildspec.yml]}}}}]
    variables: {{IMAGE_TAG: v2}}
    stages:
      - name: Build
        actions:
          - name: Build
            build:
              buildspec: buildspec.yml
              env: {{REPOSITORY_URI: "{repo}", IMAGE_TAG: "#{{variables.IMAGE_TAG}}"}}
            namespace: BuildVariables
            outputs: [BuildOutput]
      - name: Deploy
        actions:
          - {{name: Deploy, deploy: {{services: [web], environment: test}}, inputs: [BuildOutput]}}
          - {{name: Smoke, run: "echo deployed #{{BuildVariables.IMAGE_URI}}", run_order: 2}}
  taskdef:
    triggers:
      - push: [{{branches: {{includes: [main, 1.10]}}, filePaths: {{includes: [taskdef.json]}}}}]
    variables: {{IMAGE_TAG: v2}}
    stages:
      - name: Deploy
        actions:
          - {{name: Deploy, deploy: {{services: [web], tag: "#{{variables.IMAGE_TAG}}"}}}}
  promote:
    stages:
      - name: Promote
        actions: [{{name: ToStaging, promote: {{from: test, to: staging, tag: staging}}}}]
  release:
    stages:
      - name: Approve
        actions: [{{name: Gate, approve: "deploy to test?"}}]
      - name: Deploy
        actions: [{{name: Deploy, deploy: {{services: [web], tag: v2}}}}]
"""


def _git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout.strip()


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")  # polls cost no wall time
    monkeypatch.setenv("CI", "true")  # no prompt: approvals wait
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def repo(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> Path:
    create_service(local_aws, local_world)
    push(local_aws, "v2")
    extra = PIPELINES.format(repo=local_world.repository_uri)
    write_project(tmp_path, local_aws, local_world, extra=extra)
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('v1')\n")
    (tmp_path / ".gitignore").write_text(".ecsflow/\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _commit(tmp_path, "initial")
    return tmp_path


def cli(run_cli: Any, aws: LocalAWS, repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(
        "--endpoint-url", aws.endpoint_url, "-c", str(repo / "ecsflow.yml"), "--output", "json", *args
    )
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    final = next((d for d in reversed(docs) if "runs" in d), {})
    return code, final, out + err


def test_a_code_change_runs_the_app_pipeline_build_then_deploy(
    run_cli: Any, local_aws: LocalAWS, local_world: World, repo: Path
) -> None:
    (repo / "app" / "main.py").write_text("print('v2')\n")
    _commit(repo, "app change")
    head = _git(repo, "rev-parse", "HEAD")
    code, doc, text = cli(run_cli, local_aws, repo, "run", "--from", "HEAD~1")
    assert code == ExitCode.OK, text
    (run,) = doc["runs"]
    assert run["pipeline"] == "app" and run["status"] == "Succeeded" and run["trigger"] == "change"
    assert run["source_revision"] == head
    build = run["stages"][0]["actions"][0]
    uri = f"{local_world.repository_uri}:v2"
    assert build["variables"] == {"IMAGE_URI": uri}
    assert build["artifacts"][0]["name"] == "BuildOutput"
    assert build["artifacts"][0]["files"] == ["imagedefinitions.json"]
    deploy, smoke = run["stages"][1]["actions"]
    assert deploy["status"] == "Succeeded", deploy["message"]
    (deployed,) = deploy["deployed"]
    assert deployed["service"] == "web" and deployed["environment"] == "test"
    running = service(local_aws)["taskDefinition"]
    assert deployed["task_definition_arn"] == running
    assert image_of(local_aws, running).startswith(uri + "@sha256:")  # pinned to its digest
    assert smoke["status"] == "Succeeded"
    assert f"deployed {uri}" in text  # the run action saw the build's exported variable


def test_a_taskdef_change_triggers_only_the_taskdef_pipeline_and_runs_lists_both(
    run_cli: Any, local_aws: LocalAWS, local_world: World, repo: Path
) -> None:
    body = json.loads((repo / "taskdef.json").read_text())
    body["containerDefinitions"][0]["environment"] = [{"name": "MODE", "value": "fast"}]
    (repo / "taskdef.json").write_text(json.dumps(body, indent=2))
    _commit(repo, "taskdef change")
    code, doc, text = cli(run_cli, local_aws, repo, "run", "--from", "HEAD~1", "--var", "IMAGE_TAG=v2")
    assert code == ExitCode.OK, text
    assert [r["pipeline"] for r in doc["runs"]] == ["taskdef"]
    td = local_aws.client("ecs").describe_task_definition(taskDefinition=service(local_aws)["taskDefinition"])
    assert {"name": "MODE", "value": "fast"} in td["taskDefinition"]["containerDefinitions"][0]["environment"]

    code, doc, text = cli(run_cli, local_aws, repo, "run", "app")
    assert code == ExitCode.OK, text
    code, listed, text = cli(run_cli, local_aws, repo, "runs")
    assert code == ExitCode.OK, text
    assert [r["pipeline"] for r in listed["runs"]] == ["app", "taskdef"]  # newest first
    for listed_run in listed["runs"]:  # the deployed digests
        assert listed_run["deployed"][0]["images"][0][1].startswith(f"{local_world.repository_uri}:v2@sha256:")
    run_id = listed["runs"][1]["run_id"]
    code, shown, _ = cli(run_cli, local_aws, repo, "runs", "show", run_id)
    assert code == ExitCode.OK and shown["runs"][0]["run_id"] == run_id
    assert (repo / ".ecsflow" / "runs.sqlite").exists()
    # Plain text lists them too.
    code, out, _ = run_cli("-c", str(repo / "ecsflow.yml"), "runs", "taskdef")
    assert code == 0 and "taskdef" in out and "Succeeded" in out and "app " not in out
    assert "  Deploy: Deploy Succeeded" in out  # each stage with its actions, outcome and duration
    assert f"deployed web: succeeded, web={local_world.repository_uri}:v2@sha256:" in out


def test_an_approval_in_ci_waits_then_resumes_with_approve(run_cli: Any, local_aws: LocalAWS, repo: Path) -> None:
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, repo, "run", "release")
    assert code == ExitCode.PAUSED, text
    (run,) = doc["runs"]
    assert run["status"] == "Waiting"
    assert f"ecsflow run --resume {run['run_id']} --approve Approve" in run["message"]
    assert "ecs:UpdateService" not in calls(local_aws)
    code, doc, text = cli(run_cli, local_aws, repo, "run", "--resume", run["run_id"], "--approve", "Approve")
    assert code == ExitCode.OK, text
    assert doc["runs"][0]["run_id"] == run["run_id"] and doc["runs"][0]["status"] == "Succeeded"
    code, _, text = cli(run_cli, local_aws, repo, "run", "release", "--approve", "Nope")
    assert code == ExitCode.INVALID and "no such stage" in text


def test_a_missing_artifact_file_fails_before_any_mutation(run_cli: Any, local_aws: LocalAWS, repo: Path) -> None:
    (repo / "buildspec.yml").write_text(
        BUILDSPEC.replace("> imagedefinitions.json", "> images.json").replace(
            "files: [imagedefinitions.json]", "files: [images.json]"
        )
    )
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, repo, "run", "app")
    assert code == ExitCode.INVALID, text
    (run,) = doc["runs"]
    assert run["status"] == "Failed"
    assert run["message"].startswith(
        "stage Deploy, action Deploy: input artifact BuildOutput has no imagedefinitions.json nor imageDetail.json"
    )
    assert "images.json" in run["message"]
    assert not {"ecs:RegisterTaskDefinition", "ecs:UpdateService"} & set(calls(local_aws))


def test_runs_are_recorded_in_s3_when_configured(run_cli: Any, local_aws: LocalAWS, repo: Path) -> None:
    local_aws.client("s3").create_bucket(Bucket="team-runs")
    config = repo / "ecsflow.yml"
    config.write_text(config.read_text().replace("defaults:\n", "defaults:\n  run_store: s3://team-runs/ecsflow\n", 1))
    code, doc, text = cli(run_cli, local_aws, repo, "run", "taskdef")
    assert code == ExitCode.OK, text
    run_id = doc["runs"][0]["run_id"]
    keys = [o["Key"] for o in local_aws.client("s3").list_objects_v2(Bucket="team-runs")["Contents"]]
    assert keys == [f"ecsflow/runs/taskdef/{run_id}.json"]
    code, listed, text = cli(run_cli, local_aws, repo, "runs")
    assert code == ExitCode.OK, text
    assert listed["store"] == "s3://team-runs/ecsflow"
    assert [r["run_id"] for r in listed["runs"]] == [run_id]
    code, shown, _ = cli(run_cli, local_aws, repo, "runs", "show", run_id)
    assert shown["runs"][0]["stages"][0]["actions"][0]["deployed"][0]["service"] == "web"
    assert not (repo / ".ecsflow" / "runs.sqlite").exists()
    # A build's output artifacts are kept in the store too (a run can be resumed elsewhere).
    code, doc, text = cli(run_cli, local_aws, repo, "run", "app")
    assert code == ExitCode.OK, text
    app_id = doc["runs"][0]["run_id"]
    artifact = doc["runs"][0]["stages"][0]["actions"][0]["artifacts"][0]
    assert artifact["location"] == f"s3://team-runs/ecsflow/artifacts/{app_id}/BuildOutput/"
    body = (
        local_aws.client("s3")
        .get_object(Bucket="team-runs", Key=f"ecsflow/artifacts/{app_id}/BuildOutput/imagedefinitions.json")["Body"]
        .read()
    )
    assert json.loads(body)[0]["name"] == "web"


def test_a_promotion_deploys_the_digest_that_runs_in_test_to_staging(
    run_cli: Any, local_aws: LocalAWS, local_world: World, repo: Path
) -> None:
    create_service(local_aws, local_world, "web-staging")
    code, doc, text = cli(run_cli, local_aws, repo, "run", "app")
    assert code == ExitCode.OK, text
    in_test = image_of(local_aws, service(local_aws)["taskDefinition"])
    assert "@sha256:" in in_test
    code, doc, text = cli(run_cli, local_aws, repo, "run", "promote")
    assert code == ExitCode.OK, text
    (deployed,) = doc["runs"][0]["stages"][0]["actions"][0]["deployed"]
    assert deployed["environment"] == "staging"
    in_staging = image_of(local_aws, service(local_aws, "web-staging")["taskDefinition"])
    assert in_staging.split("@")[1] == in_test.split("@")[1]  # the same digest
    tagged = local_aws.client("ecr").describe_images(repositoryName="web", imageIds=[{"imageTag": "staging"}])
    assert tagged["imageDetails"][0]["imageDigest"] == in_test.split("@")[1]


def test_run_decides_like_changes_even_for_a_branch_yaml_reads_as_a_number(
    run_cli: Any, local_aws: LocalAWS, repo: Path
) -> None:
    _git(repo, "checkout", "-q", "-b", "1.10")
    body = json.loads((repo / "taskdef.json").read_text())
    body["containerDefinitions"][0]["environment"] = [{"name": "RELEASE", "value": "1.10"}]
    (repo / "taskdef.json").write_text(json.dumps(body, indent=2))
    _commit(repo, "release branch")
    code, out, err = run_cli(
        "-c", str(repo / "ecsflow.yml"), "changes", "--from", "main", "--to", "1.10", "--repo", str(repo)
    )
    assert code == 0 and "taskdef: TRIGGERED" in out, out + err
    code, doc, text = cli(run_cli, local_aws, repo, "run", "--from", "main", "--to", "1.10", "--repo", str(repo))
    assert code == ExitCode.OK, text
    assert [r["pipeline"] for r in doc["runs"]] == ["taskdef"]


def test_a_pull_request_event_runs_what_its_filters_match(run_cli: Any, local_aws: LocalAWS, repo: Path) -> None:
    config = repo / "ecsflow.yml"
    text = config.read_text().replace(
        "  release:\n",
        "  review:\n"
        "    triggers: [{pullRequest: [{events: [OPEN], branches: {includes: [main]}}]}]\n"
        '    stages: [{name: Check, actions: [{name: Lint, run: "echo reviewed"}]}]\n'
        "  release:\n",
    )
    config.write_text(text)
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app" / "main.py").write_text("print('feature')\n")
    _commit(repo, "feature")
    code, doc, out = cli(
        run_cli, local_aws, repo, "run", "--from", "main", "--pull-request", "OPEN", "--branch", "main"
    )
    assert code == ExitCode.OK, out
    assert [r["pipeline"] for r in doc["runs"]] == ["review"]
    code, doc, out = cli(
        run_cli, local_aws, repo, "run", "--from", "main", "--pull-request", "CLOSED", "--branch", "main"
    )
    assert code == ExitCode.OK and doc["runs"] == []


def test_a_one_off_task_runs_with_the_services_settings_until_it_stops(
    run_cli: Any, local_aws: LocalAWS, repo: Path
) -> None:
    # RunTask with the service's task definition and network settings and the command
    # override, followed until moto's task state machine stops it (exit code 0).
    config = repo / "ecsflow.yml"
    config.write_text(
        config.read_text().replace(
            "  release:\n",
            "  migrate:\n"
            "    stages: [{name: Db, actions: [{name: Migrate, run: {task: "
            "{service: web, container: web, command: [manage, migrate], timeout: 60}}}]}]\n"
            "  release:\n",
        )
    )
    # moto 5.2.5's RunTask fails on a container without its own `memory` (it adds None): the
    # service first gets a revision whose container sets it, through the taskdef pipeline.
    body = json.loads((repo / "taskdef.json").read_text())
    body["containerDefinitions"][0]["memory"] = 512
    (repo / "taskdef.json").write_text(json.dumps(body))
    code, _, text = cli(run_cli, local_aws, repo, "run", "taskdef")
    assert code == ExitCode.OK, text
    local_aws.reset_calls()
    code, doc, text = cli(run_cli, local_aws, repo, "run", "migrate")
    assert code == ExitCode.OK, text
    action = doc["runs"][0]["stages"][0]["actions"][0]
    assert action["message"].endswith("stopped: exit codes web=0")
    assert calls(local_aws)["ecs:RunTask"] == 1
    ecs = local_aws.client("ecs")
    arns = ecs.list_tasks(cluster="demo", startedBy=f"ecsflow/migrate/{doc['runs'][0]['run_id']}")["taskArns"]
    (task,) = ecs.describe_tasks(cluster="demo", tasks=arns)["tasks"]
    assert task["taskDefinitionArn"] == service(local_aws)["taskDefinition"]
    assert task["overrides"]["containerOverrides"] == [{"name": "web", "command": ["manage", "migrate"]}]
