"""Translate botocore exceptions into the error tree of ``ecsflow.errors``, once, here."""

from __future__ import annotations

from botocore import exceptions as bx

from ecsflow.errors import (
    AwsAccessError,
    AwsConnectionError,
    AwsError,
    EcsflowError,
    InputError,
    Problem,
    ResourceNotFound,
    ThrottledError,
    UsageError,
)

# Error codes as AWS services spell them (several services, several spellings).
ACCESS_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "RequestExpired",
        "MissingAuthenticationToken",
    }
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
    }
)
_CREDENTIAL_ERRORS = (
    bx.NoCredentialsError,
    bx.PartialCredentialsError,
    bx.CredentialRetrievalError,
    bx.ProfileNotFound,
    bx.TokenRetrievalError,
    bx.SSOError,
)
_CONNECTION_ERRORS = (
    bx.EndpointConnectionError,
    bx.ConnectionClosedError,
    bx.ConnectTimeoutError,
    bx.ReadTimeoutError,
    bx.ConnectionError,
    bx.HTTPClientError,
)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, bx.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "") or None
    return None


def is_expired_credentials(exc: BaseException) -> bool:
    return error_code(exc) in EXPIRED_CODES or isinstance(exc, bx.TokenRetrievalError)


def translate(exc: Exception, operation: str) -> EcsflowError:
    """The ``ecsflow.errors`` equivalent of a botocore exception raised by ``operation``
    (``service:Operation``). The caller raises it ``from exc``."""
    if isinstance(exc, bx.ClientError):
        return _client_error(exc, operation)
    if isinstance(exc, bx.NoRegionError):
        return UsageError(
            f"{operation}: no AWS region is set",
            hint="pass --region, set defaults.region in ecsflow.yml, or set AWS_REGION",
        )
    if isinstance(exc, _CREDENTIAL_ERRORS):
        return AwsAccessError(
            f"{operation}: AWS credentials are missing or unusable: {exc}",
            operation=operation,
            hint="configure credentials (environment, profile, SSO login, or the CI's OIDC role) and retry",
        )
    if isinstance(exc, _CONNECTION_ERRORS):
        return AwsConnectionError(
            f"{operation}: could not reach the AWS endpoint: {exc}",
            operation=operation,
            hint="check the network, the region and --endpoint-url; retrying is safe",
        )
    if isinstance(exc, bx.ParamValidationError):
        return InputError(
            f"{operation}: the request does not match the AWS API",
            [Problem(line.strip()) for line in str(exc).splitlines()[1:] if line.strip()] or [Problem(str(exc))],
            hint="fix the listed fields in the input file",
        )
    return AwsError(
        f"{operation} failed: {type(exc).__name__}: {exc}", operation=operation, hint="retry; --debug shows the cause"
    )


def _client_error(exc: bx.ClientError, operation: str) -> EcsflowError:
    err = exc.response.get("Error", {})
    code = str(err.get("Code") or "Unknown")
    message = str(err.get("Message") or "").strip()
    text = f"{operation} failed: {code}: {message}" if message else f"{operation} failed: {code}"
    if code in ACCESS_CODES:
        hint = (
            "the credentials expired: log in again or refresh the CI role's session"
            if code in EXPIRED_CODES
            else f"allow {operation} for this identity (see docs/deploy.md, IAM permissions)"
        )
        return AwsAccessError(text, operation=operation, code=code, hint=hint)
    if code in THROTTLE_CODES:
        return ThrottledError(
            text + " (still throttled after retries)",
            operation=operation,
            code=code,
            hint="lower --concurrency, or retry later; other tools may share this account's API rate",
        )
    if code.endswith(("NotFoundException", "NotFound")) or code == "ResourceNotFoundException":
        hint = "check the name, cluster, region and account"
        return ResourceNotFound(text, operation=operation, code=code, hint=hint)
    return AwsError(text, operation=operation, code=code, hint="AWS's message says why; --debug shows the full error")
