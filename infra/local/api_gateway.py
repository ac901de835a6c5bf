"""A local stand-in for API Gateway's REST proxy integration, as a WSGI app.

Each HTTP request becomes the same proxy event API Gateway sends (REST API format: resource,
path parameters, multi-value headers and query strings, request context with a request id and
source IP), is routed by the function list in ``vidscope.functions`` to the real handler,
invoked in-process, and its proxy response is turned back into HTTP.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from infra.gateway_errors import gateway_error
from infra.local import quotas
from infra.local.lambda_runtime import RUNTIME, LambdaRuntime, TooManyRequestsException
from vidscope.functions import API_FUNCTIONS, FunctionSpec

STAGE = "local"
# A REST API's gateway response type for an unknown path and for a method a path lacks.
UNKNOWN_ROUTE = "MISSING_AUTHENTICATION_TOKEN"


def _url_map(functions: Iterable[FunctionSpec]) -> Map:
    rules = []
    for spec in functions:
        for route in spec.routes:
            rules.append(Rule(route.resolver_path, methods=[route.method], endpoint=(spec.name, route.path)))
    return Map(rules, strict_slashes=False, merge_slashes=False)


# What API Gateway answers when the Lambda integration fails, with its catch-all 5xx response and
# the message "Internal server error": 502 when the function ran and failed (or returned what it
# cannot use), 500 when the Lambda API refused the invocation, a throttle included ("Handling
# Lambda errors with an API Gateway API", https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html;
# a throttled proxy integration is never passed on as a 429).
FUNCTION_FAILED = 502
INVOCATION_REFUSED = 500


def integration_failure_response(status: int = FUNCTION_FAILED) -> Response:
    """What the deployed API answers when the Lambda integration fails (``status``: see above)."""
    failure = gateway_error("DEFAULT_5XX")
    response = Response(
        failure.render(str(uuid.uuid4()), "Internal server error"), status=status, content_type="application/json"
    )
    response.headers.update(failure.headers)
    return response


def unknown_route_response(request_id: str | None = None) -> Response:
    """What the deployed API answers for a route it does not have (``infra.gateway_errors``)."""
    unknown_route = gateway_error(UNKNOWN_ROUTE)
    assert unknown_route.status is not None  # its status is set, not API Gateway's own
    response = Response(
        unknown_route.render(request_id or str(uuid.uuid4())),
        status=unknown_route.status,
        content_type="application/json",
    )
    response.headers.update(unknown_route.headers)
    return response


def proxy_event(request: Request, resource: str, path_params: Mapping[str, Any]) -> dict[str, Any]:
    body = request.get_data()
    try:
        text: str | None = body.decode() if body else None
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        multi_headers.setdefault(name, []).append(value)
    multi_query = {k: request.args.getlist(k) for k in request.args}
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {k: str(v) for k, v in path_params.items()} or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": request.method,
            "path": f"/{STAGE}{request.path}",
            "stage": STAGE,
            "requestId": request_id,
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


class LocalApiGateway:
    """WSGI app that serves the API functions the way API Gateway would."""

    def __init__(self, functions: Iterable[FunctionSpec] = API_FUNCTIONS, runtime: LambdaRuntime = RUNTIME) -> None:
        self._functions = {spec.name: spec for spec in functions}
        self._urls = _url_map(self._functions.values())
        self._runtime = runtime

    def invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._runtime.invoke(spec, event)
        return result

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            (name, resource), params = self._urls.bind_to_environ(environ).match()
        except (NotFound, MethodNotAllowed):
            # API Gateway answers an unknown path, or a method the path does not define, itself
            # (before any function runs) with the deployed API's gateway response for it.
            return unknown_route_response()(environ, start_response)
        try:
            result = self.invoke(self._functions[name], proxy_event(request, resource, params))
        except (quotas.RequestTooLargeException, quotas.ResponseSizeTooLarge):
            # Lambda refused the payload: API Gateway answers 502 with its catch-all 5xx response.
            return integration_failure_response()(environ, start_response)
        except TooManyRequestsException:
            # Lambda throttled the invocation (no free execution environment in time).
            return integration_failure_response(INVOCATION_REFUSED)(environ, start_response)
        body = result.get("body") or ""
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(payload, status=result["statusCode"])
        response.headers.clear()
        for header, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(header, value)
        for header, value in (result.get("headers") or {}).items():
            response.headers[header] = value
        return response(environ, start_response)
