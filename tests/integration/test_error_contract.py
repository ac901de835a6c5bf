"""Every error code a route answered with in this session is listed under that route and status in
the published OpenAPI document.

The integration tests drive the real handlers through the local front, which records each error
answer with its route (tests/support/error_contract.py, installed by tests/integration/conftest.py);
the conformance test runs after all of them (``conformance`` marker, tests/conftest.py) and checks
the recording against the document. The other two prove the check can fail: a code the document
leaves out is reported, and the front really records what it answers."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle
from tests.support.error_contract import ErrorAnswer, documented_codes, recorded, undocumented
from vidscope.api.openapi import published_document

MISSING_JOB = "/v1/jobs/job_01M0000000000000000000000"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(published_document())
    return document


def test_a_code_the_document_leaves_out_of_a_route_is_reported() -> None:
    # Given the document, and a copy whose GET /v1/jobs/{job_id} no longer lists JOB_NOT_FOUND
    document = _document()
    doctored = copy.deepcopy(document)
    del doctored["paths"]["/v1/jobs/{job_id}"]["get"]["responses"]["404"]["content"]["application/json"]["examples"][
        "JOB_NOT_FOUND"
    ]
    answered = ErrorAnswer("GET", "/v1/jobs/{job_id}", 404, "JOB_NOT_FOUND")
    # And the same code listed under another route only
    elsewhere = ErrorAnswer("GET", "/v1/account", 404, "JOB_NOT_FOUND")

    # Then the answer is documented in the real one, and reported against the copy and elsewhere
    assert undocumented([answered], document) == []
    assert undocumented([answered], doctored) == [answered]
    assert undocumented([elsewhere], document) == [elsewhere]


def test_a_5xx_is_checked_against_the_documented_range() -> None:
    document = _document()
    assert documented_codes(document, "GET", "/v1/jobs/{job_id}", 502) == {"INTERNAL_ERROR"}
    assert undocumented([ErrorAnswer("POST", "/v1/jobs", 504, "JOB_NOT_FOUND")], document)


def test_the_local_front_records_each_error_it_answers_with_its_route(api: Client, tenant: TenantHandle) -> None:
    # When a route answers an error, another answers success, and a path no route has is asked
    assert api.get(MISSING_JOB, headers=tenant.headers).status_code == 404
    assert api.get("/v1/account", headers=tenant.headers).status_code == 200
    assert api.get("/v1/no-such-route", headers=tenant.headers).status_code == 404

    # Then the error is recorded under its route, as the document spells it; nothing else is
    answers = recorded()
    assert ErrorAnswer("GET", "/v1/jobs/{job_id}", 404, "JOB_NOT_FOUND") in answers
    assert not [a for a in answers if a.path in {"/v1/no-such-route"} or a.status < 400]


@pytest.mark.conformance
def test_every_error_code_a_route_answered_with_is_documented_under_it() -> None:
    answers = recorded()
    assert answers, "nothing recorded: run this with the integration tests whose answers it checks"
    missing = undocumented(answers, _document())
    assert not missing, "answered, but not in the OpenAPI document under the route:\n" + "\n".join(map(str, missing))
