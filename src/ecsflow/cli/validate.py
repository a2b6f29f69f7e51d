"""``ecsflow validate``: check pipeline files and report every problem of every file."""

from __future__ import annotations

import click

from ecsflow.artifacts.detect import ArtifactType, Validated, validate_file
from ecsflow.cli.artifact_io import print_warnings, read_input
from ecsflow.cli.console import write_json
from ecsflow.cli.context import get_context
from ecsflow.errors import ArtifactError, InputError, Problem

HELP = """Validate pipeline files: task definitions (JSON or YAML, against the ECS API model),
imagedefinitions.json, imageDetail.json, AppSpec and buildspec.yml.

The type of each file comes from its name or content; --type forces it. Every file
is checked and every problem is reported with its path; the exit code is 2 when
any file is invalid.

\b
Examples:
  ecsflow validate examples/taskdef.json examples/appspec.yaml
  ecsflow validate --type taskdef service-taskdef.yml
  ecsflow --output json validate build/*.json
"""


@click.command("validate", help=HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--type",
    "kind",
    type=click.Choice([t.value for t in ArtifactType]),
    default=None,
    help="Treat every FILE as this type instead of detecting it.",
)
def validate(files: tuple[str, ...], kind: str | None) -> None:
    ctx = get_context()
    forced = ArtifactType(kind) if kind else None
    valid: list[Validated] = []
    problems: list[Problem] = []
    invalid = 0
    for file in files:
        try:
            result = validate_file(read_input(file), file, forced)
        except InputError as exc:
            invalid += 1
            problems.extend(p if p.file else p.in_file(file) for p in exc.problems or [Problem(exc.message, "", file)])
            continue
        valid.append(result)
    if not ctx.json_output:
        for result in valid:
            click.echo(f"ok  {result.file} ({result.type.label})")
            print_warnings(result.warnings)
    if invalid:
        verb = "is" if invalid == 1 else "are"
        raise ArtifactError(
            f"{invalid} of {len(files)} file{'s' if len(files) != 1 else ''} {verb} invalid",
            problems,
            hint="Fix the problems listed; each names its file and the path inside it.",
        )
    if ctx.json_output:
        write_json(
            {
                "ok": True,
                "files": [
                    {
                        "file": r.file,
                        "type": r.type.value,
                        "warnings": [{"path": w.path, "message": w.message} for w in r.warnings],
                    }
                    for r in valid
                ],
            }
        )
