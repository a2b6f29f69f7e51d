"""What an incoming HTTP request is: its service, operation and wire protocol.

Names follow what users see in SigV4 and in the AWS docs: the service is the signing
name of the credential scope (``ecs``, ``ecr``, ``codedeploy``, ``elasticloadbalancing``,
``logs``, ``codepipeline``, ``s3``, ``monitoring``, …) and the operation is the API
name (``DescribeServices``). So a count or a fault rule reads ``ecs:DescribeServices``
whatever the client: boto3, the AWS CLI, another SDK.

The operation is read from the request the way AWS routes it:

* awsJson1_0 / awsJson1_1 (ECS, ECR, CodeDeploy, CodePipeline, CloudWatch, Logs):
  the ``X-Amz-Target`` header, ``<prefix>.<Operation>``;
* Smithy RPC v2 CBOR: the path ``/service/<Service>/operation/<Operation>``;
* query / ec2 (ELBv2, IAM, STS, CloudFormation, EC2): ``Action=`` in the form body
  or the query string;
* rest-json / rest-xml (Lambda, S3): moto's router over the botocore service model.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([^/?]+)")


@dataclass(frozen=True)
class RequestInfo:
    service: str  # signing name, "unknown" when the request is not signed
    operation: str  # API name, or the HTTP method when it cannot be told
    protocol: str  # json | cbor | query | ec2 | rest-json | rest-xml
    region: str
    invocation_id: str | None  # amz-sdk-invocation-id: the same across retries of one call
    attempt: int | None  # amz-sdk-request: attempt=N

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"


def identify(environ: dict[str, Any]) -> RequestInfo:
    """Identify a request; buffers a form body and puts it back into ``wsgi.input``."""
    service, region = _scope(environ)
    invocation_id = environ.get("HTTP_AMZ_SDK_INVOCATION_ID") or None
    attempt = _attempt(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    path = environ.get("PATH_INFO", "")
    if target and "." in target:
        return RequestInfo(service, target.rsplit(".", 1)[1], "json", region, invocation_id, attempt)
    cbor = _CBOR_PATH.match(path)
    if cbor and "cbor" in environ.get("HTTP_SMITHY_PROTOCOL", ""):
        return RequestInfo(service, cbor.group(1), "cbor", region, invocation_id, attempt)
    action = _query_action(environ)
    if action:
        protocol = "ec2" if service == "ec2" else "query"
        return RequestInfo(service, action, protocol, region, invocation_id, attempt)
    operation, protocol = _rest_operation(service, environ)
    return RequestInfo(service, operation, protocol, region, invocation_id, attempt)


def _scope(environ: dict[str, Any]) -> tuple[str, str]:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = _SCOPE.search(auth)
    if match is None:
        credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
        match = _SCOPE.search(f"Credential={credential}")
    if match is None:
        return "unknown", ""
    return match.group(2), match.group(1)


def _attempt(header: str) -> int | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "attempt" and value.isdigit():
            return int(value)
    return None


def _query_action(environ: dict[str, Any]) -> str | None:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return str(query["Action"][0])
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    # The body was consumed: put it back for moto.
    environ["wsgi.input"] = io.BytesIO(body)
    actions = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return str(actions[0]) if actions else None


def _rest_operation(service: str, environ: dict[str, Any]) -> tuple[str, str]:
    from moto.core.request import Request as MotoRequest
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model

    method = str(environ.get("REQUEST_METHOD", "GET"))
    try:
        protocol = str(get_service_model(service).protocol)
    except Exception:  # an unsigned request, or a signing name botocore does not know
        return method, "rest-json"
    try:
        operation, _ = get_service_router(service).match(MotoRequest(environ))
    except Exception:  # no operation of the model matches: moto answers it anyway
        return method, protocol
    return str(operation.name), protocol


def error_response(info: RequestInfo, code: str, message: str, status: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """An error in the shape the client's protocol parser expects (botocore's parsers)."""
    if info.protocol in ("query", "ec2", "rest-xml"):
        text = escape(message)
        if info.protocol == "ec2":
            body = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{text}</Message></Error></Errors>"
                "<RequestID>ecsflow-sim</RequestID></Response>"
            )
        elif info.protocol == "rest-xml":
            body = f"<Error><Code>{code}</Code><Message>{text}</Message><RequestId>ecsflow-sim</RequestId></Error>"
        else:
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{text}</Message></Error>"
                "<RequestId>ecsflow-sim</RequestId></ErrorResponse>"
            )
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", "ecsflow-sim")]
        return status, headers, body.encode()
    # json, rest-json (and cbor clients, which also read x-amzn-ErrorType on errors).
    content_type = "application/x-amz-json-1.1" if info.protocol == "json" else "application/json"
    headers = [("Content-Type", content_type), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", "ecsflow-sim")]
    return status, headers, json.dumps({"__type": code, "message": message}).encode()


def throttling_code(info: RequestInfo) -> tuple[str, int]:
    """The throttling error AWS sends for this protocol; botocore retries each of them.

    ECS/ECR/CodeDeploy (JSON): ``ThrottlingException``; query services (ELBv2, IAM,
    STS, CloudFormation): ``Throttling``; EC2: ``RequestLimitExceeded``; S3: ``SlowDown`` (503).
    """
    if info.protocol == "query":
        return "Throttling", 400
    if info.protocol == "ec2":
        return "RequestLimitExceeded", 503
    if info.protocol == "rest-xml":
        return "SlowDown", 503
    return "ThrottlingException", 400


def expired_code(info: RequestInfo) -> tuple[str, int]:
    """Expired credentials: ``ExpiredTokenException`` for JSON protocols, ``ExpiredToken`` otherwise."""
    if info.protocol in ("json", "cbor", "rest-json"):
        return "ExpiredTokenException", 400
    return "ExpiredToken", 400
