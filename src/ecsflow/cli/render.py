"""``ecsflow render``: render a task definition or an AppSpec (nothing is sent to AWS)."""

from __future__ import annotations

import json
import os
import shlex

import click

from ecsflow.artifacts.appspec import parse_appspec
from ecsflow.artifacts.imagedefs import parse_image_definitions
from ecsflow.artifacts.imagedetail import parse_image_detail
from ecsflow.artifacts.loader import Format, load_document
from ecsflow.artifacts.serialize import dump
from ecsflow.artifacts.taskdef import parse_task_definition
from ecsflow.cli.artifact_io import emit, read_input, split_pairs
from ecsflow.errors import UsageError
from ecsflow.render.appspec import appspec_from_service, render_appspec
from ecsflow.render.taskdef import RenderOptions, render_task_definition

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in Format]),
    default=None,
    help="Output syntax [default: json for task definitions; the input's for AppSpecs, yaml when generated].",
)
_OUT = click.option(
    "-o", "--out", "out", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout."
)

TASKDEF_HELP = """Render a task definition file (JSON or YAML; RegisterTaskDefinition input or
DescribeTaskDefinition output, whose read-only fields are removed).

\b
Steps, in order:
  1. --image-detail P=FILE   replace <P> with the ImageURI of FILE (CodeDeployToECS)
  2. ${VAR}, ${VAR:-default} from the environment (--no-interpolate to skip; $${ is a literal ${)
  3. --image-definitions     images by container name (the CodePipeline ECS action)
  4. --image C=URI           per-container images, several in one call
  5. --env/--unset-env/--env-file/--secret/--docker-label/--log-*/--command on --container
     (needed when the task definition has several containers)
  6. --task-role-arn/--execution-role-arn
Any <UPPER_CASE> placeholder left is an error; the result is validated against the ECS API model.

\b
Examples:
  ecsflow render taskdef examples/taskdef.json --image-detail IMAGE1_NAME=examples/imageDetail.json
  ecsflow render taskdef taskdef.json --image web=nginx:1.27 --image proxy=envoy:v1.31 -o out.json
  ecsflow render taskdef taskdef.json --image-definitions imagedefinitions.json \\
      --env LOG_LEVEL=debug --secret DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:db
"""


@click.group("render", help="Render task definitions and AppSpecs from their templates (no AWS calls).")
def render() -> None:
    pass


@render.command("taskdef", help=TASKDEF_HELP)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--image", "images", multiple=True, metavar="CONTAINER=URI", help="Set a container's image (repeatable).")
@click.option(
    "--image-detail",
    "image_details",
    multiple=True,
    metavar="PLACEHOLDER=FILE",
    help="Replace <PLACEHOLDER> with the ImageURI of an imageDetail.json (repeatable).",
)
@click.option("--image-definitions", default=None, metavar="FILE", help="Apply an imagedefinitions.json.")
@click.option(
    "--container", default=None, help="The container that --env/--secret/--docker-label/--log-*/--command change."
)
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE", help="Set an environment variable (repeatable).")
@click.option("--unset-env", multiple=True, metavar="NAME", help="Remove an environment variable (repeatable).")
@click.option("--env-file", "env_files", multiple=True, metavar="S3_ARN", help="Add an environment file (repeatable).")
@click.option("--secret", "secrets", multiple=True, metavar="NAME=ARN", help="Set a secret (valueFrom) (repeatable).")
@click.option("--docker-label", "labels", multiple=True, metavar="KEY=VALUE", help="Set a Docker label (repeatable).")
@click.option("--log-driver", default=None, help="Log driver (awslogs, awsfirelens, splunk, …).")
@click.option("--log-option", "log_options", multiple=True, metavar="KEY=VALUE", help="Log driver option (repeatable).")
@click.option("--command", default=None, help='Container command, split like a shell: --command "npm run start".')
@click.option("--task-role-arn", default=None, help="IAM role ARN for the task.")
@click.option("--execution-role-arn", default=None, help="IAM role ARN for the ECS agent (pulls, logs, secrets).")
@click.option(
    "--interpolate/--no-interpolate", default=True, show_default=True, help="Fill ${VAR} from the environment."
)
@_FORMAT
@_OUT
def taskdef(
    file: str,
    images: tuple[str, ...],
    image_details: tuple[str, ...],
    image_definitions: str | None,
    container: str | None,
    env: tuple[str, ...],
    unset_env: tuple[str, ...],
    env_files: tuple[str, ...],
    secrets: tuple[str, ...],
    labels: tuple[str, ...],
    log_driver: str | None,
    log_options: tuple[str, ...],
    command: str | None,
    task_role_arn: str | None,
    execution_role_arn: str | None,
    interpolate: bool,
    fmt: str | None,
    out: str | None,
) -> None:
    source = parse_task_definition(read_input(file), file)
    placeholders = {}
    for name, path in split_pairs(image_details, "--image-detail", "PLACEHOLDER=FILE"):
        placeholders[name.strip("<>")] = parse_image_detail(read_input(path), path).image_uri
    definitions = parse_image_definitions(read_input(image_definitions), image_definitions) if image_definitions else ()
    try:
        argv = shlex.split(command) if command is not None else None
    except ValueError as exc:
        raise UsageError(f"--command {command!r}: {exc}", hint="Balance the quotes.") from exc
    options = RenderOptions(
        placeholders=placeholders,
        environment=dict(os.environ) if interpolate else None,
        image_definitions=definitions,
        image_definitions_file=image_definitions or "imagedefinitions.json",
        images=split_pairs(images, "--image", "CONTAINER=URI"),
        container=container,
        set_env=split_pairs(env, "--env"),
        unset_env=unset_env,
        environment_files=env_files,
        secrets=split_pairs(secrets, "--secret", "NAME=ARN"),
        docker_labels=split_pairs(labels, "--docker-label", "KEY=VALUE"),
        log_driver=log_driver,
        log_options=split_pairs(log_options, "--log-option", "KEY=VALUE"),
        command=argv,
        task_role_arn=task_role_arn,
        execution_role_arn=execution_role_arn,
    )
    rendered = render_task_definition(source, options)
    request = rendered.task_definition.request
    emit(
        dump(request, Format(fmt or Format.JSON)),
        output_path=out,
        result={"type": "taskdef", "family": rendered.task_definition.family, "changes": list(rendered.changes)},
        document=request,
        warnings=rendered.task_definition.warnings,
    )


APPSPEC_HELP = """Render an AppSpec: replace <TASK_DEFINITION> with --task-definition (a literal ARN
already in the file is kept, with a warning, as CodeDeployToECS only replaces the
placeholder), or write one from a service description (--from-service, the output of
`aws ecs describe-services`).

\b
Examples:
  ecsflow render appspec examples/appspec.yaml \\
      --task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/web:7
  ecsflow render appspec --from-service examples/service.json --hook AfterAllowTestTraffic=CodeDeployHook_smoke
"""


@render.command("appspec", help=APPSPEC_HELP)
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--task-definition", "arn", default=None, help="Full task definition ARN for <TASK_DEFINITION>.")
@click.option("--from-service", default=None, metavar="FILE", help="Write the AppSpec from a DescribeServices result.")
@click.option("--container", default=None, help="With --from-service: the load-balanced container to use.")
@click.option("--hook", "hooks", multiple=True, metavar="EVENT=FUNCTION", help="With --from-service: a lifecycle hook.")
@_FORMAT
@_OUT
def appspec(
    file: str | None,
    arn: str | None,
    from_service: str | None,
    container: str | None,
    hooks: tuple[str, ...],
    fmt: str | None,
    out: str | None,
) -> None:
    if (file is None) == (from_service is None):
        raise UsageError(
            "give either an AppSpec FILE or --from-service FILE", hint="See `ecsflow render appspec --help`."
        )
    if from_service is not None:
        service = load_document(read_input(from_service), from_service).data
        if not isinstance(service, dict):
            raise UsageError(f"{from_service}: expected the JSON object of `aws ecs describe-services`")
        result = appspec_from_service(
            service,
            task_definition_arn=arn,
            container_name=container,
            hooks=dict(split_pairs(hooks, "--hook", "EVENT=FUNCTION")),
            file=from_service,
        )
        output_format = Format(fmt or Format.YAML)
    else:
        assert file is not None
        if container or hooks:
            raise UsageError("--container and --hook go with --from-service")
        if arn is None:
            raise UsageError("--task-definition ARN is required to render an AppSpec file")
        source = parse_appspec(read_input(file), file)
        result = render_appspec(source, arn)
        output_format = Format(fmt or source.format)
    emit(
        dump(result.data, output_format),
        output_path=out,
        result={"type": "appspec", "task_definition": result.task_definition},
        document=json.loads(json.dumps(result.data, default=str)),
        warnings=result.warnings,
    )
