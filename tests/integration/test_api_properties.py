"""Property-based: schemathesis generates requests from the published OpenAPI document and
drives the real handlers through the local API Gateway front. Whatever it sends, the API must
answer without a 5xx and with a response that matches the document."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from infra.local.api_gateway import LocalApiGateway
from tests.integration.conftest import TenantHandle
from vidscope.api.openapi import published_document

schema = schemathesis.openapi.from_dict(json.loads(published_document()))
schema.app = LocalApiGateway()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_input_yields_a_5xx_or_a_response_outside_the_schema(case: schemathesis.Case, tenant: TenantHandle) -> None:
    # call_and_validate raises on a 5xx, a body outside the schema or a wrong content type
    response = case.call_and_validate(
        headers=tenant.headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    assert response.status_code < 500
    # Every answer a function gives carries the headers DESIGN §3 puts on every response.
    # (Methods a route does not define are answered by API Gateway itself; no function runs.)
    if case.method.upper() == case.operation.method.upper():
        assert response.headers["x-request-id"][0].startswith("req_")
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "ratelimit-policy", "ratelimit"} <= set(response.headers)
