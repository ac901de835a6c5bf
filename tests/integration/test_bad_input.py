"""Hostile input the property tests first missed: each gets a 400 naming what was wrong, never a
500, and nothing unsafe is stored or echoed."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client, TestResponse

from tests.integration.conftest import TenantHandle, create, job_body
from vidscope.jobs.repository import JobsRepository


def assert_refused(response: TestResponse, field: str, code: str = "VALIDATION_ERROR") -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
    assert field in {d["field"] for d in response.json["error"]["details"]}, response.json
    assert response.json["meta"]["request_id"].startswith("req_")


def no_jobs_stored(jobs_repo: JobsRepository, tenant: TenantHandle) -> bool:
    page = jobs_repo.query(
        tenant.tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=1
    )
    return page.records == []


# --- dates outside what a job id can hold --------------------------------------------------------


@pytest.mark.parametrize("field", ["created_after", "created_before"])
@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:59:59.999Z",  # the finding: stepping one millisecond past it overflowed
        "9999-01-01T00:00:00Z",
        "9998-12-31T23:00:00-05:00",  # in range on its face, in 9999 once the offset is applied
        "1969-12-31T23:59:59.999Z",  # before the ULID epoch: no job id can encode it
        "0001-01-01T00:00:00Z",
    ],
)
def test_list_filter_dates_outside_the_job_id_range_are_a_400_naming_the_field(
    api: Client, tenant: TenantHandle, field: str, moment: str
) -> None:
    response = api.get("/v1/jobs", query_string={field: moment}, headers=tenant.headers)
    assert_refused(response, field)


@pytest.mark.parametrize("moment", ["1970-01-01T00:00:00Z", "9998-12-31T23:59:59.999Z"])
def test_list_filter_dates_at_the_edges_of_the_range_are_served(api: Client, tenant: TenantHandle, moment: str) -> None:
    for field in ("created_after", "created_before"):
        response = api.get("/v1/jobs", query_string={field: moment}, headers=tenant.headers)
        assert response.status_code == 200, response.json


# --- nesting ------------------------------------------------------------------------------------
# Too deep a body is refused by the property test (test_api_properties), the bound itself is
# proven in tests/unit/test_body_nesting.py; what stays here is the API's side of the string rule.


def test_brackets_inside_strings_do_not_count_as_nesting(api: Client, tenant: TenantHandle) -> None:
    response = create(api, tenant, job_body(metadata={"note": "[" * 200 + "{" * 200}))
    assert response.status_code == 202, response.json
    assert response.json["data"]["metadata"] == {"note": "[" * 200 + "{" * 200}


def test_malformed_json_names_the_body_not_an_offset(api: Client, tenant: TenantHandle) -> None:
    response = api.post("/v1/jobs", data="{not json", headers={**tenant.headers, "Content-Type": "application/json"})
    assert_refused(response, "body")


# --- control and bidi characters ------------------------------------------------------------------

UNSAFE = ["\x00", "\r", "\n", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", UNSAFE, ids=[f"U+{ord(c):04X}" for c in UNSAFE])
def test_control_and_bidi_characters_in_metadata_values_are_a_400_naming_the_key(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, char: str
) -> None:
    response = create(api, tenant, job_body(metadata={"invoice": f"inv{char}oice.exe"}))
    assert_refused(response, "metadata.invoice")
    assert no_jobs_stored(jobs_repo, tenant)


@pytest.mark.parametrize("char", UNSAFE, ids=[f"U+{ord(c):04X}" for c in UNSAFE])
def test_control_and_bidi_characters_in_metadata_keys_are_a_400_naming_metadata(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, char: str
) -> None:
    response = create(api, tenant, job_body(metadata={f"a{char}b": "v"}))
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert any(d["field"].startswith("metadata.") for d in response.json["error"]["details"])
    assert no_jobs_stored(jobs_repo, tenant)


def test_a_lone_surrogate_in_metadata_is_a_400_not_a_500(api: Client, tenant: TenantHandle) -> None:
    # JSON escapes can spell a lone surrogate, which no UTF-8 encoder (DynamoDB's included) accepts.
    body = json.dumps(job_body()).removesuffix("}") + ', "metadata": {"k": "\\ud800"}}'
    response = api.post("/v1/jobs", data=body, headers={**tenant.headers, "Content-Type": "application/json"})
    assert_refused(response, "metadata.k")


@pytest.mark.parametrize("field", ["url", "webhook_url"])
@pytest.mark.parametrize("char", ["\x00", "\t", "\r\n", "\u202e", "\u2066"], ids=repr)
def test_control_and_bidi_characters_anywhere_in_urls_are_a_400_naming_the_field(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, field: str, char: str
) -> None:
    url = "https://hooks.example.com/path" if field == "webhook_url" else "https://media.example.com/v.mp4"
    response = create(
        api, tenant, job_body(**{field: url.replace("/path", f"/pa{char}th").replace("/v.", f"/v{char}.")})
    )
    assert_refused(response, field, "INVALID_URL")
    assert no_jobs_stored(jobs_repo, tenant)


# --- malformed hosts --------------------------------------------------------------------------------

MALFORMED_HOSTS = [
    "www.you\ttube.com",  # the finding: urlsplit drops the TAB, the raw URL was stored
    "www.you tube.com",
    "media..example.com",
    "-media.example.com",
    "media_.example.com:99999",
    "media.example.com\\@127.0.0.1",
    "%6D%65dia.example.com",
    "a" * 64 + ".example.com",
    "media.exa<mple.com",
    "2130706433",  # a bare number some resolvers read as 127.0.0.1
    "0x7f.1",
    "127.1",
    "0177.0.0.1",
]


@pytest.mark.parametrize("field", ["url", "webhook_url"])
@pytest.mark.parametrize("host", MALFORMED_HOSTS, ids=repr)
def test_malformed_hosts_are_a_400_naming_the_field(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, field: str, host: str
) -> None:
    response = create(api, tenant, job_body(**{field: f"https://{host}/v.mp4"}))
    assert_refused(response, field, "INVALID_URL")
    assert no_jobs_stored(jobs_repo, tenant)


@pytest.mark.parametrize(
    "url",
    [
        "https://media.example.com/v.mp4",
        "https://MEDIA.example.com/v.mp4",
        "https://media.example.com:8443/v.mp4?x=1#t=3",
    ],
)
def test_well_formed_hosts_are_still_accepted(api: Client, tenant: TenantHandle, url: str) -> None:
    response = create(api, tenant, job_body(url=url))
    assert response.status_code == 202, response.json
    assert response.json["data"]["url"] == url
