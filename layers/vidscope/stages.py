"""What the workflow passes between stages: each Task's input and output, as the ASL file
shapes them. Handlers parse their event with these (Powertools parser)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class JobRef(BaseModel):
    job_id: str
    tenant_id: str


class IngestedMedia(BaseModel):
    media_key: str
    duration_seconds: float
    size_bytes: int
    title: str | None = None


class TranscriptRef(BaseModel):
    transcript_key: str
    language: str
    duration_seconds: float
    word_count: int


class Failure(BaseModel):
    """A Catch's error output: ``Error`` is the exception class name, ``Cause`` its details
    (for Lambda, a JSON document with ``errorMessage``)."""

    Error: str = "States.Runtime"
    Cause: str | None = None


class AnalyzeEvent(JobRef):
    capability: str
    return_proof: bool
    transcript: TranscriptRef


class AnalysisOutcome(BaseModel):
    """One Map iteration's result: a stored result, or the failure the capability ended in."""

    capability: str
    result_key: str | None = None
    failure: Failure | None = None


class MergeEvent(JobRef):
    media: IngestedMedia
    transcript: TranscriptRef
    analysis: list[AnalysisOutcome] = Field(default_factory=list)


class FailEvent(JobRef):
    failure: Failure


class ExecutionInput(JobRef):
    """The input create_job starts an execution with."""

    analyses: list[str]
    return_proof: bool
    config: dict[str, Any]
