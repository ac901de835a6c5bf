"""Errors a workflow stage raises. Their class names are the error names Step Functions sees
(Lambda reports ``errorType`` = the class name; the worker passes it to SendTaskFailure), so
the ASL file's Retry and Catch match on them. A unit test keeps the two in step."""

from __future__ import annotations

import contextlib
import json
from typing import ClassVar

from vidscope.models import Stage


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


class TranscriptionStalled(TranscriptionFailed):
    """The transcription task stopped beating or ran out of time, after its retry (the ASL's
    TranscriptionStalled state raises it by name)."""


class AnalysisFailed(StageFailed):
    code = "ANALYSIS_FAILED"


class VisionFailed(StageFailed):
    """The vision task could not see the media: its frame capabilities fail, the job goes on."""

    code = "VISION_FAILED"


class MediaHasNoVideo(StageFailed):
    """A frame capability on media without a video track: that capability fails, not the job."""

    code = "MEDIA_HAS_NO_VIDEO"


class MediaHasNoSite(StageFailed):
    """A capability that reads the media's site (its comments) on an upload, which has none: that
    capability fails, uncharged, not the job."""

    code = "MEDIA_HAS_NO_SITE"


class TaskOutOfTime(StageFailed):
    """A container task ran out of the time budget its media's billed duration gave it
    (``catalog.time_budgets``): the worker stops itself and fails the task under this name, which
    no Retry lists, because the same input would run out again. Its public code is its stage's
    (TRANSCRIPTION_FAILED, VISION_FAILED), and so is what it fails: the job, or the frame
    capabilities alone."""


class ExtractionInvalid(AnalysisFailed):
    """The extract capability's entities do not validate against the client's schema, even
    repaired and asked again: that capability fails, not the job. Raised by its engine room under
    this name (``vidscope.text.extraction.ExtractionInvalid``), which imports nothing of the pipeline."""

    code = "EXTRACTION_INVALID"


class DownloadFormatUnsupported(AnalysisFailed):
    """The download's container cannot carry one of the media's codecs as is, and the download
    never transcodes (re-encoding costs far more than a download is paid): that capability fails,
    uncharged, not the job. Raised by its engine room under this name
    (``vidscope.editing.clips.DownloadFormatUnsupported``), which imports nothing of the pipeline."""

    code = "DOWNLOAD_FORMAT_UNSUPPORTED"


class TemplateHasNoVideo(AnalysisFailed):
    """The style template holds no picture to take a look from: that capability fails, uncharged.
    (A template without a video track is refused at ingestion with the same code.)"""

    code = "TEMPLATE_HAS_NO_VIDEO"


class TemplateIsSilent(AnalysisFailed):
    """The style template has no sound to take the loudness from, and the job's media has sound
    to bring to it: that capability fails, uncharged."""

    code = "TEMPLATE_IS_SILENT"


class RunsOnRenderFunction(Exception):
    """The analysis function was handed a capability that encodes video (``RunsIn.RENDER``): it
    refuses it at once under this name, and the ASL's Catch hands the item to the render function.
    Routing by a Catch costs a transition only for such a capability; a Choice in front of every
    analysis would cost one for each."""


class LanguagePairUnsupported(AnalysisFailed):
    """The translation engine cannot translate the media's language (known only after detection)
    into a target: that capability fails, uncharged, not the job. Raised by its engine room under
    this name (``vidscope.text.translators.LanguagePairUnsupported``), which imports nothing of the
    pipeline."""

    code = "LANGUAGE_PAIR_UNSUPPORTED"


class TransientStageError(Exception):
    """Worth retrying as it is (a throttled call, a dropped connection): the ASL retries it."""


class ReuseLost(Exception):
    """The job whose results this job was to reuse was deleted before they were copied: the ASL
    sends the job back to compute them (its Merge Catch, ComputeInstead)."""


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
        TranscriptionStalled,
        AnalysisFailed,
        VisionFailed,
        MediaHasNoVideo,
        MediaHasNoSite,
        ExtractionInvalid,
        DownloadFormatUnsupported,
        TemplateHasNoVideo,
        TemplateIsSilent,
        LanguagePairUnsupported,
        TaskOutOfTime,
    )
}


# The code of a failure that is none of our own, by the stage it stopped in.
_STAGE_FAILURE: dict[Stage, type[StageFailed]] = {
    Stage.INGESTION: DownloadFailed,
    Stage.TRANSCRIPTION: TranscriptionFailed,
    Stage.VISION: VisionFailed,
    Stage.ANALYSIS: AnalysisFailed,
    Stage.MERGING: StageFailed,
}
# Only the container tasks have a heartbeat and a time limit of their own.
_TIMEOUTS = ("States.HeartbeatTimeout", "States.Timeout")


def public_message(error: str, cause: str | None, stage: Stage | None) -> tuple[str, str]:
    """The (code, message) a client sees for a failure named ``error`` (a Catch's ``Error``: the
    exception's class name) in ``stage``. Only our own stage errors carry a message meant for
    clients; anything else is described, not quoted."""
    if error in STAGE_FAILURES:
        message = cause or ""
        with contextlib.suppress(ValueError, AttributeError):  # Lambda wraps it in JSON; the worker does not
            message = json.loads(message).get("errorMessage", message)
        failed = STAGE_FAILURES[error]
        if failed is TaskOutOfTime:  # any media stage's: named by the stage it stopped
            failed = VisionFailed if stage is Stage.VISION else TranscriptionFailed
        return failed.code, message or "the job failed"
    if error in _TIMEOUTS:
        if stage is Stage.VISION:
            return VisionFailed.code, "the vision worker stopped responding or ran out of time, twice"
        if stage is Stage.ANALYSIS:  # RunAnalysis's time budget (TimeoutSecondsPath): not retried
            return AnalysisFailed.code, "the analysis ran out of the time this media's length allows"
        return TranscriptionFailed.code, "the transcription worker stopped responding or ran out of time, twice"
    code = _STAGE_FAILURE[stage].code if stage is not None else StageFailed.code
    stage_name = stage.value if stage else "a"
    return code, f"an internal error stopped the job in its {stage_name} stage; no credits were charged"
