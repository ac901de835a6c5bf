"""Errors a workflow stage raises. Their class names are the error names Step Functions sees
(Lambda reports ``errorType`` = the class name; the worker passes it to SendTaskFailure), so
the ASL file's Retry and Catch match on them. A unit test keeps the two in step."""

from __future__ import annotations

from typing import ClassVar


class StageFailed(Exception):
    """The job cannot go on; ``code`` is the job's public error code."""

    code: ClassVar[str] = "INTERNAL_ERROR"


class DownloadFailed(StageFailed):
    code = "DOWNLOAD_FAILED"


class MediaUnsupported(StageFailed):
    code = "MEDIA_UNSUPPORTED"


class MediaTooLong(StageFailed):
    code = "MEDIA_TOO_LONG"


class BalanceTooLow(StageFailed):
    """The media's real price is more than the tenant's balance can hold: nothing is charged."""

    code = "INSUFFICIENT_CREDITS"


class TranscriptionFailed(StageFailed):
    code = "TRANSCRIPTION_FAILED"


class AnalysisFailed(StageFailed):
    code = "ANALYSIS_FAILED"


class TransientStageError(Exception):
    """Worth retrying as it is (a throttled call, a dropped connection): the ASL retries it."""


class JobNotActive(Exception):
    """The job was cancelled (or already ended) while a stage ran; the stage stops quietly."""


STAGE_FAILURES: dict[str, type[StageFailed]] = {
    cls.__name__: cls
    for cls in (
        StageFailed,
        DownloadFailed,
        MediaUnsupported,
        MediaTooLong,
        BalanceTooLow,
        TranscriptionFailed,
        AnalysisFailed,
    )
}
