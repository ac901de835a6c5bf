"""Job events: the contract with EventBridge subscribers (source, detail-types, detail models)
and how a committed change of a job item becomes events.

Events come from the table's change stream, never from the code that writes: a write that lost
its conditional check leaves no stream record, so it cannot emit; a committed write leaves
exactly one. ``vidscope.events.publisher`` puts them on the bus. The JSON Schemas subscribers
rely on are generated from the models here into ``events/schemas`` (``python -m
vidscope.events.contract``) and pinned by contract tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from vidscope.jobs.repository import JobRecord
from vidscope.models import Job, JobStatus, Stage

SOURCE = "vidscope.jobs"
SCHEMA_VERSION = "1"


class DetailType(StrEnum):
    CREATED = "Job Created"
    STARTED = "Job Started"
    STAGE_COMPLETED = "Job Stage Completed"
    COMPLETED = "Job Completed"
    FAILED = "Job Failed"
    CANCELLED = "Job Cancelled"


TERMINAL_DETAIL_TYPES = {
    JobStatus.COMPLETED: DetailType.COMPLETED,
    JobStatus.FAILED: DetailType.FAILED,
    JobStatus.CANCELLED: DetailType.CANCELLED,
}


class JobEventDetail(Job):
    """The job as it was right after the change (results, which can be large, stay behind the
    API), with its tenant and version."""

    tenant_id: str = Field(description="The account that owns the job")
    version: int = Field(
        ge=1,
        description="The job's change counter: grows with every change. Events of one change share it, so "
        "(job_id, detail-type, version) identifies an event; use it to order events and drop duplicates.",
    )
    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this detail schema")
    # Not part of an event: results are fetched from the API; webhook delivery is bookkeeping.
    results: SkipJsonSchema[None] = Field(default=None, exclude=True)
    webhook: SkipJsonSchema[None] = Field(default=None, exclude=True)


class JobStageCompletedDetail(JobEventDetail):
    stage: Stage = Field(description="The stage that was completed")


DETAIL_MODELS: dict[DetailType, type[JobEventDetail]] = {
    detail_type: JobStageCompletedDetail if detail_type is DetailType.STAGE_COMPLETED else JobEventDetail
    for detail_type in DetailType
}


@dataclass(frozen=True)
class JobEvent:
    detail_type: DetailType
    detail: JobEventDetail
    time: str  # the change's time (the job's updated_at)

    def detail_json(self) -> str:
        return self.detail.model_dump_json(exclude_none=True)


def _detail(job: JobRecord, detail_type: DetailType, stage: Stage | None = None) -> JobEventDetail:
    public = job.to_public().model_dump(exclude={"results", "webhook"})
    fields: dict[str, Any] = {**public, "tenant_id": job.tenant_id, "version": job.version}
    if detail_type is DetailType.STAGE_COMPLETED:
        return JobStageCompletedDetail(**fields, stage=stage)
    return JobEventDetail(**fields)


def _stages_completed(job: JobRecord) -> list[Stage]:
    if job.status is JobStatus.COMPLETED:
        return list(job.stages)  # the job's plan: a stage it never ran is never completed
    return list(job.progress.stages_completed) if job.progress else []


def changes(old: JobRecord | None, new: JobRecord) -> list[JobEvent]:
    """The events one committed write of a job item stands for, in the order they happened:
    created, started, each stage newly completed, then the terminal state. Writes that change
    none of these (progress percent, webhook bookkeeping) stand for none."""
    old_status = old.status if old is not None else None
    found: list[tuple[DetailType, Stage | None]] = []
    if old is None:
        found.append((DetailType.CREATED, None))
    if new.status is JobStatus.PROCESSING and old_status in (None, JobStatus.PENDING):
        found.append((DetailType.STARTED, None))
    if new.status in (JobStatus.PROCESSING, JobStatus.COMPLETED) and old_status is not JobStatus.COMPLETED:
        before = set(_stages_completed(old)) if old is not None else set()
        found += [(DetailType.STAGE_COMPLETED, s) for s in _stages_completed(new) if s not in before]
    if new.status.is_terminal and old_status is not new.status:
        found.append((TERMINAL_DETAIL_TYPES[new.status], None))
    return [JobEvent(detail_type, _detail(new, detail_type, stage), new.updated_at) for detail_type, stage in found]


# --- published schemas -------------------------------------------------------------------------

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "events" / "schemas"


def schema_file_name(detail_type: DetailType) -> str:
    return detail_type.lower().replace(" ", "-") + ".schema.json"


def schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema of the ``detail`` of each detail-type."""
    documents: dict[str, dict[str, Any]] = {}
    for detail_type, model in DETAIL_MODELS.items():
        schema = model.model_json_schema()
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://vidscope.dev/events/{SCHEMA_VERSION}/{schema_file_name(detail_type)}",
            **schema,
            "title": detail_type.value,
            "description": f'detail of "{detail_type.value}" events (source "{SOURCE}") on the Vidscope event bus',
        }
        documents[schema_file_name(detail_type)] = schema
    return documents


# Fields EventBridge gives every event around the detail.
_ENVELOPE: dict[str, dict[str, Any]] = {
    "version": {"type": "string"},
    "id": {"type": "string"},
    "account": {"type": "string"},
    "time": {"type": "string", "format": "date-time"},
    "region": {"type": "string"},
    "resources": {"type": "array", "items": {"type": "string"}},
}


def registry_schemas() -> dict[DetailType, dict[str, Any]]:
    """Each detail-type's whole event, envelope and detail, in JSON Schema draft 4: the dialect the
    EventBridge schema registry takes besides OpenAPI 3, whose schemas cannot say "or null" the
    way the models do. ``infra.events`` publishes them there for subscribers."""
    documents: dict[DetailType, dict[str, Any]] = {}
    for detail_type, model in DETAIL_MODELS.items():
        detail = model.model_json_schema(ref_template="#/definitions/{model}")
        definitions = detail.pop("$defs", {})
        documents[detail_type] = {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": detail_type.value,
            "type": "object",
            "required": [*_ENVELOPE, "detail-type", "source", "detail"],
            "properties": {
                **_ENVELOPE,
                "detail-type": {"type": "string", "enum": [detail_type.value]},
                "source": {"type": "string", "enum": [SOURCE]},
                "detail": detail,
            },
            "definitions": definitions,
        }
    return documents


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = directory / name
        path.write_text(render(schema))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas():
        print(written_path)
