"""Routes the API does not have are answered by the local front exactly as by the deployed API
Gateway: its MISSING_AUTHENTICATION_TOKEN gateway response (infra.gateway_errors), with the
envelope's template filled in the way API Gateway fills it, before any function runs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from werkzeug.test import Client

from infra.gateway_errors import REQUEST_ID, gateway_error
from tests.integration.conftest import TenantHandle
from vidscope.adapters import quotas
from vidscope.models import ErrorEnvelope


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing-here"),  # no such path
        ("POST", "/v2/jobs"),
        ("PUT", "/v1/jobs"),  # a path without that method: REST APIs answer both alike
        ("DELETE", "/v1/account"),
        ("PATCH", "/v1/jobs/job_123"),
    ],
)
def test_an_unknown_route_gets_the_gateway_response_the_cloud_sends(
    api: Client, tenant: TenantHandle, method: str, path: str
) -> None:
    # Given the deployed API's gateway response for an unknown route
    cloud = gateway_error("MISSING_AUTHENTICATION_TOKEN")
    # When the local front is asked for a route the API lacks
    response = api.open(path, method=method, headers=tenant.headers)
    # Then the status and the body are the gateway response's, the request id filled in
    envelope = ErrorEnvelope.model_validate_json(response.get_data())
    assert response.status_code == cloud.status == 404
    assert response.get_data(as_text=True) == cloud.template.replace(REQUEST_ID, envelope.meta.request_id)
    assert (envelope.error.code, envelope.error.message) == ("NOT_FOUND", "no such route")
    assert response.content_type == "application/json"
    # ... and no function ran: none of the headers every function's answer carries.
    assert "X-Request-Id" not in response.headers and "RateLimit-Policy" not in response.headers


def test_a_response_over_lambdas_quota_is_apig_s_502_not_a_crash(
    api: Client, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Lambda passes back less than the account view takes (the quota shrunk for the test)
    monkeypatch.setattr(quotas, "LAMBDA_SYNC_RESPONSE", replace(quotas.LAMBDA_SYNC_RESPONSE, limit_bytes=200))
    # When the function answers
    response = api.get("/v1/account", headers=tenant.headers)
    # Then the caller gets what API Gateway sends when the integration fails: a 502 envelope
    assert response.status_code == 502
    envelope = ErrorEnvelope.model_validate(response.json)
    assert envelope.error.message == "Internal server error"
