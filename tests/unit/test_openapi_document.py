"""The checked-in OpenAPI document is the one the code generates, and it is a contract a client
generator can use: every error code with an example under each operation that answers it, one
tag per operation, schema names as the models spell them, and the webhooks described."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest

from infra.openapi import generate_document, render
from vidscope import errors
from vidscope.api.http import EVERY_ROUTE_ERRORS, JSON
from vidscope.api.openapi import ApiTag, published_document
from vidscope.models import ErrorEnvelope, WebhookEvent
from vidscope.webhooks.dispatcher import EVENT_TYPES

DOCUMENT: dict[str, Any] = json.loads(published_document())
OPERATIONS = [
    (f"{method.upper()} {path}", operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
API_ERRORS = sorted(
    {cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.ApiError)},
    key=lambda cls: cls.__name__,
)


def _error_examples(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """status → {code: example envelope} for each error response of the operation."""
    return {
        status: {code: example["value"] for code, example in response["content"][JSON]["examples"].items()}
        for status, response in operation["responses"].items()
        if not status.startswith("2")
    }


def test_checked_in_openapi_document_is_up_to_date() -> None:
    assert published_document() == render(generate_document()), (
        "layers/vidscope/api/openapi.json is stale: run `make openapi` and commit the result"
    )


def test_document_describes_every_job_endpoint_with_the_error_envelope() -> None:
    assert set(DOCUMENT["paths"]) == {
        "/v1/jobs",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/cancel",
        "/v1/jobs/{job_id}/transcript",
        "/v1/jobs/{job_id}/results/{capability}",
        "/v1/jobs/{job_id}/webhook_deliveries",
        "/v1/jobs/{job_id}/webhook/redeliver",
        "/v1/account",
        "/v1/uploads",
    }
    create = DOCUMENT["paths"]["/v1/jobs"]["post"]
    assert {"202", "400", "401", "402", "403", "404", "409", "413", "415", "422", "429", "5XX"} <= set(
        create["responses"]
    )
    upload = DOCUMENT["paths"]["/v1/uploads"]["post"]
    assert upload["responses"]["201"]["content"][JSON]["schema"]["$ref"].endswith("/UploadEnvelope")
    assert create["responses"]["402"]["content"][JSON]["schema"]["$ref"].endswith("/ErrorEnvelope")


def _status_key(error: type[errors.ApiError]) -> str:
    """The response a code is listed in: its status, or the 5XX range for a fault."""
    return "5XX" if error.status >= 500 else str(error.status)


@pytest.mark.parametrize("error", API_ERRORS, ids=lambda cls: cls.code)
def test_every_error_code_is_documented_under_a_route_that_answers_it(error: type[errors.ApiError]) -> None:
    answering = [name for name, op in OPERATIONS if error.code in _error_examples(op).get(_status_key(error), {})]
    assert answering, f"{error.__name__} ({error.status} {error.code}) is under no operation of the document"


def test_each_error_response_holds_one_example_per_code_in_the_error_envelope() -> None:
    status_of = {cls.code: _status_key(cls) for cls in API_ERRORS}
    for name, operation in OPERATIONS:
        for status, examples in _error_examples(operation).items():
            assert examples, f"{name} {status} lists no code"
            for code, envelope in examples.items():
                assert ErrorEnvelope.model_validate(envelope).error.code == code, (name, status)
                assert status == status_of[code], (name, code)
        # The errors every route can answer are under each route.
        codes = {code for examples in _error_examples(operation).values() for code in examples}
        assert {cls.code for cls in EVERY_ROUTE_ERRORS} <= codes, name


def test_a_status_answered_with_several_codes_lists_them_all() -> None:
    create = _error_examples(DOCUMENT["paths"]["/v1/jobs"]["post"])
    assert set(create["400"]) == {"VALIDATION_ERROR", "INVALID_URL", "UNSUPPORTED_CAPABILITY"}
    assert set(create["409"]) == {"IDEMPOTENCY_KEY_IN_USE", "UPLOAD_INCOMPLETE"}
    assert set(create["429"]) == {"RATE_LIMITED", "TOO_MANY_ACTIVE_JOBS", "FAILED_COMPUTE_BUDGET_EXCEEDED"}
    redeliver = _error_examples(DOCUMENT["paths"]["/v1/jobs/{job_id}/webhook/redeliver"]["post"])
    assert set(redeliver["409"]) == {"WEBHOOK_NOT_CONFIGURED", "JOB_NOT_FINISHED", "WEBHOOK_DELIVERY_IN_PROGRESS"}
    retry_after = DOCUMENT["paths"]["/v1/jobs"]["post"]["responses"]["429"]["headers"]["Retry-After"]
    assert "RATE_LIMITED" in retry_after["description"] and "TOO_MANY_ACTIVE_JOBS" in retry_after["description"]


def test_every_operation_has_one_tag_the_document_describes() -> None:
    described = {tag["name"] for tag in DOCUMENT["tags"]}
    assert described == {tag.value for tag in ApiTag}
    for name, operation in OPERATIONS:
        assert len(operation.get("tags", [])) == 1 and operation["tags"][0] in described, name
    assert {operation["tags"][0] for _, operation in OPERATIONS} == described  # no tag without operations


def test_schemas_go_by_the_names_their_models_give_themselves() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    assert {"JobEnvelope", "JobListEnvelope", "WebhookAttemptsEnvelope", "CapabilityResultPageEnvelope"} <= set(schemas)
    assert [name for name, schema in schemas.items() if schema.get("title", name) != name] == []


def test_webhooks_describe_each_event_a_job_s_webhook_sends_with_its_signature_headers() -> None:
    webhooks = DOCUMENT["webhooks"]
    assert set(webhooks) == set(EVENT_TYPES.values()) == set(get_args(WebhookEvent.model_fields["type"].annotation))
    for hook in webhooks.values():
        post = hook["post"]
        headers = {p["name"] for p in post["parameters"] if p["in"] == "header" and p["required"]}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        assert post["requestBody"]["content"][JSON]["schema"]["$ref"] == "#/components/schemas/WebhookEvent"
    event = DOCUMENT["components"]["schemas"]["WebhookEvent"]
    assert event["properties"]["data"]["$ref"] == "#/components/schemas/Job"
