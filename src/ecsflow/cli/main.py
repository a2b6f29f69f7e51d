"""The ``ecsflow`` command: a click group whose verbs are imported only when used.

Each verb lives in its own module under ``ecsflow.cli`` and is named in ``VERBS``.
Nothing heavy (boto3, rich, yaml) is imported here, so ``ecsflow --version`` stays
fast; ``benchmarks/cold_start.py`` measures it.

The single error handler is ``main()``: it maps the error tree of ``ecsflow.errors``
to exit codes, prints user errors without a traceback (``--debug`` shows the cause
chain), and turns Ctrl-C / SIGTERM into exit 130.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

import click

from ecsflow import __version__
from ecsflow.cli.context import CliContext, OutputMode
from ecsflow.errors import EcsflowError, ExitCode, Interrupted

# verb name -> "module:attribute" (a click.Command). Keep sorted by the order shown in --help.
VERBS: dict[str, str] = {
    "validate": "ecsflow.cli.validate:validate",
    "convert": "ecsflow.cli.convert:convert",
    "render": "ecsflow.cli.render:render",
    "changes": "ecsflow.cli.changes:changes",
    "build": "ecsflow.cli.build:build",
    "run": "ecsflow.cli.run:run",
    "runs": "ecsflow.cli.runs:runs",
    "local": "ecsflow.cli.local:local",
    "status": "ecsflow.cli.status:status",
    "deploy": "ecsflow.cli.deploy:deploy",
    "wait": "ecsflow.cli.wait:wait",
    "continue": "ecsflow.cli.continue_:continue_",
    "promote": "ecsflow.cli.promote:promote_cmd",
    "diff": "ecsflow.cli.diff:diff",
    "revisions": "ecsflow.cli.revisions:revisions",
    "history": "ecsflow.cli.history:history",
    "rollback": "ecsflow.cli.rollback:rollback",
    "deregister": "ecsflow.cli.deregister:deregister",
    "iam-policy": "ecsflow.cli.iam_policy:iam_policy",
    "synth": "ecsflow.cli.synth:synth",
    "bootstrap": "ecsflow.cli.bootstrap:bootstrap",
    "init": "ecsflow.cli.init:init",
    "package": "ecsflow.cli.package:package",
    "demo": "ecsflow.cli.demo:demo",
}

HELP = """Deliver container services to AWS ECS: render, register, deploy, and tell
the truth about the outcome.

\b
Examples:
  ecsflow validate examples/taskdef.json examples/appspec.yaml
  ecsflow convert image-detail examples/imageDetail.json --container web
  ecsflow render taskdef examples/taskdef.json --image-detail IMAGE1_NAME=examples/imageDetail.json
  ecsflow deploy api --tag v42          # pin to the digest, reuse or register, update, wait
  ecsflow deploy web --tag v2 --until test-traffic && ecsflow continue web   # blue/green
  ecsflow run --from origin/main        # the pipelines this change triggers
  ecsflow demo                          # all of it on a local AWS, no account needed

Exit codes: 0 ok, 1 failed, 2 invalid input, 3 internal error, 4 rolled back,
5 timed out, 6 superseded, 7 paused, 8 drift, 9 AWS access, 130 interrupted.
"""


class LazyGroup(click.Group):
    """A group that imports a verb's module only when that verb runs (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = VERBS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):  # pragma: no cover - programming error
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="ecsflow", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, envvar="ECSFLOW_DEBUG", help="Show the cause chain of errors.")
@click.option(
    "--output",
    "output",
    type=click.Choice([m.value for m in OutputMode]),
    default=None,
    envvar="ECSFLOW_OUTPUT",
    help="text (a live view on a terminal, plain lines otherwise) or json (JSON lines and a result object).",
)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="ECSFLOW_CONFIG",
    help="Project configuration file [default: ./ecsflow.yml].",
)
@click.option("--region", default=None, envvar="ECSFLOW_REGION", help="AWS region (overrides the config).")
@click.option("--profile", default=None, envvar="ECSFLOW_PROFILE", help="AWS profile (overrides the config).")
@click.option(
    "--endpoint-url",
    default=None,
    envvar="ECSFLOW_ENDPOINT_URL",
    help="Send every AWS call to this endpoint (e.g. the local AWS of `ecsflow local up`).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    debug: bool,
    output: str | None,
    config_path: str | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
) -> None:
    ctx.obj = CliContext.create(
        debug=debug,
        output=OutputMode(output) if output else None,
        config_path=config_path,
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
    )


def _on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    # A cancelled CI job sends SIGTERM: treat it like Ctrl-C so waits end cleanly.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the console script and ``python -m ecsflow``."""
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (used by tests in-process)."""
    args = list(sys.argv[1:] if argv is None else argv)
    previous = signal.getsignal(signal.SIGTERM)
    if _in_main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run(args)
    finally:
        if _in_main_thread():
            signal.signal(signal.SIGTERM, previous)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _run(args: list[str]) -> int:
    from ecsflow.cli.context import current_context

    try:
        result = cli.main(args=args, prog_name="ecsflow", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        return _report(Interrupted("interrupted"), current_context())
    except click.ClickException as exc:
        # Usage errors from click itself (unknown option, missing argument, bad choice).
        exc.show()
        return int(ExitCode.INVALID) if exc.exit_code == 2 else int(exc.exit_code)
    except KeyboardInterrupt:
        return _report(Interrupted("interrupted"), current_context())
    except EcsflowError as exc:
        return _report(exc, current_context())
    except Exception as exc:  # a bug: say so, with what to report
        return _report_bug(exc, current_context())
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def _report(exc: EcsflowError, ctx: CliContext | None) -> int:
    from ecsflow.cli.console import print_error

    print_error(exc, debug=bool(ctx and ctx.debug), json_mode=bool(ctx and ctx.json_output))
    return int(exc.exit_code)


def _report_bug(exc: Exception, ctx: CliContext | None) -> int:
    from ecsflow.cli.console import print_bug

    print_bug(exc, debug=bool(ctx and ctx.debug) or bool(os.environ.get("ECSFLOW_DEBUG")))
    return int(ExitCode.INTERNAL)
