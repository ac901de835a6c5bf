"""An upload makes one job and goes with it; a tenant holds a bounded number of unused ones.
The API and the handlers in-process over moto; the file is stored straight into (moto's) S3, as
the presigned PUT would store it (the link itself is tested on the local stack, test_uploads)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import boto3
import pytest
from werkzeug.test import Client, TestResponse

from tests.integration.conftest import FakeClock, TenantHandle, job_body, public_resolver
from vidscope import catalog, dependencies
from vidscope.adapters import table
from vidscope.adapters.dynamo import to_attributes
from vidscope.adapters.media_store import upload_key
from vidscope.clock import utc_now
from vidscope.errors import IdempotencyKeyInUse, TooManyOpenUploads, UploadNotFound
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.models import CreateUploadRequest
from vidscope.settings import get_settings
from vidscope.ssrf import UrlGuard
from vidscope.tenancy.tenants import Principal

_SIZE = 1_000


def _upload(api: Client, tenant: TenantHandle, *, stored: bool = True) -> str:
    """A tenant's upload of _SIZE bytes, its file stored (or not)."""
    response = api.post(
        "/v1/uploads",
        json={"filename": "talk.mp4", "content_type": "video/mp4", "size_bytes": _SIZE},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.json
    upload_id: str = response.json["data"]["upload_id"]
    if stored:
        boto3.client("s3").put_object(
            Bucket=get_settings().bucket_name, Key=upload_key(tenant.tenant_id, upload_id), Body=b"x" * _SIZE
        )
    return upload_id


def _job_on(api: Client, tenant: TenantHandle, upload_id: str, **headers: str) -> TestResponse:
    body = {"upload_id": upload_id, "capabilities": ["transcription"]}
    return api.post("/v1/jobs", json=body, headers={**tenant.headers, **headers})


def _upload_record(tenant_id: str, upload_id: str) -> dict[str, Any] | None:
    key = to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.upload_sk(upload_id)})
    item: dict[str, Any] | None = (
        boto3.client("dynamodb").get_item(TableName=get_settings().table_name, Key=key).get("Item")
    )
    return item


def _stored(tenant_id: str, upload_id: str) -> bool:
    listed = boto3.client("s3").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix=upload_key(tenant_id, upload_id)
    )
    return bool(listed.get("Contents"))


def test_an_upload_makes_one_job_and_a_replay_still_returns_it(api: Client, tenant: TenantHandle) -> None:
    upload_id = _upload(api, tenant)
    first = _job_on(api, tenant, upload_id, **{"Idempotency-Key": "one-upload"})
    assert first.status_code == 202, first.json
    job_id = first.json["data"]["job_id"]
    # The same request again (same key, same body) is the same job.
    replay = _job_on(api, tenant, upload_id, **{"Idempotency-Key": "one-upload"})
    assert replay.status_code == 200 and replay.json["data"]["job_id"] == job_id
    # Another job on it, with another key or none, is refused and says who used it.
    for headers in ({"Idempotency-Key": "another"}, {}):
        second = _job_on(api, tenant, upload_id, **headers)
        assert second.status_code == 404, second.json
        assert second.json["error"]["code"] == "UPLOAD_NOT_FOUND" and job_id in second.json["error"]["message"]


def test_a_job_refused_for_another_reason_leaves_its_upload_unused(api: Client, make_tenant: Any) -> None:
    small = make_tenant(plan="free")  # at most catalog.MAX_ACTIVE_JOBS["free"] unfinished jobs
    running = [
        api.post("/v1/jobs", json=job_body(), headers=small.headers).json["data"]["job_id"]
        for _ in range(catalog.max_active_jobs("free"))
    ]
    upload_id = _upload(api, small)
    refused = _job_on(api, small, upload_id)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "TOO_MANY_ACTIVE_JOBS", refused.json
    # The job's transaction was cancelled whole: once a place is free, the upload makes its job.
    assert api.post(f"/v1/jobs/{running[0]}/cancel", headers=small.headers).status_code == 200
    assert _job_on(api, small, upload_id).status_code == 202


def _race_for_an_upload(
    api: Client,
    tenant: TenantHandle,
    jobs_repo: Any,
    racers: int,
    key: Callable[[int, int], str],
    tolerated: tuple[type[Exception], str],
) -> Iterator[tuple[str, list[str]]]:
    """Rounds of ``racers`` threads creating a job on one fresh upload at once, each with the
    Idempotency-Key ``key(round, racer)``; yields each round's upload and outcomes (a job id, or
    the name given to the tolerated refusal). Each Lambda environment serves one request at a
    time: the race is between environments, here threads calling the domain against one table."""
    principal = Principal(
        tenant_id=tenant.tenant_id, key_id=tenant.key_id, rate_limit_per_minute=100, plan="enterprise"
    )
    guard = UrlGuard(allow_loopback=False, resolve=public_resolver)
    refusal, name = tolerated
    for round_ in range(3):
        upload_id = _upload(api, tenant)
        request = CreateJobRequest.model_validate({"upload_id": upload_id, "capabilities": ["transcription"]})
        start = threading.Barrier(racers)

        def attempt(
            i: int, request: CreateJobRequest = request, start: threading.Barrier = start, round_: int = round_
        ) -> str:
            start.wait()
            try:
                created = jobs.create_job(
                    request,
                    principal=principal,
                    idempotency_key=key(round_, i),
                    repo=jobs_repo,
                    url_guard=guard,
                    clock=utc_now,
                    uploads=dependencies.uploads(),
                )
            except refusal:
                return name
            return created.job.job_id

        with ThreadPoolExecutor(max_workers=racers) as pool:
            yield upload_id, list(pool.map(attempt, range(racers)))


def test_jobs_racing_for_one_upload_make_exactly_one(api: Client, tenant: TenantHandle, jobs_repo: Any) -> None:
    racing = _race_for_an_upload(
        api, tenant, jobs_repo, 6, lambda round_, i: f"round-{round_}-racer-{i}", (UploadNotFound, "refused")
    )  # each its own request
    for upload_id, outcomes in racing:
        made = [o for o in outcomes if o != "refused"]
        assert len(made) == 1, outcomes
        record = _upload_record(tenant.tenant_id, upload_id)
        assert record is not None and record["job_id"]["S"] == made[0]


def test_one_request_retried_at_once_on_an_upload_gets_its_one_job(
    api: Client, tenant: TenantHandle, jobs_repo: Any
) -> None:
    # The same request (one Idempotency-Key) sent again while the first is in flight gets the
    # job or is told to retry, never "upload not found" because its own first try used it.
    racing = _race_for_an_upload(
        api, tenant, jobs_repo, 8, lambda round_, _: f"retried-{round_}", (IdempotencyKeyInUse, "in_use")
    )
    for _, outcomes in racing:
        assert len({o for o in outcomes if o != "in_use"}) == 1, outcomes


def test_deleting_a_job_deletes_its_upload_and_the_upload_cannot_make_another(
    api: Client, tenant: TenantHandle
) -> None:
    upload_id = _upload(api, tenant)
    kept_id = _upload(api, tenant)  # another upload of the tenant's: it stays (the control)
    job_id = _job_on(api, tenant, upload_id).json["data"]["job_id"]
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    assert api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers).status_code == 200
    assert not _stored(tenant.tenant_id, upload_id) and _upload_record(tenant.tenant_id, upload_id) is None
    assert _stored(tenant.tenant_id, kept_id) and _upload_record(tenant.tenant_id, kept_id) is not None
    reused = _job_on(api, tenant, upload_id)
    assert reused.status_code == 404 and reused.json["error"]["code"] == "UPLOAD_NOT_FOUND"


def test_open_uploads_are_capped_and_a_job_or_expiry_frees_a_place(api: Client, tenant: TenantHandle) -> None:
    made = [_upload(api, tenant, stored=False) for _ in range(catalog.MAX_OPEN_UPLOADS - 1)]
    made.append(_upload(api, tenant))
    over = api.post(
        "/v1/uploads",
        json={"filename": "one-more.mp4", "content_type": "video/mp4", "size_bytes": _SIZE},
        headers=tenant.headers,
    )
    assert over.status_code == 429 and over.json["error"]["code"] == "TOO_MANY_OPEN_UPLOADS", over.json
    # A job that uses one frees its place.
    assert _job_on(api, tenant, made[-1]).status_code == 202
    _upload(api, tenant, stored=False)
    # So does expiry: a day later every place is free again (no job needed, no item read per upload).
    uploads = dependencies.uploads()
    request = CreateUploadRequest(filename="later.mp4", content_type="video/mp4", size_bytes=_SIZE)
    with pytest.raises(TooManyOpenUploads):
        uploads.create(tenant.tenant_id, request, utc_now())
    later = FakeClock(utc_now() + timedelta(seconds=catalog.UPLOAD_TTL_SECONDS + 1))
    for _ in range(catalog.MAX_OPEN_UPLOADS):
        uploads.create(tenant.tenant_id, request, later())
    with pytest.raises(TooManyOpenUploads):
        uploads.create(tenant.tenant_id, request, later())


def test_uploads_made_at_once_never_pass_the_cap(tenant: TenantHandle) -> None:
    uploads = dependencies.uploads()
    request = CreateUploadRequest(filename="burst.mp4", content_type="video/mp4", size_bytes=_SIZE)
    racers = catalog.MAX_OPEN_UPLOADS + 10
    start = threading.Barrier(racers)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return uploads.create(tenant.tenant_id, request, utc_now()).upload_id
        except TooManyOpenUploads:
            return "refused"

    with ThreadPoolExecutor(max_workers=racers) as pool:
        outcomes = list(pool.map(attempt, range(racers)))
    assert 0 < len([o for o in outcomes if o != "refused"]) <= catalog.MAX_OPEN_UPLOADS


def test_a_template_upload_is_consumed_with_the_job_and_deleted_with_it(api: Client, tenant: TenantHandle) -> None:
    source_id, template_id, missing_id = _upload(api, tenant), _upload(api, tenant), _upload(api, tenant, stored=False)

    def styled(upload_id: str, template: str) -> TestResponse:
        body = {
            "upload_id": upload_id,
            "capabilities": ["style"],
            "options": {"style": {"template_upload_id": template}},
        }
        return api.post("/v1/jobs", json=body, headers=tenant.headers)

    # Both uploads go to the job in its own transaction (one update of the open-uploads list).
    created = styled(source_id, template_id)
    assert created.status_code == 202, created.json
    job_id = created.json["data"]["job_id"]
    for upload_id in (source_id, template_id):
        record = _upload_record(tenant.tenant_id, upload_id)
        assert record is not None and record["job_id"]["S"] == job_id
    # Used: as another job's media it is refused, naming the job that took it.
    again = _job_on(api, tenant, template_id)
    assert again.status_code == 404 and job_id in again.json["error"]["message"], again.json
    # A template upload that cannot serve is no reason to refuse the job: its capability fails
    # alone at ingestion (TEMPLATE_NOT_FOUND); and it is left unconsumed.
    other = styled(_upload(api, tenant), missing_id)
    assert other.status_code == 202, other.json
    record = _upload_record(tenant.tenant_id, missing_id)
    assert record is not None and "job_id" not in record
    # Deleting the job deletes both files and both records.
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    assert api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers).status_code == 200
    for upload_id in (source_id, template_id):
        assert not _stored(tenant.tenant_id, upload_id) and _upload_record(tenant.tenant_id, upload_id) is None
