"""Promotion end to end on the local AWS: `ecsflow promote`, `deploy --from-env`, and `history`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_project import calls, create_service, image_of, push, service, write_project

from ecsflow.errors import ExitCode
from ecsflow.sim.api import LocalAWS
from ecsflow.sim.world import World

pytestmark = pytest.mark.e2e
ENVS = """environments:
  staging:
    services:
      web: {service: web-staging}
  prod:
    services:
      web: {service: web-prod}
"""
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _endpoint_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECSFLOW_CLOCK", "endpoint")
    for name in ("GITHUB_SHA", "CODEBUILD_RESOLVED_SOURCE_VERSION", "CI_COMMIT_SHA"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(local_aws: LocalAWS, local_world: World, tmp_path: Path) -> Path:
    create_service(local_aws, local_world, "web-staging")
    create_service(local_aws, local_world, "web-prod")
    return write_project(tmp_path, local_aws, local_world, extra=ENVS)


def cli(run_cli: Any, aws: LocalAWS, config: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    code, out, err = run_cli("--endpoint-url", aws.endpoint_url, "-c", str(config), "--output", "json", *args)
    text = out.strip()
    if text.startswith("{\n"):  # one indented document (read-side verbs)
        return code, [json.loads(text)], out + err
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], out + err


def digest_of(aws: LocalAWS, tag: str) -> str | None:
    found = aws.client("ecr").batch_get_image(repositoryName="web", imageIds=[{"imageTag": tag}])["images"]
    return str(found[0]["imageId"]["imageDigest"]) if found else None


def test_promote_cli_retags_and_reports_json(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    digest = push(local_aws, "3f2c1ab")
    code, docs, text = cli(run_cli, local_aws, project, "promote", "web:3f2c1ab", "--to-tag", "test")
    assert code == ExitCode.OK, text
    (promotion,) = docs[0]["promotions"]
    assert promotion["action"] == "created" and promotion["digest"] == digest
    assert promotion["source_tag"] == "3f2c1ab" and promotion["to_tag"] == "test"
    assert digest_of(local_aws, "test") == digest


def test_promote_cli_dry_run_changes_nothing(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    push(local_aws, "v9")
    local_aws.reset_calls()
    code, docs, text = cli(run_cli, local_aws, project, "promote", "web:v9", "--to-tag", "test", "--dry-run")
    assert code == ExitCode.OK, text
    assert docs[0]["dry_run"] is True and docs[0]["promotions"][0]["dry_run"] is True
    assert "ecr:PutImage" not in calls(local_aws) and digest_of(local_aws, "test") is None


def test_promote_cli_refuses_bad_input_with_exit_2(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    code, _, text = cli(run_cli, local_aws, project, "promote", "docker.io/library/nginx:1", "--to-tag", "x")
    assert code == ExitCode.INVALID and "not in Amazon ECR" in text and "Traceback" not in text
    code, _, text = cli(run_cli, local_aws, project, "promote", "web:v1", "web:v2", "--to-tag", "x")
    assert code == ExitCode.INVALID and "exactly one IMAGE" in text


def test_deploy_from_env_runs_the_same_digest_and_history_says_so(
    run_cli: Any, local_aws: LocalAWS, local_world: World, project: Path
) -> None:
    digest = push(local_aws, "v2")
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "staging", "--tag", "v2")
    assert code == ExitCode.OK, text
    staging_image = image_of(local_aws, service(local_aws, "web-staging")["taskDefinition"])
    assert staging_image.endswith(f"@{digest}")
    # The tag moves after staging got it: prod must still get what runs in staging.
    push(local_aws, "v2-next")
    later = digest_of(local_aws, "v2-next")
    local_aws.client("ecr").put_image(
        repositoryName="web",
        imageManifest=local_aws.client("ecr").batch_get_image(repositoryName="web", imageIds=[{"imageTag": "v2-next"}])[
            "images"
        ][0]["imageManifest"],
        imageTag="v2",
    )
    assert digest_of(local_aws, "v2") == later != digest

    code, docs, text = cli(
        run_cli, local_aws, project, "deploy", "web", "--env", "prod", "--from-env", "staging", "--commit", SHA
    )
    assert code == ExitCode.OK, text
    result = next(d["result"] for d in reversed(docs) if "result" in d)
    assert result["services"][0]["outcome"] == "succeeded"
    prod_td = service(local_aws, "web-prod")["taskDefinition"]
    assert image_of(local_aws, prod_td) == staging_image
    tags = {
        t["key"]: t["value"]
        for t in local_aws.client("ecs").describe_task_definition(taskDefinition=prod_td, include=["TAGS"])["tags"]
    }
    # Same template, same digest: prod reuses staging's revision (nothing registered), and the
    # deploy to prod is recorded on it next to staging's registration record.
    assert prod_td == service(local_aws, "web-staging")["taskDefinition"]
    assert tags["ecsflow:env"] == "staging"
    deployed = tags["ecsflow:deployed:prod"].split()
    assert f"commit={SHA}" in deployed and "from=staging" in deployed

    code, docs, text = cli(run_cli, local_aws, project, "history", "web", "--env", "prod")
    assert code == ExitCode.OK, text
    newest = docs[0]["history"][0]
    assert newest["task_definition"] == prod_td
    assert (newest["environment"], newest["promoted_from"], newest["commit"]) == ("prod", "staging", SHA)
    assert newest["images"][0]["digest"] == digest
    code, out, _ = run_cli("--endpoint-url", local_aws.endpoint_url, "-c", str(project), "history", "web", "-e", "prod")
    assert "prod ← staging" in out and SHA[:12] in out


def test_deploy_from_env_refuses_a_source_mid_deployment(
    run_cli: Any, local_aws: LocalAWS, local_world: World, project: Path
) -> None:
    push(local_aws, "v2")
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "staging", "--tag", "v2", "--no-wait")
    assert code == ExitCode.OK, text
    local_aws.reset_calls()
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "prod", "--from-env", "staging")
    assert code == ExitCode.INVALID, text
    assert "mid-deployment" in text and "web-staging" in text
    made = calls(local_aws)
    assert "ecs:RegisterTaskDefinition" not in made and "ecs:UpdateService" not in made


def test_deploy_from_env_refuses_an_ecr_tag_without_digest(
    run_cli: Any, local_aws: LocalAWS, local_world: World, project: Path
) -> None:
    # Someone else deployed staging by tag (no digest in the revision).
    ecs = local_aws.client("ecs")
    body = ecs.describe_task_definition(taskDefinition=local_world.task_definition_arn)["taskDefinition"]
    keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory")
    request = {k: body[k] for k in keep if k in body} | {"executionRoleArn": local_world.execution_role_arn}
    request["containerDefinitions"][0]["image"] = f"{local_world.repository_uri}:v1"
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="demo", service="web-staging", taskDefinition=arn)
    for _ in range(40):
        svc = service(local_aws, "web-staging")
        if len(svc["deployments"]) == 1 and svc["deployments"][0]["rolloutState"] == "COMPLETED":
            break
        local_aws.advance(15)
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "prod", "--from-env", "staging")
    assert code == ExitCode.INVALID, text
    assert "a tag without a digest" in text and f"{local_world.repository_uri}:v1" in text


def test_promote_from_env_tags_what_runs(run_cli: Any, local_aws: LocalAWS, project: Path) -> None:
    digest = push(local_aws, "v2")
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "staging", "--tag", "v2")
    assert code == ExitCode.OK, text
    code, docs, text = cli(run_cli, local_aws, project, "promote", "--from-env", "staging", "web", "--to-tag", "prod")
    assert code == ExitCode.OK, text
    (promotion,) = docs[0]["promotions"]
    assert (promotion["service"], promotion["digest"]) == ("web", digest)
    assert digest_of(local_aws, "prod") == digest
    tags = local_aws.client("ecr").list_tags_for_resource(
        resourceArn=local_aws.client("ecr").describe_repositories(repositoryNames=["web"])["repositories"][0][
            "repositoryArn"
        ]
    )["tags"]
    record = next(t["Value"] for t in tags if t["Key"] == "ecsflow:promoted:prod")
    assert record.startswith(f"{digest} from=v2 env=staging at=")


def test_deploy_from_env_with_its_own_settings_registers_a_revision_with_the_record(
    run_cli: Any, local_aws: LocalAWS, local_world: World, project: Path
) -> None:
    # Each environment renders its own value for ${STAGE}: prod registers its own revision,
    # with staging's digests and the record of where they came from.
    taskdef = project.parent / "taskdef.json"
    body = json.loads(taskdef.read_text())
    body["containerDefinitions"][0]["environment"] = [{"name": "STAGE", "value": "${STAGE}"}]
    taskdef.write_text(json.dumps(body))
    project.write_text(
        project.read_text()
        .replace("web: {service: web-staging}", "web: {service: web-staging}\n    variables: {STAGE: staging}")
        .replace("web: {service: web-prod}", "web: {service: web-prod}\n    variables: {STAGE: prod}")
    )
    digest = push(local_aws, "v5")
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "staging", "--tag", "v5")
    assert code == ExitCode.OK, text
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "-e", "prod", "--from-env", "staging")
    assert code == ExitCode.OK, text
    staging_td = service(local_aws, "web-staging")["taskDefinition"]
    prod_td = service(local_aws, "web-prod")["taskDefinition"]
    assert prod_td != staging_td
    assert (
        image_of(local_aws, prod_td) == image_of(local_aws, staging_td) == f"{local_world.repository_uri}:v5@{digest}"
    )
    described = local_aws.client("ecs").describe_task_definition(taskDefinition=prod_td, include=["TAGS"])
    assert described["taskDefinition"]["containerDefinitions"][0]["environment"] == [{"name": "STAGE", "value": "prod"}]
    tags = {t["key"]: t["value"] for t in described["tags"]}
    assert (tags["ecsflow:env"], tags["ecsflow:from-env"]) == ("prod", "staging")
    assert "from=staging" in tags["ecsflow:deployed:prod"].split()


def test_history_shows_the_promotions_of_the_deployed_repository(
    run_cli: Any, local_aws: LocalAWS, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTOR", "alice")
    digest = push(local_aws, "3f2c1ab")
    code, _, text = cli(run_cli, local_aws, project, "promote", "web:3f2c1ab", "--to-tag", "test", "--commit", SHA)
    assert code == ExitCode.OK, text
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "staging", "--tag", "test")
    assert code == ExitCode.OK, text

    local_aws.reset_calls()
    code, docs, text = cli(run_cli, local_aws, project, "history", "web", "--env", "staging")
    assert code == ExitCode.OK, text
    assert calls(local_aws)["ecr:ListTagsForResource"] == 1  # one read for the one repository
    assert docs[0]["history"][0]["images"][0]["digest"] == digest
    (promotion,) = docs[0]["promotions"]
    assert (promotion["repository"], promotion["tag"], promotion["digest"]) == ("web", "test", digest)
    assert (promotion["from_tag"], promotion["commit"], promotion["promoted_by"]) == ("3f2c1ab", SHA, "alice")
    assert isinstance(promotion["at"], float) and docs[0]["promotions_unavailable"] == []

    code, out, _ = run_cli(
        "--endpoint-url", local_aws.endpoint_url, "-c", str(project), "history", "web", "-e", "staging"
    )
    assert code == ExitCode.OK
    deployments, _, promotions = out.partition("promotions (ECR repository records, newest first):")
    assert "succeeded" in deployments
    assert "web:test" in promotions and digest[:19] in promotions and SHA[:12] in promotions
    assert "3f2c1ab" in promotions and "alice" in promotions


def test_history_without_readable_promotion_records_still_shows_the_deployments(
    run_cli: Any, local_aws: LocalAWS, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from ecsflow.aws.errors import translate
    from ecsflow.aws.session import AwsClients

    push(local_aws, "v2")
    code, _, text = cli(run_cli, local_aws, project, "promote", "web:v2", "--to-tag", "test", "--commit", SHA)
    assert code == ExitCode.OK, text
    code, _, text = cli(run_cli, local_aws, project, "deploy", "web", "--env", "staging", "--tag", "test")
    assert code == ExitCode.OK, text
    base = ("--endpoint-url", local_aws.endpoint_url, "-c", str(project))

    # Denied: the identity may read ECS but not the repository's tags.
    original = AwsClients.call

    def denied(self: AwsClients, service: str, method: str, /, **kw: Any) -> Any:
        if (service, method) == ("ecr", "list_tags_for_resource"):  # as AWS answers, translated as ever
            error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
            raise translate(ClientError(error, "ListTagsForResource"), "ecr:ListTagsForResource")
        return original(self, service, method, **kw)

    monkeypatch.setattr(AwsClients, "call", denied)
    code, out, err = run_cli(*base, "history", "web", "-e", "staging")
    assert code == ExitCode.OK and "Traceback" not in out + err
    assert "succeeded" in out and "promotions (ECR" not in out
    (line,) = [x for x in out.splitlines() if "not shown" in x]
    assert "'web'" in line and "denied (ecr:ListTagsForResource)" in line
    code, docs, _ = cli(run_cli, local_aws, project, "history", "web", "--env", "staging")
    assert code == ExitCode.OK and docs[0]["history"] and docs[0]["promotions"] == []
    assert len(docs[0]["promotions_unavailable"]) == 1
    monkeypatch.setattr(AwsClients, "call", original)

    # Gone: the repository was deleted after the deploy.
    local_aws.client("ecr").delete_repository(repositoryName="web", force=True)
    code, out, err = run_cli(*base, "history", "web", "-e", "staging")
    assert code == ExitCode.OK and "Traceback" not in out + err and "succeeded" in out
    (line,) = [x for x in out.splitlines() if "not shown" in x]
    assert "'web'" in line and "no longer exists" in line
