"""Options per capability on create: strict (an unknown capability or option is a 400 naming its
path), filled with defaults on the job, and part of what makes a request the same request."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from tests.integration.conftest import SPEECH_DEFAULTS, TenantHandle, create, job_body


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"brands": {"return_proof": True, "colour": "red"}}, "options.brands.colour"),
        ({"teleport": {}}, "options.teleport"),
        ({"brands": {"return_proof": "yes"}}, "options.brands.return_proof"),
    ],
)
def test_an_unknown_or_malformed_option_is_400_with_its_path(
    api: Client, tenant: TenantHandle, options: dict[str, Any], field: str
) -> None:
    response = create(api, tenant, job_body(capabilities=["transcription", "brands"], options=options))
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in response.json["error"]["details"]]


def test_options_for_a_capability_not_requested_are_refused(api: Client, tenant: TenantHandle) -> None:
    response = create(api, tenant, job_body(capabilities=["transcription"], options={"brands": {"return_proof": True}}))
    assert response.status_code == 400
    assert "not requested: brands" in response.json["error"]["message"]


def test_the_job_shows_every_capabilitys_options_with_defaults(api: Client, tenant: TenantHandle) -> None:
    response = create(api, tenant, job_body(capabilities=["transcription", "summary", "brands"]))
    assert response.status_code == 202
    assert response.json["data"]["options"] == {
        "transcription": SPEECH_DEFAULTS,
        "summary": {},
        "brands": {"return_proof": False, "sources": None},
    }


def test_return_proof_is_the_alias_of_the_brands_option(api: Client, tenant: TenantHandle) -> None:
    old = job_body(capabilities=["transcription", "brands"], return_proof=True)
    new = job_body(capabilities=["transcription", "brands"], options={"brands": {"return_proof": True}})
    first = create(api, tenant, old, **{"Idempotency-Key": "proof-alias"})
    again = create(api, tenant, new, **{"Idempotency-Key": "proof-alias"})
    assert first.status_code == 202 and again.status_code == 200  # the same request, replayed
    assert again.json["data"]["job_id"] == first.json["data"]["job_id"]
    assert first.json["data"]["return_proof"] is True
    assert first.json["data"]["options"]["brands"] == {"return_proof": True, "sources": None}


def test_different_options_under_one_key_are_a_different_request(api: Client, tenant: TenantHandle) -> None:
    body = job_body(capabilities=["transcription", "brands"])
    first = create(api, tenant, body, **{"Idempotency-Key": "options-differ"})
    other = create(
        api, tenant, {**body, "options": {"brands": {"return_proof": True}}}, **{"Idempotency-Key": "options-differ"}
    )
    assert first.status_code == 202
    assert other.status_code == 422 and other.json["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_no_options_empty_options_and_default_options_are_the_same_request(api: Client, tenant: TenantHandle) -> None:
    body = job_body(capabilities=["transcription", "brands"])
    spellings = [body, {**body, "options": {}}, {**body, "options": {"brands": {}}}]
    spellings.append({**body, "options": {"brands": {"return_proof": False}}})
    answers = [create(api, tenant, b, **{"Idempotency-Key": "default-options"}) for b in spellings]
    assert [a.status_code for a in answers] == [202, 200, 200, 200]
    assert len({a.json["data"]["job_id"] for a in answers}) == 1


@pytest.mark.parametrize("options", [None, {}, {"extract": {}}, {"extract": None}, {"extract": {"video_level": True}}])
def test_a_capability_asked_without_the_options_it_requires_is_400_naming_them(
    api: Client, tenant: TenantHandle, options: dict[str, Any] | None
) -> None:
    body = job_body(capabilities=["transcription", "extract"], **({} if options is None else {"options": options}))
    response = create(api, tenant, body)
    assert response.status_code == 400, response.json
    [detail] = response.json["error"]["details"]
    assert detail["field"] == "options.extract" and "prompt or a schema" in detail["message"]


def test_a_capability_given_the_options_it_requires_is_accepted_with_the_rest_defaulted(
    api: Client, tenant: TenantHandle
) -> None:
    body = job_body(capabilities=["transcription", "extract"], options={"extract": {"prompt": "the people named"}})
    response = create(api, tenant, body)
    assert response.status_code == 202, response.json
    options = response.json["data"]["options"]
    assert options["transcription"] == SPEECH_DEFAULTS
    assert options["extract"]["prompt"] == "the people named"
    assert options["extract"]["segmentation"] == {"strategy": "uniform", "window_seconds": 30.0}
