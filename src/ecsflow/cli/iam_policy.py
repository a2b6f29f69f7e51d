"""``ecsflow iam-policy``: the least-privilege IAM policy for what the configuration will do.

Reads ``ecsflow.yml`` and each service's task definition template; makes no AWS call.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.service_targets import load_project
from ecsflow.errors import ExitCode
from ecsflow.factory import template_loader
from ecsflow.synth.buildspecs import pipeline_build_reads
from ecsflow.synth.iam import Use, placeholders, policy_for, with_build_reads
from ecsflow.synth.targets import Scope, ServiceTarget, check_account, collect_targets

HELP = """Print the least-privilege IAM policy (JSON) for what ecsflow.yml will do.

\b
--for deploy     deploy, wait, rollback, deregister, status, diff, history (default)
--for local-dev  read-only: status, diff, revisions, history, wait
--for bootstrap  create or adopt clusters, services, log groups, CodeDeploy groups
--for pipeline   deploy and promote, pushing images, the buildspecs' parameters
                 and secrets, CodePipeline job results

Resources are the configured clusters, services, task definition families, ECR
repositories, log groups and CodeDeploy groups; iam:PassRole is limited to the task and
execution roles of the task definition templates. Region and account come from the
configuration, --region/--account or a cluster ARN; what is unknown stays a
${AWS::Region} / ${AWS::AccountId} placeholder (fill it in, or use the policy in a
CloudFormation Fn::Sub). See docs/iam.md.

\b
Examples:
  ecsflow iam-policy > deploy-policy.json
  ecsflow iam-policy --for local-dev api --env prod --account 123456789012
  ecsflow iam-policy --for pipeline --env staging --env prod
"""


@click.command("iam-policy", help=HELP)
@click.argument("services", nargs=-1)
@click.option(
    "--for",
    "use",
    type=click.Choice([u.value for u in Use]),
    default=Use.DEPLOY.value,
    show_default=True,
    help="What the policy is for.",
)
@click.option(
    "-e",
    "--env",
    "envs",
    multiple=True,
    help="Environment of ecsflow.yml (repeatable: one policy for several, e.g. a promotion's source and target).",
)
@click.option("--account", default=None, metavar="ID", help="AWS account id [default: ${AWS::AccountId}].")
@click.option(
    "-o", "--out", "out", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout."
)
def iam_policy(services: tuple[str, ...], use: str, envs: tuple[str, ...], account: str | None, out: str | None) -> int:
    ctx = get_context()
    check_account(account)
    scope = Scope(region=ctx.region, account=account, environment=dict(os.environ))
    targets: list[ServiceTarget] = []
    parameters: set[str] = set()
    secrets: set[str] = set()
    for env in envs or (None,):
        config = load_project(ctx, env, required=True)
        assert config is not None  # required=True
        targets += collect_targets(config, list(services), template_loader(config), scope)
        if Use(use) is Use.PIPELINE:  # the pipelines' builds read their buildspecs' parameters and secrets
            reads = pipeline_build_reads(config, scope.place(config))
            parameters |= reads.parameters
            secrets |= reads.secrets
    policy = with_build_reads(policy_for(Use(use), targets), parameters, secrets)
    text = json.dumps(policy, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    left = placeholders(policy)
    if left:
        click.echo(
            f"note: {' and '.join(left)} left as a placeholder (give --account / --region, or use with Fn::Sub)",
            err=True,
        )
    return int(ExitCode.OK)
