"""Cancel and delete, with tenant isolation on every job endpoint."""

from __future__ import annotations

import json

import boto3
import pytest
from werkzeug.test import Client

from infra.local import resources
from tests.integration.conftest import SPEECH_DEFAULTS, FakeClock, TenantHandle, create
from vidscope.adapters.media_store import MEDIA_PREFIX, job_prefix, media_key, result_key
from vidscope.clock import utc_now
from vidscope.jobs import progress
from vidscope.jobs.repository import JobsRepository, TransitionRefused
from vidscope.models import CANCELLABLE_STATUSES, JobStatus, Stage
from vidscope.settings import get_settings
from vidscope.tenancy.tenants import TenantsRepository


def test_cancel_of_a_pending_job_refunds_its_hold(
    api: Client, tenant: TenantHandle, tenants_repo: TenantsRepository
) -> None:
    before = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
    job_id = create(api, tenant).json["data"]["job_id"]
    response = api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json["data"]["status"] == "cancelled"
    assert response.json["data"]["completed_at"] is not None
    assert tenants_repo.get_tenant(tenant.tenant_id).credit_balance == before
    assert [e["reason"] for e in tenants_repo.ledger(tenant.tenant_id)] == ["grant", "hold", "refund"]


def test_cancelling_twice_is_409_and_refunds_once(
    api: Client, tenant: TenantHandle, tenants_repo: TenantsRepository
) -> None:
    job_id = create(api, tenant).json["data"]["job_id"]
    api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    again = api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "JOB_NOT_CANCELLABLE"
    assert [e["reason"] for e in tenants_repo.ledger(tenant.tenant_id)].count("refund") == 1


@pytest.mark.parametrize("terminal", [JobStatus.COMPLETED, JobStatus.FAILED])
def test_cancel_of_a_finished_job_is_409(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, terminal: JobStatus
) -> None:
    job_id = create(api, tenant).json["data"]["job_id"]
    record = jobs_repo.get(tenant.tenant_id, job_id)
    assert record is not None
    jobs_repo.transition(record, to_status=terminal, allowed_from=CANCELLABLE_STATUSES, now=FakeClock()())
    response = api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "JOB_NOT_CANCELLABLE"


def test_cancel_of_an_unknown_job_is_404(api: Client, tenant: TenantHandle) -> None:
    response = api.post("/v1/jobs/job_01JAAAAAAAAAAAAAAAAAAAAAAA/cancel", headers=tenant.headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "JOB_NOT_FOUND"


def test_cancel_stops_the_running_workflow_execution(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    # Given a job whose pipeline execution is running
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=resources.STATE_MACHINE_NAME,  # the name the deployed cancel_job may stop executions of
        definition=json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )
    job_id = create(api, tenant).json["data"]["job_id"]
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name=job_id)
    jobs_repo.record_execution(tenant.tenant_id, job_id, execution["executionArn"])
    # When the client cancels it
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    # Then the execution is stopped
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "ABORTED"


def test_delete_of_a_finished_job_removes_it_and_its_media(api: Client, tenant: TenantHandle) -> None:
    s3 = boto3.client("s3")
    job_id = create(api, tenant).json["data"]["job_id"]
    api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    bucket = get_settings().bucket_name
    for key in (media_key(tenant.tenant_id, job_id, ".m4a"), result_key(tenant.tenant_id, job_id, "transcription")):
        s3.put_object(Bucket=bucket, Key=key, Body=b"stored")
    response = api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json["data"] == {"job_id": job_id, "deleted": True}
    assert api.get(f"/v1/jobs/{job_id}", headers=tenant.headers).status_code == 404
    for prefix in (job_prefix(tenant.tenant_id, job_id), MEDIA_PREFIX + job_prefix(tenant.tenant_id, job_id)):
        assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)


def test_delete_of_an_unfinished_job_is_409(api: Client, tenant: TenantHandle) -> None:
    job_id = create(api, tenant).json["data"]["job_id"]
    response = api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "JOB_NOT_DELETABLE"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/jobs/{id}"), ("POST", "/v1/jobs/{id}/cancel"), ("DELETE", "/v1/jobs/{id}")],
)
def test_another_tenants_job_is_404_on_every_endpoint(api: Client, make_tenant, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    owner, stranger = make_tenant(), make_tenant()
    job_id = create(api, owner).json["data"]["job_id"]
    api.post(f"/v1/jobs/{job_id}/cancel", headers=owner.headers) if method == "DELETE" else None
    response = api.open(path.format(id=job_id), method=method, headers=stranger.headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "JOB_NOT_FOUND"
    assert api.get(f"/v1/jobs/{job_id}", headers=owner.headers).status_code == 200


def test_progress_never_moves_back_and_stops_once_the_job_is_cancelled(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    job_id = create(api, tenant).json["data"]["job_id"]
    job = jobs_repo.get(tenant.tenant_id, job_id)
    assert job is not None
    clock = FakeClock()
    started = jobs_repo.transition(
        job, to_status=JobStatus.PROCESSING, allowed_from=frozenset({JobStatus.PENDING}), now=clock()
    )
    jobs_repo.update_progress(tenant.tenant_id, job_id, progress.at(Stage.ANALYSIS), clock())
    # A worker's last percent of transcription landing after analysis began is dropped.
    jobs_repo.update_progress(tenant.tenant_id, job_id, progress.at(Stage.TRANSCRIPTION, 0.9), clock())
    current = jobs_repo.get(tenant.tenant_id, job_id)
    assert current is not None and current.progress is not None
    assert current.progress.stage is Stage.ANALYSIS
    assert current.version == started.version + 1  # the dropped write changed nothing

    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    with pytest.raises(TransitionRefused):
        jobs_repo.update_progress(tenant.tenant_id, job_id, progress.at(Stage.MERGING), clock())


def test_a_job_completed_before_results_were_stored_apart_still_shows_them(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    # Stored as merging stored jobs before each capability's result had its own object: one
    # results.json, the transcript beside it, no options on the item.
    job_id = create(
        api,
        tenant,
        {"url": "https://www.youtube.com/watch?v=x", "capabilities": ["transcription", "brands"], "return_proof": True},
    ).json["data"]["job_id"]
    prefix = job_prefix(tenant.tenant_id, job_id)
    transcript = {
        "text": "Hi.",
        "segments": [{"start": 0.0, "end": 1.0, "text": "Hi."}],
        "language": "en",
        "duration_seconds": 1.0,
        "word_count": 1,
    }
    s3, bucket = boto3.client("s3"), get_settings().bucket_name
    s3.put_object(Bucket=bucket, Key=f"{prefix}results.json", Body=json.dumps({"brands": []}).encode())
    s3.put_object(Bucket=bucket, Key=f"{prefix}transcript.json", Body=json.dumps(transcript).encode())
    record = jobs_repo.get(tenant.tenant_id, job_id)
    assert record is not None
    old = {"results_key": f"{prefix}results.json", "transcript_key": f"{prefix}transcript.json", "credits_charged": 0}
    jobs_repo.transition(
        record, to_status=JobStatus.COMPLETED, allowed_from=CANCELLABLE_STATUSES, now=utc_now(), set_fields=old
    )
    boto3.client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key={"PK": {"S": f"TENANT#{tenant.tenant_id}"}, "SK": {"S": f"JOB#{job_id}"}},
        UpdateExpression="REMOVE #options, #result_capabilities",
        ExpressionAttributeNames={"#options": "options", "#result_capabilities": "result_capabilities"},
    )
    shown = api.get(f"/v1/jobs/{job_id}", headers=tenant.headers).json["data"]
    assert shown["results"] == {"transcription": transcript, "brands": []}
    assert shown["options"] == {
        "transcription": SPEECH_DEFAULTS,
        "brands": {"return_proof": True, "sources": ["speech"]},
    }
    assert api.get(f"/v1/jobs/{job_id}/transcript", headers=tenant.headers).json["data"] == transcript
    page = api.get(f"/v1/jobs/{job_id}/results/transcription", headers=tenant.headers).json["data"]
    assert page["results"]["transcription"]["segments"] == transcript["segments"] and page["total"] == 1
