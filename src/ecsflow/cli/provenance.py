"""Where a deploy or a promotion comes from: the commit and who ran it.

The commit is, in order: ``--commit SHA``, the CI's variable for the commit being built
(``GITHUB_SHA``, ``CODEBUILD_RESOLVED_SOURCE_VERSION``, ``CI_COMMIT_SHA``), or the
checked-out commit of the Git repository in the current folder (``ecsflow.pipeline.git``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from ecsflow.errors import UsageError

COMMIT_VARIABLES = ("GITHUB_SHA", "CODEBUILD_RESOLVED_SOURCE_VERSION", "CI_COMMIT_SHA")
ACTOR_VARIABLES = ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "CODEBUILD_INITIATOR", "USER")
_SHA = re.compile(r"^[0-9a-fA-F]{4,64}$")


def commit_of(explicit: str | None, *, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> str | None:
    env = os.environ if environ is None else environ
    if explicit is not None:
        if not _SHA.match(explicit):
            raise UsageError(f"--commit {explicit!r}: expected a commit id (4 to 64 hex digits)")
        return explicit.lower()
    for name in COMMIT_VARIABLES:
        if env.get(name):
            return env[name]
    from ecsflow.errors import OperationFailed
    from ecsflow.pipeline.git import Git, subprocess_runner

    try:
        return Git(subprocess_runner(cwd or Path.cwd())).head()
    except OperationFailed:  # git is not installed: no commit known
        return None


def actor_of(environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return next((env[n] for n in ACTOR_VARIABLES if env.get(n)), None)
