"""Reading a completed job's results back: links are minted only for what a response holds."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from infra.local import aws_calls
from tests.integration.conftest import TenantHandle, create
from vidscope import catalog, dependencies
from vidscope.adapters.media_store import MediaStore, artifact_key, artifact_ref, result_key
from vidscope.clock import utc_now
from vidscope.jobs import results
from vidscope.jobs.repository import JobsRepository
from vidscope.models import CANCELLABLE_STATUSES, JobStatus

SHOTS = 250  # more than a job view shows (catalog.BOUNDED_RESULT_ITEMS)


class _CountingMediaStore(MediaStore):
    """The real store, remembering the key of every presigned link it mints."""

    def __init__(self, inner: MediaStore) -> None:
        self.__dict__.update(inner.__dict__)
        self.presigned: list[str] = []

    def presigned_url(self, key: str, expires_in: int) -> str:
        self.presigned.append(key)
        return super().presigned_url(key, expires_in)


def _shot(index: int) -> dict[str, Any]:
    return {
        "index": index,
        "start": index * 2.0,
        "end": index * 2.0 + 2.0,
        "start_frame": index * 60,
        "end_frame": index * 60 + 60,
        "transition": "cut",
        "thumbnail_url": artifact_ref(f"vision/kf_{index:05d}.jpg"),
    }


@pytest.fixture
def job_with_shots(api: Client, tenant: TenantHandle, jobs_repo: JobsRepository) -> str:
    """A completed job whose stored shots result holds ``SHOTS`` shots, each with a keyframe link."""
    body = {"url": "https://www.youtube.com/watch?v=x", "capabilities": ["shots"]}
    job_id: str = create(api, tenant, body).json["data"]["job_id"]
    shots = {"total_shots": SHOTS, "fps": 30.0, "shots": [_shot(i) for i in range(SHOTS)]}
    dependencies.media_store().put_json(result_key(tenant.tenant_id, job_id, "shots"), shots)
    record = jobs_repo.get(tenant.tenant_id, job_id)
    assert record is not None
    jobs_repo.transition(
        record,
        to_status=JobStatus.COMPLETED,
        allowed_from=CANCELLABLE_STATUSES,
        now=utc_now(),
        set_fields={"result_capabilities": ["shots"], "credits_charged": 0},
    )
    return job_id


def _keyframe_keys(tenant: TenantHandle, job_id: str, indexes: range) -> list[str]:
    return [artifact_key(tenant.tenant_id, job_id, f"vision/kf_{i:05d}.jpg") for i in indexes]


def test_a_result_page_mints_links_for_its_own_items_only(
    tenant: TenantHandle, jobs_repo: JobsRepository, job_with_shots: str
) -> None:
    # Given a completed job with 250 shots, each linking its keyframe
    media = _CountingMediaStore(dependencies.media_store())
    # When a page of 3 from the 11th is read
    with aws_calls.acting_as("get_job_results"):
        page = results.result_page(
            tenant.tenant_id, job_with_shots, "shots", offset=10, limit=3, repo=jobs_repo, media=media
        )
    # Then only the page's 3 links are minted, and the page carries them
    assert media.presigned == _keyframe_keys(tenant, job_with_shots, range(10, 13))
    assert [s["index"] for s in page.result["shots"]] == [10, 11, 12]
    assert all(s["thumbnail_url"].startswith("https://") for s in page.result["shots"])
    assert page.total == SHOTS


def test_a_job_view_mints_links_for_the_items_it_shows_only(
    tenant: TenantHandle, jobs_repo: JobsRepository, job_with_shots: str
) -> None:
    media = _CountingMediaStore(dependencies.media_store())
    job = jobs_repo.get(tenant.tenant_id, job_with_shots)
    assert job is not None

    with aws_calls.acting_as("get_job"):
        view = results.job_view(job, media=media)

    shown = range(catalog.BOUNDED_RESULT_ITEMS)
    assert media.presigned == _keyframe_keys(tenant, job_with_shots, shown)
    assert view.result_totals == {"shots": SHOTS}


@pytest.mark.parametrize("offset", [10**40, catalog.MAX_RESULT_OFFSET + 1])
def test_an_offset_beyond_any_list_is_a_400_naming_offset(
    api: Client, tenant: TenantHandle, job_with_shots: str, offset: int
) -> None:
    # Issue 23: offset=10**40 was taken and echoed back in the page.
    response = api.get(f"/v1/jobs/{job_with_shots}/results/shots?offset={offset}", headers=tenant.headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert "offset" in response.json["error"]["message"]


def test_an_offset_past_the_list_but_within_the_bound_is_an_empty_page(
    api: Client, tenant: TenantHandle, job_with_shots: str
) -> None:
    url = f"/v1/jobs/{job_with_shots}/results/shots?offset={catalog.MAX_RESULT_OFFSET}"
    response = api.get(url, headers=tenant.headers)
    assert response.status_code == 200, response.json
    page = response.json["data"]
    assert page["results"]["shots"]["shots"] == [] and page["total"] == SHOTS and page["has_more"] is False
