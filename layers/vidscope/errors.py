"""Typed errors. The API maps each to an HTTP status and code in one place: ``api.http``.

Workflow stages raise ``vidscope.pipeline.errors`` instead: those become job failure codes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from vidscope import catalog


class ApiError(Exception):
    """An error the client caused or must know about; carries its public code and status."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_ERROR"
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InternalError(ApiError):
    """A fault of the service's (or of the platform under it), logged; retry later."""


class ValidationFailed(ApiError):
    """The request is malformed: ``details`` names each field (or the body, a parameter, a header) and why."""

    status, code = 400, "VALIDATION_ERROR"


class InvalidUrl(ApiError):
    """A URL of the request is not an http(s) URL the service may fetch or call (``details`` says which and why)."""

    status, code = 400, "INVALID_URL"


class UnsupportedCapability(ApiError):
    """A capability the registry does not have; the message lists the supported ones."""

    status, code = 400, "UNSUPPORTED_CAPABILITY"


class InvalidCursor(ApiError):
    """The ``cursor`` is not one a previous page of this listing returned (altered, or another query's)."""

    status, code = 400, "INVALID_CURSOR"


class Unauthorized(ApiError):
    """No API key, or one that is unknown or revoked."""

    status, code = 401, "UNAUTHORIZED"


class InsufficientCredits(ApiError):
    """The balance cannot cover even one billable minute of the requested capabilities."""

    status, code = 402, "INSUFFICIENT_CREDITS"


class JobNotFound(ApiError):
    """No job of the caller's by that id (another account's is not found either)."""

    status, code = 404, "JOB_NOT_FOUND"


class UploadNotFound(ApiError):
    """No upload of the tenant by that id (another tenant's is not found either), or it expired."""

    status, code = 404, "UPLOAD_NOT_FOUND"


class UploadIncomplete(ApiError):
    """The upload's file is not (all) there: nothing stored yet, or fewer bytes than declared."""

    status, code = 409, "UPLOAD_INCOMPLETE"


class UploadTooLarge(ApiError):
    """The stored file is larger than declared, or than the plan allows."""

    status, code = 413, "UPLOAD_TOO_LARGE"


class TooManyOpenUploads(ApiError):
    """The account already holds ``catalog.MAX_OPEN_UPLOADS`` uploads no job has used: use one
    in a job, or wait for one to expire (a day after it was made)."""

    status, code = 429, "TOO_MANY_OPEN_UPLOADS"


class RouteNotFound(ApiError):
    """A path, or a method of a path, the API does not have."""

    status, code = 404, "NOT_FOUND"


class JobNotCancellable(ApiError):
    """The job has ended (completed, failed or cancelled): there is nothing left to cancel."""

    status, code = 409, "JOB_NOT_CANCELLABLE"


class TranscriptNotAvailable(ApiError):
    """The job has no transcript (yet): it is not completed, or did not transcribe."""

    status, code = 409, "TRANSCRIPT_NOT_AVAILABLE"


class ResultNotAvailable(ApiError):
    """The job has no result for that capability (yet): not completed, not requested, or failed."""

    status, code = 409, "RESULT_NOT_AVAILABLE"


class JobNotDeletable(ApiError):
    """The job is still pending or processing: cancel it, or wait for it to end, first."""

    status, code = 409, "JOB_NOT_DELETABLE"


class WebhookNotConfigured(ApiError):
    """The job has no webhook_url: there is nothing to redeliver."""

    status, code = 409, "WEBHOOK_NOT_CONFIGURED"


class JobNotFinished(ApiError):
    """The job has not ended yet: its webhook is sent when it does."""

    status, code = 409, "JOB_NOT_FINISHED"


class WebhookDeliveryInProgress(ApiError):
    """An attempt of the job's webhook is under way or scheduled; retry after Retry-After seconds."""

    status, code = 409, "WEBHOOK_DELIVERY_IN_PROGRESS"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "10"}


class RequestBlocked(ApiError):
    """Answered by the web application firewall in front of the API, never by a handler."""

    status, code = 403, "REQUEST_BLOCKED"


class UnsupportedMediaType(ApiError):
    """The body is not JSON (send ``Content-Type: application/json``)."""

    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class IdempotencyKeyInUse(ApiError):
    """A request with the same Idempotency-Key is still being handled; retry after Retry-After seconds."""

    status, code = 409, "IDEMPOTENCY_KEY_IN_USE"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class IdempotencyKeyReused(ApiError):
    """The Idempotency-Key was used in the last 48 hours with a different body."""

    status, code = 422, "IDEMPOTENCY_KEY_REUSED"


class RateLimited(ApiError):
    """Over the key's requests per minute (or the API's own limit); retry after Retry-After seconds."""

    status, code = 429, "RATE_LIMITED"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "60"}


class TooManyActiveJobs(ApiError):
    """The tenant already runs as many jobs as its plan allows; one ending frees a place."""

    status, code = 429, "TOO_MANY_ACTIVE_JOBS"
    headers: ClassVar[dict[str, str]] = {"Retry-After": str(catalog.ACTIVE_JOBS_RETRY_AFTER_SECONDS)}


class FailedComputeBudgetExceeded(ApiError):
    """The account's failed jobs (and failed vision tasks) have run longer today than its plan
    allows (free 30 min, pro 6 h, enterprise 30 h of compute a UTC day): failures are refunded, not
    charged, so they are capped. New jobs are refused until the day ends (UTC); Retry-After says
    in how many seconds."""

    status, code = 429, "FAILED_COMPUTE_BUDGET_EXCEEDED"
    # The document lists the header; each answer carries the seconds left in its own day.
    headers: ClassVar[dict[str, str]] = {"Retry-After": "86400"}

    def __init__(
        self, message: str, details: list[dict[str, Any]] | None = None, *, retry_after_seconds: int | None = None
    ) -> None:
        super().__init__(message, details)
        if retry_after_seconds is not None:
            vars(self)["headers"] = {"Retry-After": str(retry_after_seconds)}


class TenantNotFound(Exception):
    """Raised by admin tooling when a tenant id does not exist."""
