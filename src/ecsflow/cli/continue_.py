"""``ecsflow continue``: let a paused blue/green deployment go on, then wait for the truth.

Dispatches on the live service's strategy (``CONTINUERS``): ECS native BLUE_GREEN /
LINEAR / CANARY release their PAUSE hooks (ContinueServiceDeployment); CODE_DEPLOY
services release the ready wait or the termination wait (ContinueDeployment) through the
CodeDeploy engine's entry. Then it follows the deployment to the next stop point or to
its end, unless ``--no-wait``.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from ecsflow.cli.context import get_context
from ecsflow.cli.deploy import aws_options
from ecsflow.cli.service_targets import Target, mask_pattern, select_targets
from ecsflow.diff import Masker
from ecsflow.engines.attach import AttachTarget
from ecsflow.engines.deploy import DeployEngine
from ecsflow.engines.gates import Gate, parse_stop_point
from ecsflow.engines.native_continue import continue_native
from ecsflow.engines.strategy import NATIVE, strategy_of
from ecsflow.errors import OperationFailed, ResourceNotFound, UsageError
from ecsflow.factory import deploy_engine
from ecsflow.model import DeploymentResult, Outcome, worst_exit_code
from ecsflow.ports import ServiceState

# strategy_of(service) -> continue it. A line saying what was continued (then the deployment is
# followed), or the final result when the strategy's engine reports it itself.
Continuer = Callable[[DeployEngine, Target, ServiceState], str | DeploymentResult]


def _continue_native(engine: DeployEngine, target: Target, state: ServiceState) -> str:
    if engine.native is None:
        raise OperationFailed("this engine was built without the service deployments port")
    d = continue_native(engine.native, target.key, target.cluster, target.service, sink=engine.sink, clock=engine.clock)
    return f"continued {d.arn.rsplit('/', 1)[-1]} at {d.lifecycle_stage}"


def _continue_codedeploy(engine: DeployEngine, target: Target, state: ServiceState) -> DeploymentResult:
    # The CodeDeploy engine's entry: ContinueDeployment (READY_WAIT or TERMINATION_WAIT).
    from ecsflow.cli.codedeploy_verbs import continue_codedeploy

    return continue_codedeploy(engine, target)


CONTINUERS: dict[str, Continuer] = {**dict.fromkeys(NATIVE, _continue_native), "CODE_DEPLOY": _continue_codedeploy}

EXAMPLES = """
\b
Examples:
  ecsflow deploy web --tag v42 --until test-traffic   # exit 0, held at test traffic
  ecsflow continue web                                # production traffic shifts; wait for the end
  ecsflow continue web --until bake                   # ... or only until the bake time begins
  ecsflow continue web --no-wait
"""


@click.command("continue", epilog=EXAMPLES)
@click.argument("service")
@click.option("-e", "--env", default=None, help="Environment of ecsflow.yml to use.")
@click.option(
    "--until",
    type=click.Choice(["test-traffic", "production-traffic", "bake", "complete"]),
    default=None,
    help="Return once the deployment reached this point (default: its end).",
)
@click.option("--no-wait", is_flag=True, help="Continue and return at once.")
@click.option("--timeout", default=None, metavar="DURATION", help="Wait at most this long (default: derived).")
@click.option("--summary", "summary_path", default=None, metavar="FILE", help="Write a Markdown summary here.")
def continue_(
    service: str, env: str | None, until: str | None, no_wait: bool, timeout: str | None, summary_path: str | None
) -> int:
    """Let SERVICE's paused blue/green deployment go on, then follow it.

    ECS native (BLUE_GREEN, LINEAR, CANARY): every PAUSE hook the deployment waits at is
    continued (ContinueServiceDeployment), and ecsflow's own gate hook is taken out of the
    service's configuration. CodeDeploy: the ready wait or the termination wait ends
    (ContinueDeployment). Exit codes as for deploy (0 succeeded or --until reached, 1 failed,
    4 rolled back, 5 timed out, 6 superseded, 7 paused again at another hook).
    """
    from ecsflow.cli.output import make_reporter
    from ecsflow.config import parse_duration

    ctx = get_context()
    if no_wait and until:
        raise UsageError("--until waits for the deployment: it does not go with --no-wait")
    wait_for = None
    if timeout is not None:
        wait_for = parse_duration(timeout)
        if wait_for is None:
            raise UsageError(f"--timeout {timeout!r}: expected a duration such as 600, 90s, 15m or 1h")
    config, (target,) = select_targets(ctx, (service,), env)
    masker = Masker(mask_pattern(config))
    with make_reporter(ctx, summary_path=summary_path, masker=masker, title="ecsflow continue") as reporter:
        engine = deploy_engine(aws_options(ctx), config, sink=reporter.sink, masker=masker)
        state = engine.ecs.describe_services(target.cluster, [target.service]).get(target.service)
        if state is None or state.status == "INACTIVE":
            raise ResourceNotFound(
                f"service {target.service!r} not found in cluster {target.cluster!r}",
                hint="check the service key, --env, the region and the account",
            )
        kind = strategy_of(state)
        if until and kind == "CODE_DEPLOY":
            raise UsageError(
                "continue --until follows ECS-native deployments; a CodeDeploy deployment is followed to its end",
                hint=f"`ecsflow continue {target.key}` (nothing was changed)",
            )
        continuer = CONTINUERS.get(kind)
        if continuer is None:
            raise OperationFailed(
                f"{target.key} deploys {kind}: nothing in it waits to be continued",
                hint="continue applies to blue/green deployments (BLUE_GREEN, LINEAR, CANARY, CODE_DEPLOY)",
            )
        what = continuer(engine, target, state)
        timeout_s = wait_for if wait_for is not None else (target.config.timeout if target.config else None)
        attach = AttachTarget(target.key, target.cluster, target.service, timeout=timeout_s)
        if no_wait:
            said = what.reason if isinstance(what, DeploymentResult) else what
            results = [DeploymentResult(target.key, Outcome.NOT_STARTED, f"{said}; not waited for (--no-wait)")]
        elif kind == "CODE_DEPLOY":
            from ecsflow.cli.codedeploy_verbs import wait_codedeploy

            results, _ = wait_codedeploy(engine, [attach])  # CodeDeploy's own wait
        else:
            gate = Gate(until=parse_stop_point(until)) if until else None
            results = engine.wait([attach], gate=gate)
        reporter.finish(results)
    return int(worst_exit_code([r.outcome for r in results]))
