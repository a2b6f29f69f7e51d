"""The one error tree of ecsflow, and the exit codes the CLI maps it to.

Every error a user can cause or meet carries a message that says what happened and
a hint that says what to do. The CLI has a single handler (``ecsflow.cli.main``)
that prints ``error: <message>`` (plus every problem, plus the hint) and exits with
``error.exit_code``; it never shows a traceback for an ``EcsflowError`` unless
``--debug`` is given. Anything else that escapes is a bug: exit code 3 with a
"please report" line.

Exit codes (documented in the README; stable across releases):

====  ======================  ==========================================================
code  name                    meaning
====  ======================  ==========================================================
0     OK                      done; a deployment succeeded or a stop point was reached
1     FAILED                  the operation failed (AWS refused, a deployment failed)
2     INVALID                 bad usage or invalid input (files, config, arguments);
                              nothing was changed in AWS. ``diff --detailed-exitcode``
                              also uses 2 for "there are changes", like terraform.
3     INTERNAL                an unexpected error inside ecsflow: please report it
4     ROLLED_BACK             the deployment was rolled back (circuit breaker, alarm,
                              hook, stop, or ecsflow's own rollback)
5     TIMED_OUT               waiting timed out; the deployment may still be running
6     SUPERSEDED              a newer deployment replaced ours before it finished
7     PAUSED                  waits for someone (PAUSE hook, ready wait, pipeline approval)
8     DRIFT                   ``status --check`` found drift
9     AWS_ACCESS              credentials missing, expired or not allowed
130   INTERRUPTED             interrupted (Ctrl-C / SIGTERM); the deployment goes on
====  ======================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    INVALID = 2
    INTERNAL = 3
    ROLLED_BACK = 4
    TIMED_OUT = 5
    SUPERSEDED = 6
    PAUSED = 7
    DRIFT = 8
    AWS_ACCESS = 9
    INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One problem in an input, located by file and path.

    ``path`` uses the notation of the AWS API shapes: ``containerDefinitions[1].portMappings[0].containerPort``.
    An empty path means the whole document.
    """

    message: str
    path: str = ""
    file: str | None = None

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.path) if p]
        return ": ".join([*parts, self.message])

    def in_file(self, file: str) -> Problem:
        return Problem(self.message, self.path, file)


class EcsflowError(Exception):
    """Base of every error ecsflow raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def details(self) -> Sequence[str]:
        """Extra lines shown under the message (problems, reasons)."""
        return ()

    def __str__(self) -> str:
        return self.message


# --- usage and input (exit 2): nothing in AWS has been touched -----------------------


class UsageError(EcsflowError):
    """The command line is wrong (unknown option combination, missing argument)."""

    exit_code = ExitCode.INVALID


class InputError(EcsflowError):
    """An input (file, config, argument value) is invalid; lists every problem found."""

    exit_code = ExitCode.INVALID

    def __init__(
        self,
        message: str,
        problems: Iterable[Problem] = (),
        *,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems: tuple[Problem, ...] = tuple(problems)

    def details(self) -> Sequence[str]:
        return [str(p) for p in self.problems]


class ArtifactError(InputError):
    """A pipeline artifact (imagedefinitions.json, imageDetail.json, taskdef, AppSpec, buildspec) is invalid."""


class ConfigError(InputError):
    """``ecsflow.yml`` is invalid."""


class RenderError(InputError):
    """Rendering failed: missing variable, unresolved placeholder, unknown container."""


# --- AWS (exit 1 or 9) ---------------------------------------------------------------


class AwsError(EcsflowError):
    """AWS refused or failed a call. ``operation`` is ``service:Operation``; ``code`` the AWS error code."""

    exit_code = ExitCode.FAILED

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.operation = operation
        self.code = code


class ResourceNotFound(AwsError):
    """A named AWS resource (cluster, service, task definition, repository, tag, …) does not exist."""


class AwsAccessError(AwsError):
    """Credentials are missing, expired or lack a permission."""

    exit_code = ExitCode.AWS_ACCESS


class ThrottledError(AwsError):
    """AWS kept throttling after botocore's retries were used up."""


class AwsConnectionError(AwsError):
    """The AWS endpoint could not be reached."""


# --- operations -----------------------------------------------------------------------


class OperationFailed(EcsflowError):
    """An operation ran and failed for a reason that is not bad input nor an AWS API error."""


class Interrupted(EcsflowError):
    """The user (Ctrl-C) or the CI runner (SIGTERM) interrupted ecsflow."""

    exit_code = ExitCode.INTERRUPTED


class InternalError(EcsflowError):
    """A broken invariant inside ecsflow: a bug to report."""

    exit_code = ExitCode.INTERNAL


def problems_error(
    cls: type[InputError], what: str, problems: Sequence[Problem], *, hint: str | None = None
) -> InputError:
    """Build ``cls`` with a summary line such as ``taskdef.json is invalid (3 problems)``."""
    n = len(problems)
    noun = "problem" if n == 1 else "problems"
    return cls(f"{what} is invalid ({n} {noun})", problems, hint=hint)
