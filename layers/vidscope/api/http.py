"""What every API function shares: authentication, rate limiting, the response envelope,
the error contract (typed exception → status and code, here and only here) and the headers
every response carries."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from vidscope import catalog, dependencies
from vidscope.errors import (
    ApiError,
    InternalError,
    InvalidUrl,
    RateLimited,
    RequestBlocked,
    RouteNotFound,
    Unauthorized,
    UnsupportedCapability,
    UnsupportedMediaType,
    ValidationFailed,
)
from vidscope.ids import new_request_id
from vidscope.models import ErrorBody, ErrorDetail, ErrorEnvelope, Meta
from vidscope.observability import logger, metrics
from vidscope.safe_text import spell_out_unsafe
from vidscope.tenancy.ratelimit import RateLimitDecision
from vidscope.tenancy.tenants import Principal, extract_api_key

JSON = "application/json"


@dataclass
class RequestState:
    request_id: str
    principal: Principal | None = None
    rate_limit: RateLimitDecision | None = None


_current: ContextVar[RequestState] = ContextVar("vidscope_request")


def current_principal() -> Principal:
    principal = _current.get().principal
    if principal is None:  # routes of public functions never ask
        raise Unauthorized("this operation needs an API key")
    return principal


def meta() -> Meta:
    return Meta(request_id=_current.get().request_id)


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=model.model_dump_json(), headers=headers or {})


def error_envelope(error: ApiError, request_id: str) -> ErrorEnvelope:
    """The body of every error response; also API Gateway's own (``infra.api``)."""
    return ErrorEnvelope(
        error=ErrorBody(
            code=error.code,
            message=error.message,
            details=[ErrorDetail.model_validate(d) for d in error.details] if error.details else None,
        ),
        meta=Meta(request_id=request_id),
    )


def _error_response(error: ApiError) -> Response[str]:
    return json_response(error_envelope(error, meta().request_id), error.status, dict(error.headers))


# Validation errors raised by our own pydantic validators carry these types; they get their
# own public codes (matched on the structured error type, never on message text).
_ERROR_TYPES: dict[str, type[ApiError]] = {
    "invalid_url": InvalidUrl,
    "unsupported_capability": UnsupportedCapability,
}


def _validation_error(exc: RequestValidationError) -> ApiError:
    errors = exc.errors()
    details = []
    for err in errors:
        loc = [spell_out_unsafe(str(p)) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        message = spell_out_unsafe(str(err.get("msg", "invalid")))
        if err.get("type") == "json_invalid":
            # Powertools puts the character offset after "body"; the field is the body itself.
            loc, message = [location], f"{message}: {(err.get('ctx') or {}).get('error', 'not JSON')}"
        details.append({"field": ".".join(loc[1:]) or location, "location": location, "message": message})
    # The most specific public code among the errors wins; plain VALIDATION_ERROR otherwise.
    specific = [_ERROR_TYPES[e["type"]] for e in errors if e.get("type") in _ERROR_TYPES]
    error_class = specific[0] if specific else ValidationFailed
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    return error_class(f"{first['field']}: {first['message']}", details)


def build_app(*routers: Router) -> APIGatewayRestResolver:
    """A resolver with request validation and the error contract, serving ``routers``."""
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(ApiError)
    def _on_api_error(exc: ApiError) -> Response[str]:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    def _on_validation_error(exc: RequestValidationError) -> Response[str]:
        return _error_response(_validation_error(exc))

    @app.exception_handler(RequestUnsupportedContentType)
    def _on_unsupported_content_type(_exc: RequestUnsupportedContentType) -> Response[str]:
        return _error_response(UnsupportedMediaType("send the body as application/json"))

    @app.exception_handler(Exception)
    def _on_unexpected(exc: Exception) -> Response[str]:
        # A fault of ours: logged with its trace, answered with the contract's envelope.
        logger.exception("unhandled error")
        return _error_response(InternalError("internal error; it has been logged"))

    @app.not_found
    def _on_not_found(_exc: Exception) -> Response[str]:
        return _error_response(RouteNotFound("no such route"))

    return app


def _source_ip(event: Mapping[str, Any]) -> str:
    return str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "unknown")


def _authorize(event: Mapping[str, Any], public: bool) -> tuple[Principal | None, RateLimitDecision, ApiError | None]:
    """Authenticate, then count the request against the key's limit (or, for anonymous and
    unauthenticated calls, against the source address's)."""
    principal: Principal | None = None
    refusal: ApiError | None = None
    if not public:
        try:
            principal = dependencies.tenants_repository().authenticate(extract_api_key(event.get("headers") or {}))
        except Unauthorized as exc:
            refusal = exc
    if principal is not None:
        decision = dependencies.rate_limiter().hit(f"key:{principal.key_id}", principal.rate_limit_per_minute)
    else:
        decision = dependencies.rate_limiter().hit(f"ip:{_source_ip(event)}", catalog.ANONYMOUS_RATE_LIMIT_PER_MINUTE)
    if not decision.allowed:
        refusal = RateLimited("rate limit exceeded; retry after the window resets")
    return principal, decision, refusal


# No request body needs more than a few levels; json.loads recurses once per level and dies with
# RecursionError near 1,000, so depth is bounded before anything parses the body.
MAX_BODY_NESTING = 32
# A string runs to its closing quote, or to the end when it never closes (invalid anyway): either
# way each match ends where the next search starts, so stripping strings stays linear.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]++")
_AS_PARENTHESES = str.maketrans("[]{}", "()()")


def nesting_depth_exceeds(text: str, limit: int = MAX_BODY_NESTING) -> bool:
    """Whether the JSON ``text`` nests arrays/objects deeper than ``limit`` levels.

    Exact for well-formed JSON; unbalanced text may be counted deeper than it is (it is refused
    either way). Runs at C speed: each pass drops the innermost pairs, at most ``limit + 1`` passes.
    """
    if text.count("[") + text.count("{") <= limit:  # no deeper than its openers: every usual body
        return False
    skeleton = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)).translate(_AS_PARENTHESES)
    passes = 0
    while "()" in skeleton:
        passes += 1
        if passes > limit:
            return True
        skeleton = skeleton.replace("()", "")
    # What is left never closes: each opener in it encloses everything after it.
    return passes + skeleton.count("(") > limit


def _body_refusal(event: Mapping[str, Any]) -> ApiError | None:
    """Bodies are UTF-8 JSON only, nested at most ``MAX_BODY_NESTING`` deep; anything else is
    refused before the resolver parses it."""
    body = event.get("body")
    if not body:
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = (headers.get("content-type") or JSON).split(";", 1)[0].strip().lower()
    if media_type != JSON and not media_type.endswith("+json"):
        return UnsupportedMediaType("send the body as application/json")
    text = str(body)
    if event.get("isBase64Encoded"):
        try:
            text = base64.b64decode(body).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            detail = {"field": "body", "location": "body", "message": "must be UTF-8 encoded JSON"}
            return ValidationFailed("body: must be UTF-8 encoded JSON", [detail])
    if nesting_depth_exceeds(text):
        message = f"must not nest arrays or objects more than {MAX_BODY_NESTING} levels deep"
        return ValidationFailed(f"body: {message}", [{"field": "body", "location": "body", "message": message}])
    return None


def serve(
    app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext, *, public: bool = False
) -> dict[str, Any]:
    """Run one API Gateway proxy event through auth, rate limiting and ``app``."""
    state = RequestState(request_id=new_request_id())
    token = _current.set(state)
    logger.append_keys(request_id=state.request_id)
    try:
        state.principal, state.rate_limit, refusal = _authorize(event, public)
        refusal = refusal or _body_refusal(event)
        if state.principal is not None:
            logger.append_keys(tenant_id=state.principal.tenant_id)
        response = _proxy_response(_error_response(refusal)) if refusal else app.resolve(event, context)
        headers = {"X-Request-Id": state.request_id, **state.rate_limit.headers()}
        multi = response.setdefault("multiValueHeaders", {})
        for name, value in headers.items():
            multi[name] = [value]
        return response
    finally:
        logger.remove_keys(["request_id", "tenant_id"])
        _current.reset(token)


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def lambda_entry(app: APIGatewayRestResolver, *, public: bool = False) -> LambdaHandler:
    """An API function's Lambda handler: Powertools' context and metrics around ``serve``.

    Not traced through the X-Ray SDK (``traced_handler``): its import alone would double every
    API cold start (≈0.26 s, DESIGN §9 allows 1.5 times ``import boto3`` for the whole handler).
    API Gateway's and Lambda's active tracing still record each request's segments (the stage,
    the function's initialization, invocation and overhead) without it; what is given up is the
    per-call subsegments of the AWS SDK calls, which the workflow and event functions keep.
    Nothing of a request or response reaches X-Ray from here either way."""

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return serve(app, event, context, public=public)

    return lambda_handler


def _proxy_response(response: Response[str]) -> dict[str, Any]:
    headers = {k: v if isinstance(v, list) else [v] for k, v in response.headers.items()}
    headers["Content-Type"] = [response.content_type or JSON]
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": headers,
        "body": str(response.body),
        "isBase64Encoded": False,
    }


# What any route may answer besides its own errors: API Gateway's firewall, throttle and parameter
# checks (``infra.gateway_errors``), then ``serve``'s authentication, rate limit and body checks,
# request validation, the resolver's not-found (a path API Gateway routes to the function with a
# parameter that holds a character the resolver's pattern refuses: a control character, a quote)
# and a fault (ours, Lambda's or API Gateway's: any 5xx, see ``infra.openapi``).
EVERY_ROUTE_ERRORS: tuple[type[ApiError], ...] = (
    ValidationFailed,
    Unauthorized,
    RequestBlocked,
    RouteNotFound,
    UnsupportedMediaType,
    RateLimited,
    InternalError,
)
EXAMPLE_REQUEST_ID = "req_01JZ0000000000000000000000"


def error_meaning(error: type[ApiError]) -> str:
    """What the code tells the client: the first paragraph of the class's docstring."""
    doc = error.__dict__.get("__doc__")
    if not doc:
        raise TypeError(f"{error.__name__} ({error.code}) needs a docstring: it is the code's documentation")
    return " ".join(doc.strip().split("\n\n", 1)[0].split()).replace("``", "`")


def _documented_errors(errors: list[type[ApiError]]) -> dict[str, Any]:
    """One status's response: every code the route answers with it, an example of each."""
    examples = {
        error.code: {
            "summary": error_meaning(error),
            "value": error_envelope(error(error_meaning(error)), EXAMPLE_REQUEST_ID).model_dump(
                mode="json", exclude_none=True
            ),
        }
        for error in errors
    }
    response: dict[str, Any] = {
        "description": "\n".join(f"- `{error.code}`: {error_meaning(error)}" for error in errors),
        "content": {JSON: {"model": ErrorEnvelope, "examples": examples}},
    }
    headers = {name for error in errors for name in error.headers}
    if headers:
        response["headers"] = {
            name: {
                "description": "With " + ", ".join(e.code for e in errors if name in e.headers),
                "schema": {"type": "integer"},
            }
            for name in sorted(headers)
        }
    return response


def documented(status: int, model: type[BaseModel], *errors: type[ApiError]) -> dict[int, Any]:
    """OpenAPI ``responses`` for a route: its success model, and per error status every code the
    route can answer with (its own errors and ``EVERY_ROUTE_ERRORS``), each with an example."""
    by_status: dict[int, list[type[ApiError]]] = {}
    for error in dict.fromkeys((*errors, *EVERY_ROUTE_ERRORS)):
        by_status.setdefault(error.status, []).append(error)
    responses: dict[int, Any] = {status: {"description": "Success", "content": {JSON: {"model": model}}}}
    for error_status, classes in sorted(by_status.items()):
        responses[error_status] = _documented_errors(classes)
    return responses
