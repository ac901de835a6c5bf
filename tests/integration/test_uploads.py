"""Uploads on the whole local stack: the file goes straight to (the local) S3 through the presigned
PUT, nothing through a Lambda; a job on it runs the same pipeline; the stored object is checked
when a job uses it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, new_tenant, wait_for
from vidscope import catalog, dependencies
from vidscope.adapters import aws
from vidscope.adapters.media_store import upload_key
from vidscope.clock import utc_now
from vidscope.errors import UploadNotFound
from vidscope.settings import get_settings

SAMPLE = SAMPLE_DIR / "speech.mp4"


def _start(api: Client, tenant: TenantHandle, size: int, **body: Any) -> dict[str, Any]:
    response = api.post(
        "/v1/uploads",
        json={"filename": "talk.mp4", "content_type": "video/mp4", "size_bytes": size, **body},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.json
    upload: dict[str, Any] = response.json["data"]
    return upload


def _send(upload: dict[str, Any], content: bytes) -> None:
    sent = httpx.put(upload["upload_url"], content=content, headers=upload["headers"], timeout=30)
    assert sent.status_code == 200, sent.text


def _create(api: Client, tenant: TenantHandle, upload_id: str, **headers: str) -> Any:
    body = {"upload_id": upload_id, "capabilities": ["transcription"]}
    return api.post("/v1/jobs", json=body, headers={**tenant.headers, **headers})


def test_an_uploaded_file_runs_the_pipeline_and_an_idempotent_retry_gets_the_same_job(
    pipeline_api: Client, pipeline_tenant: TenantHandle
) -> None:
    content = SAMPLE.read_bytes()
    upload = _start(pipeline_api, pipeline_tenant, len(content))
    assert upload["method"] == "PUT" and upload["max_bytes"] == catalog.MAX_MEDIA_BYTES
    _send(upload, content)
    created = _create(pipeline_api, pipeline_tenant, upload["upload_id"], **{"Idempotency-Key": "upload-1"})
    assert created.status_code == 202, created.json
    job_id = created.json["data"]["job_id"]
    assert created.json["data"]["platform"] == "upload" and created.json["data"]["url"] is None
    again = _create(pipeline_api, pipeline_tenant, upload["upload_id"], **{"Idempotency-Key": "upload-1"})
    assert again.status_code == 200 and again.json["data"]["job_id"] == job_id
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, lambda j: j["status"] not in ("pending", "processing"))
    assert job["status"] == "completed", job.get("error")
    assert job["upload_id"] == upload["upload_id"]
    assert "Microsoft" in job["results"]["transcription"]["text"]
    assert 20 < job["media"]["duration_seconds"] < 25
    # A retry within the 48 hours replays the job even once the upload's file is gone.
    # (The bucket removes it two days after the upload; here at once.)
    s3 = aws.client("s3")
    s3.delete_object(Bucket=get_settings().bucket_name, Key=upload_key(pipeline_tenant.tenant_id, upload["upload_id"]))
    late = _create(pipeline_api, pipeline_tenant, upload["upload_id"], **{"Idempotency-Key": "upload-1"})
    assert late.status_code == 200 and late.json["data"]["job_id"] == job_id


@pytest.mark.parametrize(
    ("declared", "sent", "status", "code"),
    [
        (100, 0, 409, "UPLOAD_INCOMPLETE"),  # nothing sent
        (100, 60, 409, "UPLOAD_INCOMPLETE"),  # a partial file
        (100, 160, 413, "UPLOAD_TOO_LARGE"),  # more than declared: moto enforces no size on a presigned PUT
    ],
)
def test_an_upload_is_checked_when_a_job_uses_it(
    pipeline_api: Client, pipeline_tenant: TenantHandle, declared: int, sent: int, status: int, code: str
) -> None:
    upload = _start(pipeline_api, pipeline_tenant, declared)
    if sent:
        _send(upload, b"x" * sent)
    before = pipeline_api.get("/v1/account", headers=pipeline_tenant.headers).json["data"]["credit_balance"]
    refused = _create(pipeline_api, pipeline_tenant, upload["upload_id"])
    assert refused.status_code == status and refused.json["error"]["code"] == code, refused.json
    after = pipeline_api.get("/v1/account", headers=pipeline_tenant.headers).json["data"]["credit_balance"]
    assert after == before  # nothing held for a job never made


def test_an_upload_is_its_tenants_alone_and_expires_unused(pipeline_api: Client, pipeline_tenant: TenantHandle) -> None:
    content = SAMPLE.read_bytes()
    upload = _start(pipeline_api, pipeline_tenant, len(content))
    _send(upload, content)
    other = new_tenant(name="Other")
    refused = _create(pipeline_api, other, upload["upload_id"])
    assert refused.status_code == 404 and refused.json["error"]["code"] == "UPLOAD_NOT_FOUND"
    # Its owner may use it for a day; a clock past that finds it gone.
    uploads = dependencies.uploads()
    assert uploads.check(pipeline_tenant.tenant_id, upload["upload_id"], utc_now()).size_bytes == len(content)
    later = utc_now() + timedelta(seconds=catalog.UPLOAD_TTL_SECONDS + 1)
    with pytest.raises(UploadNotFound, match="expired"):
        uploads.check(pipeline_tenant.tenant_id, upload["upload_id"], later)


def test_a_job_names_exactly_one_source(pipeline_api: Client, pipeline_tenant: TenantHandle) -> None:
    for body in (
        {"capabilities": ["transcription"]},
        {"url": "https://example.com/a.mp4", "upload_id": "upl_" + "0" * 26, "capabilities": ["transcription"]},
    ):
        refused = pipeline_api.post("/v1/jobs", json=body, headers=pipeline_tenant.headers)
        assert refused.status_code == 400, refused.json
    bad_type = pipeline_api.post(
        "/v1/uploads",
        json={"filename": "a.pdf", "content_type": "application/pdf", "size_bytes": 10},
        headers=pipeline_tenant.headers,
    )
    assert bad_type.status_code == 400
