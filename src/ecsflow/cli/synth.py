"""``ecsflow synth``: AWS-native documents generated from ``ecsflow.yml`` (no AWS calls)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.service_targets import load_project
from ecsflow.errors import ExitCode
from ecsflow.factory import template_loader
from ecsflow.synth.cfn_yaml import dump_template
from ecsflow.synth.codepipeline import ActionMode, SynthOptions, synth_codepipeline

CODEPIPELINE_HELP = """Write a CloudFormation template (YAML) for the AWS-native equivalent of
the pipelines in ecsflow.yml (every pipeline with stages when none is named).

\b
It holds, per pipeline: a CodePipeline V2 with the same trigger filters and variables,
a CodeStarSourceConnection source, CodeBuild projects for builds, commands, promotions
and one-off tasks, the deploy actions, Manual approvals, the encrypted, versioned,
private artifact bucket, and least-privilege roles.
Parameters: ConnectionArn, FullRepositoryId, BranchName; HandlerCodeBucket and
HandlerCodeKey when the handler is used (its package: `ecsflow package lambda`);
VpcId, SubnetIds, SecurityGroupIds with --vpc.

\b
--actions auto     native ECS / CodeDeployToECS actions where they behave as ecsflow does;
                   elsewhere ecsflow's handler (Invoke) or `ecsflow deploy` in CodeBuild
--actions native   native actions wherever they can be wired (what is lost is listed)
--actions ecsflow  ecsflow (handler or CodeBuild) for every deploy

What each action became is printed on stderr and kept in the template's Metadata.
Anything CodePipeline cannot express is refused with its path in ecsflow.yml (exit 2).
See docs/aws-native.md.

\b
Examples:
  ecsflow synth codepipeline -o pipeline.yaml
  ecsflow synth codepipeline app --actions native
  aws cloudformation deploy --template-file pipeline.yaml --stack-name app-pipeline \\
      --capabilities CAPABILITY_IAM --parameter-overrides ConnectionArn=... FullRepositoryId=org/app
"""


@click.group("synth", help="Generate AWS-native documents from ecsflow.yml (no AWS calls).")
def synth() -> None:
    pass


@synth.command("codepipeline", help=CODEPIPELINE_HELP)
@click.argument("pipelines", nargs=-1)
@click.option(
    "--actions",
    type=click.Choice([m.value for m in ActionMode]),
    default=ActionMode.AUTO.value,
    show_default=True,
    help="How deploy actions are mapped.",
)
@click.option("--inline-buildspec", is_flag=True, help="Embed each buildspec in its project instead of its path.")
@click.option(
    "--vpc", is_flag=True, help="Run the CodeBuild projects in a VPC (adds VpcId, SubnetIds, SecurityGroupIds)."
)
@click.option(
    "-o", "--out", "out", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout."
)
def codepipeline(pipelines: tuple[str, ...], actions: str, inline_buildspec: bool, vpc: bool, out: str | None) -> int:
    ctx = get_context()
    config = load_project(ctx, None, required=True)
    assert config is not None  # required=True
    options = SynthOptions(
        actions=ActionMode(actions), inline_buildspec=inline_buildspec, vpc=vpc, environment=dict(os.environ)
    )
    result = synth_codepipeline(config, list(pipelines), template_loader(config), options)
    text = dump_template(result.template)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for choice in result.choices:
        click.echo(choice, err=True)
    return int(ExitCode.OK)
