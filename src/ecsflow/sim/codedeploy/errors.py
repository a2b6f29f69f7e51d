"""CodeDeploy errors as the API reports them.

moto serialises a ``ServiceException`` by looking its ``code`` up in the error shapes of
the service that handles the request (``moto.core.errors.get_error_model``: first the
responding service's model, then one derived from the exception's module, which only
works for modules under ``moto``). Raised from a CodeDeploy response method, these
classes therefore get CodeDeploy's error shape and HTTP status, in-process and over HTTP.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class CodeDeployError(ServiceException):
    """An error with a code from the CodeDeploy service model (botocore ``codedeploy``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def error(code: str, message: str) -> CodeDeployError:
    return CodeDeployError(code, message)
