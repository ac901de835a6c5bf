"""What the workflow passes between stages: each Task's input and output, as the ASL file
shapes them. Handlers parse their event with these (Powertools parser)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from vidscope.capabilities.base import Note
from vidscope.models import UNPLANNED_STAGES, Stage
from vidscope.settings import Settings


class JobRef(BaseModel):
    job_id: str
    tenant_id: str
    # The job's stage plan (vidscope.jobs.plan), for the progress it reports; every stage by default.
    stages: list[Stage] = Field(default_factory=lambda: list(UNPLANNED_STAGES))


class PipelineConfig(BaseModel):
    """The execution input's ``config`` (create_job's settings), as ingestion reads it: the
    heartbeat window and the ceilings on the media stages' time budgets."""

    heartbeat_seconds: int = Settings.model_fields["heartbeat_seconds"].default
    transcription_timeout_seconds: int = Settings.model_fields["transcription_timeout_seconds"].default
    vision_timeout_seconds: int = Settings.model_fields["vision_timeout_seconds"].default


class IngestEvent(JobRef):
    """The ingestion step: the job, whether its plan needs the pictures, and the configuration
    its time budgets are capped by."""

    video: bool = False
    analyses: list[str] = Field(default_factory=list)  # the plan's: run unless results are reused
    config: PipelineConfig = Field(default_factory=PipelineConfig)


class TimeBudgets(BaseModel):
    """Seconds each stage of the job may run (``catalog.time_budgets``), from the billed duration:
    the ASL hands each task its own. A worker stops itself at its budget (TaskOutOfTime); Step
    Functions' timeout on its task (``*_timeout``) is the backstop behind it: the task's clock
    starts at RunTask, so it adds the heartbeat window the task may take to start, and a margin
    for the worker's failure to arrive first."""

    transcription: int
    vision: int
    analysis: int
    transcription_timeout: int
    vision_timeout: int
    render: int = 0  # the render function's analyses (RunsIn.RENDER)


class SecondMediaRef(BaseModel):
    """A capability's second media (``Capability.second_media``), fetched and checked by ingestion:
    where it is and what it holds. Its capability is priced on its billed seconds too."""

    media_key: str
    duration_seconds: float
    billed_seconds: float
    size_bytes: int
    has_audio: bool
    has_video: bool


class IngestedMedia(BaseModel):
    media_key: str
    duration_seconds: float  # what the capabilities work on
    size_bytes: int
    # What the job is held and charged for (``ingestion.MediaFacts.billed_seconds``): the duration,
    # or more where the pictures the plan reads are denser than 1080p30. Left out: the duration.
    billed_seconds: float = Field(default_factory=lambda data: data["duration_seconds"])
    title: str | None = None
    has_audio: bool = True
    has_video: bool = False
    # The plan's media stages this media allows, run side by side by the ProcessMedia Map: vision
    # is left out when the media has no video track (its frame capabilities then fail alone).
    media_stages: list[Stage] = Field(default_factory=list)
    # The requested capabilities whose options cannot fit this media (shorts longer than it), with
    # why: they fail alone, uncharged, and no stage works for them.
    refused: dict[str, Note] = Field(default_factory=dict)
    time_budgets: TimeBudgets | None = None
    # The site's comments ingestion read (vidscope.text.comments.SiteComments), when the plan reads them.
    comments_key: str | None = None
    # By capability: the second media its options named, fetched (a failed fetch is in ``refused``).
    second_media: dict[str, SecondMediaRef] = Field(default_factory=dict)
    # The capabilities the analysis stage computes (its Map's items): the plan's, or none when
    # the results are reused.
    analyses: list[str] = Field(default_factory=list)
    content_hash: str | None = None
    # The job whose results merging copies instead (DESIGN §3b, Reuse); then ``fallback`` is this
    # media with the plan's stages and analyses, which the ASL runs if that job is deleted first.
    reused_from: str | None = None
    fallback: IngestedMedia | None = None


class TranscriptRef(BaseModel):
    stage: Literal[Stage.TRANSCRIPTION] = Stage.TRANSCRIPTION
    transcript_key: str
    language: str
    duration_seconds: float
    word_count: int


class VisionRef(BaseModel):
    stage: Literal[Stage.VISION] = Stage.VISION
    vision_key: str  # vision.json (vidscope.vision.models.VisionOutput); its files beside it
    shots: int
    text_items: int


class VisionFailure(BaseModel):
    """The vision task failed: its frame capabilities fail with it, the rest of the job goes on."""

    stage: Literal["vision_failed"] = "vision_failed"
    failure: Failure
    # When the media stages started and when vision was given up on (Step Functions' clock, ISO
    # 8601): the seconds it ran count against the tenant's failed compute (catalog).
    started_at: str | None = None
    failed_at: str | None = None

    @property
    def seconds(self) -> float:
        """How long the vision stage ran, retries included, before it failed (0 when unknown)."""
        if self.started_at is None or self.failed_at is None:
            return 0.0
        elapsed = datetime.fromisoformat(self.failed_at) - datetime.fromisoformat(self.started_at)
        return max(0.0, elapsed.total_seconds())


MediaOutput = Annotated[TranscriptRef | VisionRef | VisionFailure, Field(discriminator="stage")]


class MediaOutputs(BaseModel):
    """What the ProcessMedia Map returned, one item per media stage it ran."""

    media_outputs: list[MediaOutput] = Field(default_factory=list)

    @property
    def transcript(self) -> TranscriptRef | None:
        return next((o for o in self.media_outputs if isinstance(o, TranscriptRef)), None)

    @property
    def vision(self) -> VisionRef | None:
        return next((o for o in self.media_outputs if isinstance(o, VisionRef)), None)

    @property
    def vision_failure(self) -> Failure | None:
        failed = self.vision_failed
        return failed.failure if failed is not None else None

    @property
    def vision_failed(self) -> VisionFailure | None:
        return next((o for o in self.media_outputs if isinstance(o, VisionFailure)), None)


class Failure(BaseModel):
    """A Catch's error output: ``Error`` is the exception class name, ``Cause`` its details
    (for Lambda, a JSON document with ``errorMessage``)."""

    Error: str = "States.Runtime"
    Cause: str | None = None


class AnalyzeEvent(JobRef, MediaOutputs):
    """One analysis step: the capability to compute, the job's options (every requested
    capability's, validated at creation) and the stage outputs the plan made."""

    capability: str
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    media: IngestedMedia


class AnalysisOutcome(BaseModel):
    """One Map iteration's result: a stored result, or the failure the capability ended in."""

    capability: str
    result_key: str | None = None
    failure: Failure | None = None


class MergeEvent(JobRef, MediaOutputs):
    media: IngestedMedia
    analysis: list[AnalysisOutcome] = Field(default_factory=list)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)


class FailEvent(JobRef):
    failure: Failure
