"""The fingerprint capability on the whole local stack (real ASL, the vision worker hashing the
pictures in its decode, the analysis printing the sound with libchromaprint, the index in the
table): a re-encoded, rescaled, trimmed copy finds its original with the right offset, unrelated
media finds nothing, another tenant's job is never found, a deleted job leaves the index, and a
job that failed or was cancelled after its print was stored is no match."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, new_tenant, run_to_end
from tests.support.fingerprint_media import Variant, make_clip, make_variant
from tests.support.media_server import MediaServer, serving
from vidscope.adapters import aws, table
from vidscope.jobs.repository import job_key
from vidscope.models import JobStatus
from vidscope.settings import get_settings

TRIM_SECONDS = 3.3


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("prints")
    make_clip(root / "original.mp4", seed=11, seconds=20.0)
    # Re-encoded at a lower quality, rescaled from 320 to 240 wide, 3.3 s cut from its start and 2 s from its end.
    make_variant(root / "original.mp4", root / "copy.mp4", Variant(trim_start=TRIM_SECONDS, trim_end=2.0, width=240))
    make_clip(root / "unrelated.mp4", seed=12, seconds=16.0)
    with serving(root) as server:
        yield server


def _fingerprint(api: Client, tenant: TenantHandle, url: str) -> dict[str, Any]:
    job = run_to_end(api, tenant, url, ["fingerprint"])
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors"), job["capability_errors"]
    return job


def test_a_trimmed_rescaled_copy_finds_its_original_and_nothing_else_does(
    pipeline_api: Client, clips: MediaServer
) -> None:
    tenant, stranger = new_tenant(credits=1_000, name="Prints"), new_tenant(credits=1_000, name="Stranger")
    # Given the original fingerprinted, and the same original under another tenant
    original = _fingerprint(pipeline_api, tenant, clips.url("original.mp4"))
    printed = original["results"]["fingerprint"]
    assert printed["audio"]["items"] > 100 and printed["visual"]["items"] >= 38
    assert printed["matches"] == []
    assert {"capability": "fingerprint", "code": "NO_MATCH"}.items() <= original["notes"][0].items()
    theirs = _fingerprint(pipeline_api, stranger, clips.url("original.mp4"))
    assert theirs["results"]["fingerprint"]["matches"] == []  # the first tenant's print is not theirs
    # When the copy is fingerprinted
    copy = _fingerprint(pipeline_api, tenant, clips.url("copy.mp4"))
    # Then it matches the original (and only it: never the stranger's identical job)
    [match] = copy["results"]["fingerprint"]["matches"]
    assert match["job_id"] == original["job_id"]
    assert match["similarity"] >= 0.8
    assert abs(match["offset_seconds"] - TRIM_SECONDS) <= 0.5
    assert match["kind"] == "both"
    # And unrelated media matches nothing of the tenant's (below 0.3 is not reported)
    unrelated = _fingerprint(pipeline_api, tenant, clips.url("unrelated.mp4"))
    assert unrelated["results"]["fingerprint"]["matches"] == []


def _index_items(tenant_id: str) -> list[dict[str, Any]]:
    """Every item of the tenant's fingerprint partitions (a scan: this test's check, never the service's)."""
    items: list[dict[str, Any]] = []
    for page in aws.client("dynamodb").get_paginator("scan").paginate(TableName=get_settings().table_name):
        prefix = f"{table.FINGERPRINT_PREFIX}{tenant_id}#"
        items.extend(item for item in page["Items"] if item["PK"]["S"].startswith(prefix))
    return items


def test_deleting_a_job_removes_its_print_and_a_later_copy_no_longer_finds_it(
    pipeline_api: Client, clips: MediaServer
) -> None:
    tenant = new_tenant(credits=1_000, name="Forgetful")
    original = _fingerprint(pipeline_api, tenant, clips.url("original.mp4"))
    assert any(item["PK"]["S"].endswith(f"#J#{original['job_id']}") for item in _index_items(tenant.tenant_id))
    # When the original is deleted
    deleted = pipeline_api.delete(f"/v1/jobs/{original['job_id']}", headers=tenant.headers)
    assert deleted.status_code in (200, 204), deleted.json
    # Then nothing of its print is left, and its copy matches nothing
    assert _index_items(tenant.tenant_id) == []
    copy = _fingerprint(pipeline_api, tenant, clips.url("copy.mp4"))
    assert copy["results"]["fingerprint"]["matches"] == []


@pytest.mark.parametrize("ended", [JobStatus.FAILED, JobStatus.CANCELLED])
def test_a_job_that_ended_without_results_after_its_print_was_stored_is_no_match(
    pipeline_api: Client, clips: MediaServer, ended: JobStatus
) -> None:
    # Given a job whose print is stored (its analysis ran), which then ended without results:
    # failed by a later stage, or cancelled before merging (set on its item here, as those do;
    # its print stays in the index until the job is deleted)
    tenant = new_tenant(credits=1_000, name=f"Ended {ended}")
    original = _fingerprint(pipeline_api, tenant, clips.url("original.mp4"))
    aws.client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key=job_key(tenant.tenant_id, original["job_id"]),
        UpdateExpression="SET #status = :ended",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":ended": {"S": ended.value}},
    )
    assert any(item["PK"]["S"].endswith(f"#J#{original['job_id']}") for item in _index_items(tenant.tenant_id))
    # When its copy is fingerprinted, then it is not among the matches (its results cannot be read)
    copy = _fingerprint(pipeline_api, tenant, clips.url("copy.mp4"))
    assert copy["results"]["fingerprint"]["matches"] == []
    assert {"capability": "fingerprint", "code": "NO_MATCH"}.items() <= copy["notes"][0].items()
    # And a second copy still finds the first copy, which completed
    again = _fingerprint(pipeline_api, tenant, clips.url("copy.mp4"))
    assert [m["job_id"] for m in again["results"]["fingerprint"]["matches"]] == [copy["job_id"]]
