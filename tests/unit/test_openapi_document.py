"""The checked-in OpenAPI document is the one the code generates."""

from __future__ import annotations

import json

from infra.openapi import generate_document, render
from vidscope.api.openapi import published_document


def test_checked_in_openapi_document_is_up_to_date() -> None:
    assert published_document() == render(generate_document()), (
        "layers/vidscope/api/openapi.json is stale: run `make openapi` and commit the result"
    )


def test_document_describes_every_job_endpoint_with_the_error_envelope() -> None:
    document = json.loads(published_document())
    assert set(document["paths"]) == {
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
    create = document["paths"]["/v1/jobs"]["post"]
    assert {"202", "400", "401", "402", "404", "409", "413", "422", "429"} <= set(create["responses"])
    upload = document["paths"]["/v1/uploads"]["post"]
    assert upload["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/UploadEnvelope")
    assert create["responses"]["402"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
