"""What the workflow passes between stages: each Task's input and output, as the ASL file
shapes them. Handlers parse their event with these (Powertools parser)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from vidscope.models import Stage


class JobRef(BaseModel):
    job_id: str
    tenant_id: str
    # The job's stage plan (vidscope.jobs.plan), for the progress it reports; every stage by default.
    stages: list[Stage] = Field(default_factory=lambda: list(Stage))


class IngestedMedia(BaseModel):
    media_key: str
    duration_seconds: float
    size_bytes: int
    title: str | None = None
    has_audio: bool = True


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
    """One analysis step: the capability to compute, the job's options (every requested
    capability's, validated at creation) and the stage outputs the plan made."""

    capability: str
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    media: IngestedMedia
    transcript: TranscriptRef | None = None


class AnalysisOutcome(BaseModel):
    """One Map iteration's result: a stored result, or the failure the capability ended in."""

    capability: str
    result_key: str | None = None
    failure: Failure | None = None


class MergeEvent(JobRef):
    media: IngestedMedia
    transcript: TranscriptRef | None = None
    analysis: list[AnalysisOutcome] = Field(default_factory=list)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)


class FailEvent(JobRef):
    failure: Failure


class ExecutionPlan(BaseModel):
    """What the state machine routes on (vidscope.jobs.plan): whether to transcribe, which analyses
    its Map runs, and the stages the job's progress lists."""

    transcribe: bool
    analyses: list[str]
    stages: list[Stage]


class ExecutionInput(BaseModel):
    """The input create_job starts an execution with."""

    job_id: str
    tenant_id: str
    plan: ExecutionPlan
    options: dict[str, dict[str, Any]]
    config: dict[str, Any]
    # Set by the transcription stage when the plan runs it; null otherwise, so later states can
    # always pass it on.
    transcript: None = None
