"""The pipeline acts of ``ecsflow demo``: two pipelines side by side in a throwaway Git repository.

The demo project becomes a Git repository with the two pipelines teams run on CodePipeline:
``app`` (triggered by ``app/**`` and ``buildspec.yml``: a buildspec writes
``imagedefinitions.json``, a deploy action deploys it to ``test``) and ``taskdef``
(triggered by ``taskdef.json``: deploys the configured tag), plus ``promote`` (``test`` →
``staging``: the digest that runs in test, retagged ``staging`` in ECR and deployed to the
staging service). Each act commits a change and runs what it triggers, exactly as
``ecsflow run --from HEAD~1`` does. No Docker: the build writes the URI of an image pushed to
the local ECR.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecsflow.cli.context import CliContext
from ecsflow.cli.demo_project import REGION, LocalEndpoint
from ecsflow.pipeline.run_record import RunRecord

Step = Callable[[], tuple[bool, str]]

# (title, expected, intro) of acts 6-8.
PIPELINE_ACTS: tuple[tuple[str, str, str], ...] = (
    (
        "a code change runs the app pipeline",
        "only app runs: build → deploy to test, Succeeded",
        "git commit app/main.py, then: ecsflow run --from HEAD~1 (buildspec writes imagedefinitions.json)",
    ),
    (
        "a task definition change runs only the taskdef pipeline",
        "only taskdef runs: deploy, Succeeded",
        "git commit taskdef.json, then: ecsflow run --from HEAD~1",
    ),
    (
        "promote test → staging",
        "staging runs the digest that runs in test",
        "ecsflow run promote (retag staging in ECR, deploy the same digest to web-staging)",
    ),
)

BUILDSPEC = """version: 0.2
env:
  exported-variables: [IMAGE_URI]
phases:
  build:
    commands:
      - echo "building $REPOSITORY_URI:$IMAGE_TAG from $CODEBUILD_RESOLVED_SOURCE_VERSION (no Docker in the demo)"
      - export IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"
  post_build:
    commands:
      - printf '[{"name":"web","imageUri":"%s"}]' "$IMAGE_URI" > imagedefinitions.json
artifacts:
  files: [imagedefinitions.json]
"""

PIPELINES = """environments:
  test: {{}}
  staging:
    services: {{web: {{service: web-staging}}}}
pipelines:
  app:
    triggers:
      - push: [{{branches: {{includes: [main]}}, filePaths: {{includes: ["app/**", buildspec.yml]}}}}]
    variables: {{IMAGE_TAG: v3}}
    stages:
      - name: Build
        actions:
          - name: Build
            build:
              buildspec: buildspec.yml
              env: {{REPOSITORY_URI: "{repository}", IMAGE_TAG: "#{{variables.IMAGE_TAG}}"}}
            namespace: BuildVariables
            outputs: [BuildOutput]
      - name: Test
        actions:
          - {{name: Deploy, deploy: {{services: [web], environment: test}}, inputs: [BuildOutput]}}
  taskdef:
    triggers:
      - push: [{{branches: {{includes: [main]}}, filePaths: {{includes: [taskdef.json]}}}}]
    variables: {{IMAGE_TAG: v3}}
    stages:
      - name: Deploy
        actions:
          - {{name: Deploy, deploy: {{services: [web], environment: test, tag: "#{{variables.IMAGE_TAG}}"}}}}
  promote:
    stages:
      - name: Staging
        actions:
          - {{name: Promote, promote: {{from: test, to: staging, tag: staging}}}}
"""

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "ecsflow demo",
    "GIT_AUTHOR_EMAIL": "demo@ecsflow.invalid",
    "GIT_COMMITTER_NAME": "ecsflow demo",
    "GIT_COMMITTER_EMAIL": "demo@ecsflow.invalid",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(folder: Path, *args: str) -> str:
    import os

    env = {**os.environ, **_GIT_ENV}
    proc = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def _commit(folder: Path, message: str) -> None:
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", message)


class PipelineDemo:
    """State shared by the three acts: the repository, and how runs are shown."""

    def __init__(self, ctx: CliContext, endpoint: LocalEndpoint, folder: Path) -> None:
        self.ctx = dataclasses.replace(ctx, endpoint_url=endpoint.url, region=REGION)
        self.endpoint = endpoint
        self.folder = folder
        self.ready = False

    def _prepare(self) -> None:
        """The demo project as a Git repository with pipelines, and the staging service."""
        ecs = self.endpoint.client("ecs")
        web = ecs.describe_services(cluster="demo", services=["web"])["services"][0]
        repository = self.endpoint.client("ecr").describe_repositories(repositoryNames=["web"])["repositories"][0]
        ecs.create_service(
            cluster="demo",
            serviceName="web-staging",
            taskDefinition=web["taskDefinition"],
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=web["networkConfiguration"],
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        )
        self.endpoint.wait_steady("demo", "web-staging")
        self.endpoint.push("web", "v3")
        config = self.folder / "ecsflow.yml"
        config.write_text(
            config.read_text(encoding="utf-8") + PIPELINES.format(repository=repository["repositoryUri"]),
            encoding="utf-8",
        )
        (self.folder / "buildspec.yml").write_text(BUILDSPEC, encoding="utf-8")
        (self.folder / "app").mkdir(exist_ok=True)
        (self.folder / "app" / "main.py").write_text("print('hello from v2')\n", encoding="utf-8")
        (self.folder / ".gitignore").write_text(".ecsflow/\n", encoding="utf-8")
        _git(self.folder, "init", "-q", "-b", "main")
        _commit(self.folder, "the demo project")
        self.ready = True

    def _run(self, pipelines: tuple[str, ...] = ()) -> list[RunRecord]:
        """``ecsflow run --from HEAD~1`` (or ``ecsflow run PIPELINE…``) on the demo project."""
        from ecsflow.cli.run import triggered
        from ecsflow.cli.run_output import text_sink
        from ecsflow.cli.run_wiring import RunWiring, open_store
        from ecsflow.config import load_config
        from ecsflow.pipeline.stages import RunRequest
        from ecsflow.pipeline.variables import pipeline_variables

        config = load_config(self.folder / "ecsflow.yml")
        if pipelines:
            selected = [config.pipelines[name] for name in pipelines]
            change, revision, trigger = None, _git(self.folder, "rev-parse", "HEAD"), "manual"
        else:
            selected, change, revision = triggered(config, self.folder, (), "HEAD~1", "HEAD")
            trigger = "change"
        store = open_store(self.ctx, config)
        wiring = RunWiring(self.ctx, config, self.folder.resolve(), (), store, clock=self.endpoint.clock)
        records = []
        with wiring.reporter() as reporter:
            runner = wiring.runner(reporter.sink if self.ctx.json_output else text_sink(reporter.sink))
            for p in selected:
                request = RunRequest(p, pipeline_variables(p, {}), None, revision, trigger, change, "ecsflow-demo")
                records.append(runner.run(request))
        return records

    def code_change(self) -> tuple[bool, str]:
        if shutil.which("git") is None:
            return True, "skipped: git is not installed"
        self._prepare()
        (self.folder / "app" / "main.py").write_text("print('hello from v3')\n", encoding="utf-8")
        _commit(self.folder, "app: say v3")
        records = self._run()
        ok = [r.pipeline for r in records] == ["app"] and records[0].status == "Succeeded"
        return ok, _said(records)

    def taskdef_change(self) -> tuple[bool, str]:
        if not self.ready:
            return True, "skipped: git is not installed"
        path = self.folder / "taskdef.json"
        body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        body["containerDefinitions"][0].setdefault("environment", []).append({"name": "GREETING", "value": "hi"})
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        _commit(self.folder, "taskdef: add GREETING")
        records = self._run()
        ok = [r.pipeline for r in records] == ["taskdef"] and records[0].status == "Succeeded"
        return ok, _said(records)

    def promote(self) -> tuple[bool, str]:
        if not self.ready:
            return True, "skipped: git is not installed"
        (record,) = self._run(("promote",))
        ecs = self.endpoint.client("ecs")
        digests = []
        for name in ("web", "web-staging"):
            arn = ecs.describe_services(cluster="demo", services=[name])["services"][0]["taskDefinition"]
            image = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0][
                "image"
            ]
            digests.append(str(image).rpartition("@")[2])
        same = digests[0] == digests[1] and digests[0].startswith("sha256:")
        ok = record.status == "Succeeded" and same
        said = f"{_said([record])}; test and staging run {digests[1][:19]}…" if same else _said([record])
        return ok, said


def _said(records: list[RunRecord]) -> str:
    if not records:
        return "no pipeline was triggered"
    return ", ".join(
        f"{r.pipeline} {r.status}" + (f" ({r.message})" if r.status != "Succeeded" else "") for r in records
    )


def pipeline_steps(ctx: CliContext, endpoint: LocalEndpoint, folder: Path) -> list[Callable[[], tuple[bool, str]]]:
    demo = PipelineDemo(ctx, endpoint, folder)
    return [demo.code_change, demo.taskdef_change, demo.promote]
