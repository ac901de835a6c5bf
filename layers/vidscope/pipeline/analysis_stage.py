"""The analysis stage: one capability computed through the registry from the stage outputs the
job's media stages made, its result staged for merging."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidscope.adapters.media_store import (
    MediaStore,
    analysis_key,
    artifact_ref,
    staged_key,
)
from vidscope.capabilities import REGISTRY, compute, needed, requirements
from vidscope.capabilities.base import FRAME_NEEDS, Capability, Inputs, Need, RunsIn
from vidscope.clock import Clock
from vidscope.fingerprints.index import FingerprintIndex, JobPrints
from vidscope.jobs.repository import JobsRepository
from vidscope.models import (
    Stage,
)
from vidscope.pipeline.errors import (
    AnalysisFailed,
    JobNotActive,
    MediaHasNoSite,
    MediaHasNoVideo,
    RunsOnRenderFunction,
    TransientStageError,
    VisionFailed,
    public_message,
)
from vidscope.pipeline.job_state import enter_stage
from vidscope.pipeline.messages import (
    AnalysisOutcome,
    AnalyzeEvent,
    JobRef,
    MergeEvent,
    SecondMediaRef,
)
from vidscope.text.comments import SiteComments
from vidscope.text.extraction import Extractor
from vidscope.text.summaries import ModelAnswerUnreadable, ModelThrottled, Summarizer
from vidscope.text.translators import Translator
from vidscope.transcripts import Transcript
from vidscope.vision.models import VisionOutput


def stage_inputs(
    capability: Capability[Any, Any],
    event: AnalyzeEvent | MergeEvent,
    media: MediaStore,
    summarizer: Summarizer | None = None,
    workdir: Path | None = None,
    extractor: Extractor | None = None,
    progress: Callable[[str, float], None] | None = None,
    fingerprints: JobPrints | None = None,
    translator: Translator | None = None,
) -> Inputs:
    """What ``capability`` reads of the stage outputs the job's media stages made; a frame
    capability without the vision stage's output fails alone, with the reason."""
    wanted = requirements(capability, event.options)
    if needed(capability) & FRAME_NEEDS and event.vision is None:
        failure = event.vision_failure
        if failure is not None:
            raise VisionFailed(public_message(failure.Error, failure.Cause, Stage.VISION)[1])
        raise MediaHasNoVideo(f"{capability.name} needs pictures, and the media has no video track")
    comments_key = event.media.comments_key
    if Need.SITE_COMMENTS in needed(capability) and comments_key is None:
        raise MediaHasNoSite(
            f"{capability.name} reads the site a media URL names, and an uploaded file has none; nothing was charged"
        )
    transcript = event.transcript if wanted & {Need.AUDIO, Need.TRANSCRIPT} else None
    vision = event.vision if wanted & FRAME_NEEDS else None
    return Inputs(
        duration_seconds=event.media.duration_seconds,
        has_video=event.media.has_video,
        transcript=Transcript.model_validate(media.get_json(transcript.transcript_key)) if transcript else None,
        vision=VisionOutput.model_validate(media.get_json(vision.vision_key)) if vision else None,
        summarizer=summarizer,
        extractor=extractor,
        fingerprints=fingerprints,
        translator=translator,
        media=_JobFiles(media, event, workdir) if Need.MEDIA in wanted and workdir is not None else None,
        site_comments=SiteComments.model_validate(media.get_json(comments_key))
        if Need.SITE_COMMENTS in wanted and comments_key is not None
        else None,
        second_media=_second_file(capability, event, media, workdir),
        progress=progress,
    )


def _second_file(
    capability: Capability[Any, Any], event: AnalyzeEvent | MergeEvent, media: MediaStore, workdir: Path | None
) -> _SecondFile | None:
    ref = event.media.second_media.get(capability.name)
    return _SecondFile(media, ref, workdir) if ref is not None and workdir is not None else None


class _SecondFile:
    """``SecondMediaFile``: a capability's second media, fetched into ``workdir`` on first use."""

    def __init__(self, media: MediaStore, ref: SecondMediaRef, workdir: Path) -> None:
        self._media, self._ref, self._workdir = media, ref, workdir
        self.duration_seconds, self.billed_seconds = ref.duration_seconds, ref.billed_seconds
        self.has_audio = ref.has_audio
        self._local: Path | None = None

    def fetch(self) -> Path:
        if self._local is None:
            local = self._workdir / "second" / Path(self._ref.media_key).name
            local.parent.mkdir(exist_ok=True)
            self._media.download_file(self._ref.media_key, local)
            self._local = local
        return self._local


class _JobFiles:
    """``MediaFiles`` for one analysis: the ingested file fetched once into ``workdir``, and the
    capability's files staged beside the stage outputs (merging keeps those a result refers to)."""

    def __init__(self, media: MediaStore, event: AnalyzeEvent | MergeEvent, workdir: Path) -> None:
        self._media, self._event, self._workdir = media, event, workdir
        self._local: Path | None = None

    def fetch(self) -> Path:
        if self._local is None:
            local = self._workdir / Path(self._event.media.media_key).name
            self._media.download_file(self._event.media.media_key, local)
            self._local = local
        return self._local

    def store(self, path: Path, name: str) -> str:
        self._media.put_file(staged_key(self._event.tenant_id, self._event.job_id, name), path)
        return artifact_ref(name)


def _staged_outputs(event: AnalyzeEvent) -> list[str]:
    """What deleting the job deletes, of what an analysis reads: the media always (so an analysis
    that read no stage output checks too), and the stage outputs the job made."""
    refs = [ref.transcript_key for ref in (event.transcript,) if ref]
    return [event.media.media_key, *refs, *(ref.vision_key for ref in (event.vision,) if ref)]


class StepReporter:
    """A render's steps (``Capability.steps``) recorded as the job's progress: each step as it
    begins, and its share done at most every INTERVAL_SECONDS (a write per progress call would
    cost a DynamoDB write every few frames). ``JobNotActive`` once the job was cancelled: the render stops."""

    INTERVAL_SECONDS = 0.5

    def __init__(self, repo: JobsRepository, ref: JobRef, steps: tuple[Stage, ...], clock: Clock) -> None:
        self._repo, self._ref, self._steps, self._clock = repo, ref, steps, clock
        self._last: tuple[Stage, float] | None = None

    def __call__(self, step: str, fraction: float) -> None:
        stage = next((s for s in self._steps if s.value == step), None)
        if stage is None:
            return
        now = time.monotonic()
        if self._last is not None and self._last[0] is stage and now - self._last[1] < self.INTERVAL_SECONDS:
            return
        self._last = (stage, now)
        enter_stage(self._repo, self._ref, stage, self._clock, fraction)


def analyze(
    event: AnalyzeEvent,
    *,
    media: MediaStore,
    summarizer: Summarizer,
    extractor: Extractor | None = None,
    runs_in: RunsIn = RunsIn.ANALYSIS,
    progress: Callable[[Capability[Any, Any]], Callable[[str, float], None] | None] | None = None,
    fingerprints: FingerprintIndex | None = None,
    translator: Translator | None = None,
) -> AnalysisOutcome:
    """Compute one capability of the analysis stage (through the registry) and stage its result;
    ``runs_in``: the function this is (the analysis or the render function), which computes only
    the capabilities declared to run in it; ``progress``: where the capability's steps are
    reported (the render function records them on the job)."""
    capability = REGISTRY.get(event.capability)
    if capability is not None and capability.runs_in is RunsIn.RENDER and runs_in is RunsIn.ANALYSIS:
        raise RunsOnRenderFunction(f"{capability.name} runs on the render function")
    if capability is None or capability.runs_in is not runs_in:
        raise AnalysisFailed(f"no {runs_in.value} analysis named {event.capability!r}")
    if event.capability in event.media.refused:
        return AnalysisOutcome(capability=event.capability)  # merging lists why; nothing to compute
    prints = JobPrints(fingerprints, event.tenant_id, event.job_id) if fingerprints is not None else None
    with tempfile.TemporaryDirectory(prefix="vidscope-analysis-") as workdir:
        try:
            reporter = progress(capability) if progress is not None else None
            inputs = stage_inputs(
                capability, event, media, summarizer, Path(workdir), extractor, reporter, prints, translator
            )
            result = compute(capability, inputs, event.options)
        except ModelThrottled as exc:
            raise TransientStageError(str(exc)) from exc
        except ModelAnswerUnreadable as exc:
            raise AnalysisFailed(str(exc)) from exc
    # The analyses may not read the job; the stage outputs they read are their state check
    # instead: deleting the job deletes them. What still lands in the moment between is staged
    # and expires.
    if not all(media.exists(key) for key in _staged_outputs(event)):
        if prints is not None:  # what it added to the tenant's index goes too: the deletion has swept it
            prints.forget()
        raise JobNotActive(f"job {event.job_id} was deleted while its {event.capability} analysis ran")
    key = analysis_key(event.tenant_id, event.job_id, event.capability)
    media.put_json(key, result)
    return AnalysisOutcome(capability=event.capability, result_key=key)
