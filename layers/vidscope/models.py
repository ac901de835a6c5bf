"""Public API models. The OpenAPI document is generated from these and nothing else."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
)
from pydantic.json_schema import WithJsonSchema

from vidscope import catalog
from vidscope.job_stages import Stage as Stage  # where a capability's declaration reads it, below these models

# Re-exported: tests/integration/test_api_properties.py reads it here (vidscope.safe_text is its home).
from vidscope.safe_text import UNSAFE_TEXT as UNSAFE_TEXT
from vidscope.safe_text import refuse_unsafe_text
from vidscope.transcripts import Transcript

if TYPE_CHECKING:
    from typing_extensions import TypeForm

# Every API function imports this module, but each of these models serves one handler (or none
# at import): they are built when first used, so the others' cold starts skip them (DESIGN §9).
# Models that a built one holds (Job's, the error envelope's) are built with it regardless.
ONE_HANDLER_ONLY = ConfigDict(defer_build=True)


class JobStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})
CANCELLABLE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})


# The stages every job ran before jobs had a plan of their own (and before vision existed): the
# plan assumed where none is recorded.
UNPLANNED_STAGES: tuple[Stage, ...] = (Stage.INGESTION, Stage.TRANSCRIPTION, Stage.ANALYSIS, Stage.MERGING)


class Platform(StrEnum):
    YOUTUBE = "youtube"
    VIMEO = "vimeo"
    TIKTOK = "tiktok"
    X = "x"
    INSTAGRAM = "instagram"
    TWITCH = "twitch"
    DIRECT = "direct"
    UPLOAD = "upload"  # a file the client uploaded (POST /v1/uploads)
    OTHER = "other"


Url = Annotated[str, Field(min_length=1, max_length=catalog.MAX_URL_LENGTH)]


# The results of the requested capabilities, by capability, as they were stored. Typed in the
# document as JobResults (``vidscope.jobs.capability_models``, one schema per capability's result):
# infra.openapi puts that schema where this marker stands, so the functions that only read jobs
# never load the registry those types come from (DESIGN §9: their cold import is budgeted).
SCHEMA_MARKER = "x-vidscope-schema"
Results = Annotated[dict[str, Any], WithJsonSchema({"type": "object", SCHEMA_MARKER: "JobResults"})]


class Progress(BaseModel):
    stage: Stage
    stages_completed: list[Stage]
    stages_remaining: list[Stage]
    percent: float = Field(
        ge=0,
        le=100,
        description="Of the whole job. During transcription it moves with the share of the media transcribed.",
    )


class JobError(BaseModel):
    code: str
    message: str


class MediaInfo(BaseModel):
    """What ingestion found in the media."""

    duration_seconds: float = Field(description="Decoded, not read from the container's header")
    billed_seconds: float | None = Field(
        default=None,
        description="What the job is billed for: the duration, or more when the job reads pictures denser than "
        "1080p at 30 fps (the duration times their pixels per second over 1920x1080x30: 4K at 30 fps bills 4 times)",
    )
    has_audio: bool
    has_video: bool
    title: str | None = None
    width: int | None = None
    height: int | None = None


class CapabilityError(BaseModel):
    capability: str
    code: str
    message: str


class CapabilityNote(BaseModel):
    """Why a capability's result is empty (``NO_SPEECH``, ``NO_TEXT_ON_SCREEN``, …): an empty
    result is an answer, and says so."""

    capability: str
    code: str
    message: str


class WebhookState(StrEnum):
    PENDING = "pending"  # the job has not ended, or its first attempt is under way
    RETRYING = "retrying"  # an attempt failed; the next one is scheduled (next_attempt_at)
    DELIVERED = "delivered"
    FAILED = "failed"  # a final 4xx, or every scheduled attempt failed
    DISABLED = "disabled"  # the receiver answered 410 Gone for this URL


class WebhookStatus(BaseModel):
    """Where the job's webhook delivery stands."""

    status: WebhookState
    attempts: int = Field(ge=0)
    last_status_code: int | None = None
    last_attempt_at: str | None = None
    next_attempt_at: str | None = None


class WebhookAttempt(BaseModel):
    """One POST to the job's webhook URL."""

    model_config = ONE_HANDLER_ONLY

    attempt: int = Field(ge=1, description="1 for the first attempt, counting across redeliveries")
    webhook_id: str = Field(description="The webhook-id header: the same for every attempt of the job's webhook")
    event_type: str = Field(description="job.completed, job.failed or job.cancelled")
    url: str
    attempted_at: str
    duration_ms: int
    status_code: int | None = Field(default=None, description="Absent when no response came back")
    error: str | None = Field(default=None, description="Why the attempt failed, when it did")
    outcome: WebhookState = Field(description="The webhook's status after this attempt")
    next_attempt_at: str | None = None
    trigger: str = Field(description="event (the job ended), retry, or redeliver")


class Job(BaseModel):
    """A job as clients see it."""

    job_id: str
    status: JobStatus
    url: str | None = Field(default=None, description="The media's URL; null for an uploaded file")
    upload_id: str | None = Field(default=None, description="The uploaded file the job ran on")
    platform: Platform
    capabilities: list[str]
    credits_estimated: int = Field(
        description="One billable minute until ingestion knows the media's duration, then its real price"
    )
    credits_charged: int | None = None
    cost_breakdown: dict[str, int] | None = Field(default=None, description="Credits charged per capability")
    return_proof: bool
    reuse: bool = Field(
        default=True,
        description="Reuse the results of a completed job of yours on the same content with the same options",
    )
    reused_from: str | None = Field(
        default=None, description="The job whose results this job reused (charged ingestion only)"
    )
    options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        # Named apart from JobOptions (the request's), which generated clients would otherwise
        # also name JobOptions (parent + field) for this free-form map.
        title="AppliedOptions",
        description="Every requested capability's options, defaults filled in",
    )
    media: MediaInfo | None = None
    webhook_url: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: str
    updated_at: str
    started_at: str | None = None
    completed_at: str | None = None
    processing_time_seconds: float | None = Field(default=None, description="From creation to the end (ended jobs)")
    progress: Progress | None = None
    results: Results | None = None
    result_totals: dict[str, int] | None = Field(
        default=None,
        description=(
            f"Items in each list-valued result. Lists longer than {catalog.BOUNDED_RESULT_ITEMS} are cut to their "
            f"first {catalog.BOUNDED_RESULT_ITEMS} here; "
            "GET /v1/jobs/{job_id}/results/{capability} pages the whole list"
        ),
    )
    capability_errors: list[CapabilityError] | None = None
    notes: list[CapabilityNote] | None = Field(
        default=None, description="Why a result came out empty, one note per capability that found nothing"
    )
    error: JobError | None = None
    webhook: WebhookStatus | None = Field(default=None, description="Delivery of webhook_url, when one is set")
    artifacts_expire_at: str | None = Field(
        default=None,
        description="When the presigned URLs in results (thumbnails, frames) stop working; every read mints new ones",
    )


class Meta(BaseModel):
    request_id: str


DataT = TypeVar("DataT")


class Envelope(BaseModel, Generic[DataT]):
    """Every successful response: its data and the request's meta (DESIGN §3)."""

    model_config = ONE_HANDLER_ONLY

    data: DataT
    meta: Meta

    @classmethod
    def model_parametrized_name(cls, params: tuple[TypeForm[Any], ...]) -> str:
        """The schema name clients see: ``JobEnvelope``, ``WebhookAttemptsEnvelope`` (a list)."""
        (param,) = params
        if get_origin(param) is list:
            return f"{get_args(param)[0].__name__}s{cls.__name__}"
        return f"{getattr(param, '__name__', param)}{cls.__name__}"


class CreateUploadRequest(BaseModel):
    """Body of ``POST /v1/uploads``: what the client is about to send."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    filename: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(refuse_unsafe_text)]
    content_type: str = Field(
        pattern=r"^(video|audio)/[0-9A-Za-z.+-]{1,100}$", description="The file's media type (video/* or audio/*)"
    )
    size_bytes: int = Field(gt=0, le=catalog.MAX_MEDIA_BYTES, description="The file's exact size")


class Upload(BaseModel):
    """Where to send the file: PUT it to ``upload_url`` with ``headers``, then create a job with
    ``upload_id``. Unused, it expires at ``expires_at``."""

    model_config = ONE_HANDLER_ONLY

    upload_id: str
    upload_url: str
    upload_url_expires_at: str = Field(
        description="Send the file before this; the upload itself lasts until expires_at"
    )
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Send these with the PUT (the signature covers them)")
    filename: str
    content_type: str
    size_bytes: int
    max_bytes: int = Field(description="The most a job accepts; the stored file is checked when a job uses it")
    created_at: str
    expires_at: str


class Pagination(BaseModel):
    model_config = ONE_HANDLER_ONLY

    has_more: bool
    next_cursor: str | None = None


class JobListEnvelope(Envelope[list[Job]]):
    """A page of the caller's jobs, newest first; ``pagination`` says where the next one starts."""

    pagination: Pagination


class CapabilityResultPage(BaseModel):
    """A page of one capability's result: its list cut to ``offset``…``offset + limit``."""

    model_config = ONE_HANDLER_ONLY

    capability: str
    results: Results
    total: int = Field(description="Items in the whole list (1 for a result without a list)")
    offset: int
    limit: int
    has_more: bool


class DeletedJob(BaseModel):
    model_config = ONE_HANDLER_ONLY

    job_id: str
    deleted: bool


class RateLimitInfo(BaseModel):
    model_config = ONE_HANDLER_ONLY

    limit: int
    window_seconds: int


class Account(BaseModel):
    model_config = ONE_HANDLER_ONLY

    tenant_id: str
    name: str
    plan: str
    credit_balance: int
    rate_limit: RateLimitInfo


class WebhookEvent(BaseModel):
    """The body POSTed to a job's ``webhook_url`` when the job ends, signed per Standard Webhooks
    (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``: HMAC-SHA256 with the account's
    webhook secret). Delivery is at least once: every attempt of a job's webhook has the same
    ``webhook-id``. Documented only (``webhooks`` in the OpenAPI document); sent by
    ``vidscope.webhooks.delivery``."""

    model_config = ONE_HANDLER_ONLY

    type: Literal["job.completed", "job.failed", "job.cancelled"]
    timestamp: str = Field(description="When the job ended")
    data: Job = Field(description="The job as GET /v1/jobs/{job_id} shows it, results included, without webhook")


# The envelope of each response, parametrized here once. pydantic registers a parametrization
# made at a module's top level in that module as found in sys.modules, where a handler module
# the local runtime loads afresh for each execution environment is not: handlers use these.
JobEnvelope = Envelope[Job]
TranscriptEnvelope = Envelope[Transcript]
UploadEnvelope = Envelope[Upload]
WebhookAttemptsEnvelope = Envelope[list[WebhookAttempt]]
WebhookStatusEnvelope = Envelope[WebhookStatus]
CapabilityResultPageEnvelope = Envelope[CapabilityResultPage]
DeletedJobEnvelope = Envelope[DeletedJob]
AccountEnvelope = Envelope[Account]


class ErrorDetail(BaseModel):
    field: str
    location: str
    message: str


class ErrorBody(BaseModel):
    code: str = Field(description="Stable and machine-readable; each operation lists the codes it answers with")
    message: str
    details: list[ErrorDetail] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody
    meta: Meta
