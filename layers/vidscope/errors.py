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


class ValidationFailed(ApiError):
    status, code = 400, "VALIDATION_ERROR"


class InvalidUrl(ApiError):
    status, code = 400, "INVALID_URL"


class UnsupportedCapability(ApiError):
    status, code = 400, "UNSUPPORTED_CAPABILITY"


class InvalidCursor(ApiError):
    status, code = 400, "INVALID_CURSOR"


class Unauthorized(ApiError):
    status, code = 401, "UNAUTHORIZED"


class InsufficientCredits(ApiError):
    status, code = 402, "INSUFFICIENT_CREDITS"


class JobNotFound(ApiError):
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


class RouteNotFound(ApiError):
    status, code = 404, "NOT_FOUND"


class JobNotCancellable(ApiError):
    status, code = 409, "JOB_NOT_CANCELLABLE"


class TranscriptNotAvailable(ApiError):
    status, code = 409, "TRANSCRIPT_NOT_AVAILABLE"


class ResultNotAvailable(ApiError):
    status, code = 409, "RESULT_NOT_AVAILABLE"


class JobNotDeletable(ApiError):
    status, code = 409, "JOB_NOT_DELETABLE"


class WebhookNotConfigured(ApiError):
    status, code = 409, "WEBHOOK_NOT_CONFIGURED"


class JobNotFinished(ApiError):
    status, code = 409, "JOB_NOT_FINISHED"


class WebhookDeliveryInProgress(ApiError):
    status, code = 409, "WEBHOOK_DELIVERY_IN_PROGRESS"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "10"}


class RequestBlocked(ApiError):
    """Answered by the web application firewall in front of the API, never by a handler."""

    status, code = 403, "REQUEST_BLOCKED"


class UnsupportedMediaType(ApiError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class IdempotencyKeyInUse(ApiError):
    status, code = 409, "IDEMPOTENCY_KEY_IN_USE"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class IdempotencyKeyReused(ApiError):
    status, code = 422, "IDEMPOTENCY_KEY_REUSED"


class RateLimited(ApiError):
    status, code = 429, "RATE_LIMITED"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "60"}


class TooManyActiveJobs(ApiError):
    """The tenant already runs as many jobs as its plan allows; one ending frees a place."""

    status, code = 429, "TOO_MANY_ACTIVE_JOBS"
    headers: ClassVar[dict[str, str]] = {"Retry-After": str(catalog.ACTIVE_JOBS_RETRY_AFTER_SECONDS)}


class TenantNotFound(Exception):
    """Raised by admin tooling when a tenant id does not exist."""
