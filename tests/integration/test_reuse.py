"""Work never done twice (DESIGN §3b, Reuse), on the whole local stack: a job on the same content
as a completed job of its tenant, asking the same capabilities with the same options, completes
without transcription or vision, names its source, is charged its ingestion only and has the
source's results byte for byte; ``"reuse": false`` computes; a deleted job is never a source,
also when it is deleted while its results are being reused; two identical jobs at once both end
right."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, new_tenant, run_to_end
from tests.support.media import remux
from tests.support.media_server import MediaServer, serving
from tests.support.vision_media import make_video
from vidscope import catalog, dependencies
from vidscope.adapters import aws
from vidscope.adapters.media_store import job_prefix, result_key, staged_transcript_key
from vidscope.settings import get_settings

CAPABILITIES = ["transcription", "summary", "shots", "thumbnails"]
OPTIONS = {"thumbnails": {"width": 160}}


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("reuse")
    truth = make_video(root / "pictures.mp4", seconds=12.0, width=320, height=180, text_every=99)
    remux(root / "film.mp4", video=truth.path, audio=SAMPLE_DIR / "speech.mp4")
    with serving(root) as server:
        yield server


def _run(api: Client, tenant: TenantHandle, url: str, **body: Any) -> dict[str, Any]:
    job = run_to_end(api, tenant, url, CAPABILITIES, options=OPTIONS, **body)
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors"), job["capability_errors"]
    return job


def _stored(tenant_id: str, job_id: str, capability: str) -> bytes:
    s3 = aws.client("s3")
    body = s3.get_object(Bucket=get_settings().bucket_name, Key=result_key(tenant_id, job_id, capability))["Body"]
    return bytes(body.read())


def _computed_full_price(job: dict[str, Any]) -> None:
    assert job.get("reused_from") is None
    assert set(job["cost_breakdown"]) == set(CAPABILITIES)


def _reused(job: dict[str, Any], source: dict[str, Any], tenant: TenantHandle) -> None:
    assert job["reused_from"] == source["job_id"]
    assert job["cost_breakdown"] == {catalog.INGESTION_CHARGE: 1}  # a 22-s film: one started minute
    assert job["credits_charged"] == 1
    for capability in CAPABILITIES:  # the stored results, byte for byte
        assert _stored(tenant.tenant_id, job["job_id"], capability) == _stored(
            tenant.tenant_id, source["job_id"], capability
        )
    # No transcription ran for it (no worker transcript was staged) and its thumbnails are its own copies.
    assert not dependencies.media_store().exists(staged_transcript_key(tenant.tenant_id, job["job_id"]))
    assert job["progress"] is None and job["results"]["thumbnails"]["items"]
    assert job_prefix(tenant.tenant_id, job["job_id"]) in job["results"]["thumbnails"]["thumbnail_url"]


def test_an_identical_job_reuses_and_an_opted_out_one_computes(pipeline_api: Client, film: MediaServer) -> None:
    tenant = new_tenant(credits=1_000, name="Reuser")
    source = _run(pipeline_api, tenant, film.url("film.mp4"))
    _computed_full_price(source)
    again = _run(pipeline_api, tenant, film.url("film.mp4"))
    _reused(again, source, tenant)
    assert again["results"]["transcription"]["text"] == source["results"]["transcription"]["text"]
    opted_out = _run(pipeline_api, tenant, film.url("film.mp4"), reuse=False)
    _computed_full_price(opted_out)
    # Other options are other work: computed
    other = run_to_end(pipeline_api, tenant, film.url("film.mp4"), CAPABILITIES, options={"thumbnails": {"width": 200}})
    assert other["status"] == "completed" and other.get("reused_from") is None
    # Another tenant's identical job never reuses this tenant's
    stranger = new_tenant(credits=1_000, name="Stranger")
    _computed_full_price(_run(pipeline_api, stranger, film.url("film.mp4")))


def test_a_deleted_job_is_never_a_source(pipeline_api: Client, film: MediaServer) -> None:
    tenant = new_tenant(credits=1_000, name="Deleter")
    source = _run(pipeline_api, tenant, film.url("film.mp4"))
    deleted = pipeline_api.delete(f"/v1/jobs/{source['job_id']}", headers=tenant.headers)
    assert deleted.status_code in (200, 204)
    _computed_full_price(_run(pipeline_api, tenant, film.url("film.mp4")))


def test_a_source_deleted_while_its_results_are_reused_is_computed_instead(
    pipeline_api: Client, film: MediaServer
) -> None:
    tenant = new_tenant(credits=1_000, name="Racer")
    source = _run(pipeline_api, tenant, film.url("film.mp4"))
    # Given the source half-deleted as DELETE leaves it between its steps: its objects swept,
    # its job item and content record not yet (so ingestion still picks it as the source)
    dependencies.media_store().delete_job_objects(tenant.tenant_id, source["job_id"])
    # When an identical job runs, merging finds the results gone
    job = _run(pipeline_api, tenant, film.url("film.mp4"))
    # Then it computed them instead (ComputeInstead), charged as computed, with nothing reused
    _computed_full_price(job)
    assert job["results"]["transcription"]["text"] == source["results"]["transcription"]["text"]
    assert pipeline_api.delete(f"/v1/jobs/{source['job_id']}", headers=tenant.headers).status_code in (200, 204)


def test_two_identical_jobs_at_once_both_end_charged_for_what_they_did(pipeline_api: Client, film: MediaServer) -> None:
    tenant = new_tenant(credits=1_000, name="Twins")
    source = _run(pipeline_api, tenant, film.url("film.mp4"))
    # Two at once on a source: both reuse it
    with ThreadPoolExecutor(2) as pool:
        twins = list(pool.map(lambda _: _run(pipeline_api, tenant, film.url("film.mp4")), range(2)))
    for twin in twins:
        _reused(twin, source, tenant)
    # Two at once with no source yet (another tenant): each computed, or reused the other once it completed
    fresh = new_tenant(credits=1_000, name="Fresh twins")
    with ThreadPoolExecutor(2) as pool:
        pair = list(pool.map(lambda _: _run(pipeline_api, fresh, film.url("film.mp4")), range(2)))
    computed = [job for job in pair if job.get("reused_from") is None]
    assert computed, "one of them had nothing to reuse"
    for job in pair:
        if job.get("reused_from") is None:
            _computed_full_price(job)
        else:
            _reused(job, next(j for j in pair if j["job_id"] == job["reused_from"]), fresh)
