"""The event contract: which committed change stands for which events, and the published
schemas subscribers rely on (source, detail-types, fields), pinned against the models."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from vidscope.events import contract as events
from vidscope.events import routing as event_routing
from vidscope.jobs import progress
from vidscope.jobs.repository import JobRecord
from vidscope.models import JobError, JobStatus, Platform, Stage, WebhookState, WebhookStatus


def job(status: JobStatus = JobStatus.PENDING, version: int = 1, **fields: Any) -> JobRecord:
    base: dict[str, Any] = {
        "job_id": "job_01JCX0000000000000000000000",
        "tenant_id": "ten_01jcx000000000000000000000",
        "status": status,
        "url": "https://media.example.com/talk.mp4",
        "platform": Platform.DIRECT,
        "capabilities": ["transcription", "brands"],
        "credits_estimated": 120,
        "credits_held": 120,
        "return_proof": False,
        "webhook_url": "https://hooks.example.com/vidscope",
        "created_at": "2026-11-22T10:00:00.000Z",
        "updated_at": f"2026-11-22T10:00:0{version}.000Z",
        "version": version,
    }
    return JobRecord(**{**base, **fields})


def kinds(found: list[events.JobEvent]) -> list[tuple[str, str | None]]:
    return [(e.detail_type.value, getattr(e.detail, "stage", None)) for e in found]


def processing(stage: Stage, fraction: float = 0.0, version: int = 2) -> JobRecord:
    return job(JobStatus.PROCESSING, version, progress=progress.at(stage, fraction))


def test_a_new_job_is_created() -> None:
    assert kinds(events.changes(None, job())) == [("Job Created", None)]


def test_starting_is_started_and_each_stage_completes_once() -> None:
    assert kinds(events.changes(job(), processing(Stage.INGESTION))) == [("Job Started", None)]
    ingested = processing(Stage.INGESTION, 1.0, version=3)
    assert events.changes(processing(Stage.INGESTION), ingested) == []  # percent only
    transcribing = processing(Stage.TRANSCRIPTION, version=4)
    assert kinds(events.changes(ingested, transcribing)) == [("Job Stage Completed", Stage.INGESTION)]
    later = processing(Stage.TRANSCRIPTION, 0.5, version=5)
    assert events.changes(transcribing, later) == []
    analysing = processing(Stage.ANALYSIS, version=6)
    assert kinds(events.changes(later, analysing)) == [("Job Stage Completed", Stage.TRANSCRIPTION)]


def test_completion_completes_the_remaining_stages_then_the_job() -> None:
    merging = processing(Stage.MERGING, version=7)
    completed = job(JobStatus.COMPLETED, 8, progress=merging.progress, completed_at="2026-11-22T10:00:08.000Z")
    assert kinds(events.changes(merging, completed)) == [
        ("Job Stage Completed", Stage.MERGING),
        ("Job Completed", None),
    ]


@pytest.mark.parametrize(
    ("status", "detail_type"), [(JobStatus.FAILED, "Job Failed"), (JobStatus.CANCELLED, "Job Cancelled")]
)
def test_failing_or_cancelling_is_one_event_without_stages(status: JobStatus, detail_type: str) -> None:
    before = processing(Stage.TRANSCRIPTION, 0.4)
    after = job(status, 3, progress=before.progress, error=JobError(code="DOWNLOAD_FAILED", message="404"))
    assert kinds(events.changes(before, after)) == [(detail_type, None)]
    assert kinds(events.changes(job(), job(status, 2))) == [(detail_type, None)]  # cancelled while pending


def test_webhook_bookkeeping_on_a_finished_job_is_not_an_event() -> None:
    done = job(JobStatus.COMPLETED, 8, webhook=WebhookStatus(status=WebhookState.PENDING, attempts=0))
    delivered = done.model_copy(update={"webhook": WebhookStatus(status=WebhookState.DELIVERED, attempts=1)})
    assert events.changes(done, delivered) == []


def test_an_event_carries_the_job_its_tenant_and_version_but_no_results() -> None:
    done = job(
        JobStatus.COMPLETED, 8, results={"summary": {"text": "long", "key_topics": []}}, metadata={"order": "42"}
    )
    [completed] = [e for e in events.changes(processing(Stage.MERGING), done) if e.detail_type.value == "Job Completed"]
    detail = json.loads(completed.detail_json())
    assert detail["job_id"] == done.job_id and detail["tenant_id"] == done.tenant_id
    assert detail["version"] == 8 and detail["schema_version"] == events.SCHEMA_VERSION
    assert detail["metadata"] == {"order": "42"} and detail["webhook_url"] == done.webhook_url
    assert "results" not in detail and "webhook" not in detail and "credits_held" not in detail
    assert completed.time == done.updated_at


def published(detail_type: events.DetailType) -> dict[str, Any]:
    return dict(json.loads((events.SCHEMA_DIR / events.schema_file_name(detail_type)).read_text()))


def test_the_published_schemas_are_the_ones_the_models_generate() -> None:
    files = {p.name for p in events.SCHEMA_DIR.glob("*.json")}
    assert files == set(events.schemas()), "run `python -m vidscope.events.contract` and commit events/schemas"
    for name, schema in events.schemas().items():
        assert (events.SCHEMA_DIR / name).read_text() == events.render(schema), f"{name} is stale"


def test_the_contract_source_detail_types_and_fields_are_pinned() -> None:
    # Changing any of these breaks subscribers: it takes a new schema version, not an edit.
    assert events.SOURCE == "vidscope.jobs"
    assert [t.value for t in events.DetailType] == [
        "Job Created",
        "Job Started",
        "Job Stage Completed",
        "Job Completed",
        "Job Failed",
        "Job Cancelled",
    ]
    for detail_type in events.DetailType:
        schema = published(detail_type)
        assert schema["title"] == detail_type.value
        assert {"job_id", "tenant_id", "status", "version", "created_at", "updated_at"} <= set(schema["required"])
        assert {"url", "capabilities", "webhook_url", "metadata", "error", "completed_at"} <= set(schema["properties"])
        assert "results" not in schema["properties"]
    assert "stage" in published(events.DetailType.STAGE_COMPLETED)["required"]


def test_every_event_validates_against_its_published_schema() -> None:
    trail = [
        (None, job()),
        (job(), processing(Stage.INGESTION)),
        (processing(Stage.INGESTION), processing(Stage.TRANSCRIPTION, version=3)),
        (processing(Stage.MERGING), job(JobStatus.COMPLETED, 9, completed_at="2026-11-22T10:00:09.000Z")),
        (processing(Stage.INGESTION), job(JobStatus.FAILED, 3, error=JobError(code="MEDIA_TOO_LONG", message="x"))),
        (job(), job(JobStatus.CANCELLED, 2)),
    ]
    registry = events.registry_schemas()
    seen = set()
    for old, new in trail:
        for event in events.changes(old, new):
            detail = json.loads(event.detail_json())
            jsonschema.validate(detail, published(event.detail_type))
            # The schema registry's copy describes the event as delivered, envelope included.
            delivered = {
                "version": "0",
                "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
                "detail-type": event.detail_type.value,
                "source": events.SOURCE,
                "account": "123456789012",
                "time": "2026-11-22T10:00:00Z",
                "region": "eu-west-1",
                "resources": [],
                "detail": detail,
            }
            jsonschema.Draft4Validator.check_schema(registry[event.detail_type])
            jsonschema.Draft4Validator(registry[event.detail_type]).validate(delivered)
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.Draft4Validator(registry[event.detail_type]).validate({**delivered, "detail": {}})
            seen.add(event.detail_type)
    assert seen == set(events.DetailType)


def test_the_webhook_rule_takes_terminal_events_that_have_a_webhook_url() -> None:
    pattern = event_routing.webhook_rule_pattern()
    assert pattern["source"] == [events.SOURCE]
    assert set(pattern["detail-type"]) == {"Job Completed", "Job Failed", "Job Cancelled"}
    assert pattern["detail"] == {"webhook_url": [{"exists": True}]}
