"""Uploads on the whole local stack: the file goes straight to (the local) S3 through the presigned
PUT, nothing through a Lambda; a job on it runs the same pipeline; the stored object is checked
when a job uses it."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from werkzeug.test import Client

from infra.local import stack
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


def test_an_uploaded_file_runs_the_pipeline_makes_one_job_and_goes_with_it(
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
    # An upload makes one job: another request on it is refused, naming the job that used it.
    other = _create(pipeline_api, pipeline_tenant, upload["upload_id"])
    assert other.status_code == 404 and other.json["error"]["code"] == "UPLOAD_NOT_FOUND"
    assert job_id in other.json["error"]["message"]
    # It goes with its job: once the job is deleted, not even the job's own request makes another.
    assert pipeline_api.delete(f"/v1/jobs/{job_id}", headers=pipeline_tenant.headers).status_code == 200
    gone = _create(pipeline_api, pipeline_tenant, upload["upload_id"], **{"Idempotency-Key": "upload-1"})
    assert gone.status_code == 404 and gone.json["error"]["code"] == "UPLOAD_NOT_FOUND", gone.json


@pytest.mark.parametrize(
    ("declared", "stored", "status", "code"),
    [
        (100, 0, 409, "UPLOAD_INCOMPLETE"),  # nothing sent
        (100, 60, 409, "UPLOAD_INCOMPLETE"),  # a partial file
        (100, 160, 413, "UPLOAD_TOO_LARGE"),  # more than declared
    ],
)
def test_an_upload_is_checked_when_a_job_uses_it(
    pipeline_api: Client, pipeline_tenant: TenantHandle, declared: int, stored: int, status: int, code: str
) -> None:
    # The link stores exactly the declared length (below); whatever else reached the key (here
    # stored directly) is still refused by the check of the object a job reads.
    upload = _start(pipeline_api, pipeline_tenant, declared)
    if stored:
        key = upload_key(pipeline_tenant.tenant_id, upload["upload_id"])
        aws.client("s3").put_object(Bucket=get_settings().bucket_name, Key=key, Body=b"x" * stored)
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


# --- the link: SigV4, signs its length, stores once; the local S3 checks it as S3 does ----------


def _put(url: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.put(url, content=content, headers=headers, timeout=30)


def _refused(response: httpx.Response, status: int, code: str) -> bool:
    return response.status_code == status and f"<Code>{code}</Code>" in response.text


def test_an_upload_url_is_sigv4_and_signs_the_declared_length_and_a_single_write(
    pipeline_api: Client, pipeline_tenant: TenantHandle
) -> None:
    upload = _start(pipeline_api, pipeline_tenant, 1_000)
    query = parse_qs(urlsplit(upload["upload_url"]).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and "Signature" not in query
    assert {"content-length", "content-type", "host", "if-none-match"} <= set(
        query["X-Amz-SignedHeaders"][0].split(";")
    )
    assert int(query["X-Amz-Expires"][0]) == catalog.UPLOAD_URL_SECONDS
    assert upload["headers"] == {"Content-Type": "video/mp4", "If-None-Match": "*"}


def test_a_put_of_another_length_is_refused_and_stores_nothing(
    pipeline_api: Client, pipeline_tenant: TenantHandle
) -> None:
    # Given a 1,000-byte upload, when the client sends 5 MiB (or a byte less) to its link
    upload = _start(pipeline_api, pipeline_tenant, 1_000)
    for content in (b"x" * (5 * 1024 * 1024), b"x" * 999):
        assert _refused(_put(upload["upload_url"], content, upload["headers"]), 403, "SignatureDoesNotMatch")
    # Then nothing is stored, and the exact length still goes through
    assert dependencies.media_store().object_size(upload_key(pipeline_tenant.tenant_id, upload["upload_id"])) is None
    _send(upload, b"x" * 1_000)


def test_the_upload_url_stores_one_file_once(pipeline_api: Client, pipeline_tenant: TenantHandle) -> None:
    upload = _start(pipeline_api, pipeline_tenant, 10)
    _send(upload, b"first-file")
    again = _put(upload["upload_url"], b"other-file", upload["headers"])
    assert _refused(again, 412, "PreconditionFailed")
    # Without its signed condition the same PUT does not match the signature.
    unconditional = {"Content-Type": upload["headers"]["Content-Type"]}
    assert _refused(_put(upload["upload_url"], b"other-file", unconditional), 403, "SignatureDoesNotMatch")
    key = upload_key(pipeline_tenant.tenant_id, upload["upload_id"])
    stored = aws.client("s3").get_object(Bucket=get_settings().bucket_name, Key=key)["Body"].read()
    assert stored == b"first-file"


def test_a_put_to_another_key_is_refused(pipeline_api: Client, pipeline_tenant: TenantHandle) -> None:
    upload = _start(pipeline_api, pipeline_tenant, 10)
    parts = urlsplit(upload["upload_url"])
    elsewhere = parts._replace(path=parts.path.rsplit("/", 1)[0] + "/upl_someone_elses").geturl()
    assert _refused(_put(elsewhere, b"0123456789", upload["headers"]), 403, "SignatureDoesNotMatch")
    other_tenant = parts._replace(path=parts.path.replace(pipeline_tenant.tenant_id, "ten_other")).geturl()
    assert _refused(_put(other_tenant, b"0123456789", upload["headers"]), 403, "SignatureDoesNotMatch")


def test_a_sigv2_link_is_refused_as_s3_refuses_it(local_stack: stack.LocalStack) -> None:
    # botocore's default for presigning (no signature_version): what the media store used to do.
    legacy = local_stack.session.client("s3", endpoint_url=local_stack.endpoint_url)
    bucket = get_settings().bucket_name
    legacy.put_object(Bucket=bucket, Key="uploads/ten_x/upl_legacy", Body=b"x")
    url = legacy.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "uploads/ten_x/upl_legacy"})
    assert "AWSAccessKeyId=" in url
    assert _refused(httpx.get(url, timeout=10), 400, "InvalidRequest")
    # The same object through the media store's link (SigV4) is served.
    assert (
        httpx.get(dependencies.media_store().presigned_url("uploads/ten_x/upl_legacy", 60), timeout=10).content == b"x"
    )


def test_a_put_link_that_does_not_sign_its_length_is_refused(local_stack: stack.LocalStack) -> None:
    sigv4 = aws.client("s3")
    url = sigv4.generate_presigned_url(
        "put_object", Params={"Bucket": get_settings().bucket_name, "Key": "uploads/ten_x/upl_unbounded"}
    )
    assert _refused(httpx.put(url, content=b"any length", timeout=10), 403, "AccessDenied")


def test_an_expired_or_altered_link_is_refused(local_stack: stack.LocalStack) -> None:
    media = dependencies.media_store()
    key = "uploads/ten_x/upl_expiring"
    aws.client("s3").put_object(Bucket=get_settings().bucket_name, Key=key, Body=b"x")
    # X-Amz-Date has whole seconds: a link signed late in a second has up to a second less to live,
    # so a short life of 3 s (not 1, which a busy machine could spend before the first GET).
    url = media.presigned_url(key, 3)
    assert httpx.get(url, timeout=10).status_code == 200
    tampered = url.replace("X-Amz-Expires=3", "X-Amz-Expires=3600")
    assert _refused(httpx.get(tampered, timeout=10), 403, "SignatureDoesNotMatch")
    time.sleep(4.1)
    assert _refused(httpx.get(url, timeout=10), 403, "AccessDenied")
