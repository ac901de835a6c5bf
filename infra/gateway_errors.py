"""The errors API Gateway answers itself, before any function runs, each carrying the API's error
envelope instead of API Gateway's own ``{"message": …}``. ``infra.api`` turns them into the REST
API's gateway responses; the local front (``infra.local.api_gateway``) answers with the same
ones, rendered the way API Gateway renders them. No CDK here: the local runtime imports it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from vidscope.api.http import error_envelope
from vidscope.errors import ApiError, RateLimited, RequestBlocked, RouteNotFound, ValidationFailed

REQUEST_ID = "$context.requestId"
# API Gateway's own message for the catch-all responses; it fills it in already JSON-quoted.
GATEWAY_MESSAGE = "$context.error.messageString"


@dataclass(frozen=True)
class GatewayError:
    response_type: str  # API Gateway's gateway response type, e.g. MISSING_AUTHENTICATION_TOKEN
    error: ApiError

    @property
    def passthrough(self) -> bool:
        """The catch-alls keep API Gateway's own status and message."""
        return self.error.message == GATEWAY_MESSAGE

    @property
    def status(self) -> int | None:
        return None if self.passthrough else self.error.status

    @property
    def template(self) -> str:
        """The response body template, with API Gateway's variables in it."""
        body = error_envelope(self.error, REQUEST_ID).model_dump_json()
        return body.replace(f'"{GATEWAY_MESSAGE}"', GATEWAY_MESSAGE) if self.passthrough else body

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.error.headers)

    def render(self, request_id: str, message: str = "") -> str:
        """The body API Gateway sends: the template with its variables filled in."""
        return self.template.replace(REQUEST_ID, request_id).replace(GATEWAY_MESSAGE, json.dumps(message))


# By construct id in the CDK app.
GATEWAY_ERRORS: dict[str, GatewayError] = {
    "Throttled": GatewayError(
        "THROTTLED", RateLimited("request rate over the API's limit; retry after Retry-After seconds")
    ),
    # A REST API answers an unknown path, and a method a path does not define, with this type
    # (by default a 403 "Missing Authentication Token").
    "UnknownRoute": GatewayError("MISSING_AUTHENTICATION_TOKEN", RouteNotFound("no such route")),
    "BadParameters": GatewayError(
        "BAD_REQUEST_PARAMETERS", ValidationFailed("a path or query parameter is missing or invalid")
    ),
    "Blocked": GatewayError("WAF_FILTERED", RequestBlocked("request blocked by the API's firewall")),
    "Other4xx": GatewayError("DEFAULT_4XX", ValidationFailed(GATEWAY_MESSAGE)),
    "Other5xx": GatewayError("DEFAULT_5XX", ApiError(GATEWAY_MESSAGE)),
}


def gateway_error(response_type: str) -> GatewayError:
    return next(e for e in GATEWAY_ERRORS.values() if e.response_type == response_type)
