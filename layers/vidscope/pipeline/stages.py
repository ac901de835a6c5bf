"""The workflow's stages as domain operations: what each Lambda of the state machine does to
the job, its media and its credits. Handlers parse the event and call one of these."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from vidscope import catalog
from vidscope.adapters.media_store import (
    MediaStore,
    analysis_key,
    artifact_ref,
    media_key,
    result_key,
    staged_key,
    upload_key,
)
from vidscope.capabilities import REGISTRY, compute, needed, refused, requirements
from vidscope.capabilities.base import FRAME_NEEDS, Capability, Inputs, Need, Note, RunsIn, SecondMedia
from vidscope.clock import Clock, iso_ms
from vidscope.fingerprints.index import FingerprintIndex, JobPrints
from vidscope.jobs import progress
from vidscope.jobs.plan import MEDIA_STAGES, plan_for
from vidscope.jobs.repository import JobRecord, JobsRepository, TransitionRefused, content_record
from vidscope.log import logger
from vidscope.models import (
    CANCELLABLE_STATUSES,
    CapabilityError,
    CapabilityNote,
    JobError,
    JobStatus,
    MediaInfo,
    Stage,
)
from vidscope.pipeline.content import content_hash, reusable_source
from vidscope.pipeline.errors import (
    STAGE_FAILURES,
    AnalysisFailed,
    BalanceTooLow,
    DownloadFailed,
    JobNotActive,
    MediaHasNoSite,
    MediaHasNoVideo,
    MediaTooLong,
    MediaUnsupported,
    ReuseLost,
    RunsOnRenderFunction,
    TransientStageError,
    VisionFailed,
    public_message,
)
from vidscope.pipeline.ingestion import DownloadedMedia, Downloader
from vidscope.pipeline.messages import (
    AnalysisOutcome,
    AnalyzeEvent,
    Failure,
    IngestedMedia,
    IngestEvent,
    JobRef,
    MergeEvent,
    SecondMediaRef,
    TimeBudgets,
)
from vidscope.tenancy import credits, failed_compute
from vidscope.text.comments import SiteComments
from vidscope.text.extraction import Extractor
from vidscope.text.summaries import ModelAnswerUnreadable, ModelThrottled, Summarizer
from vidscope.text.translators import Translator
from vidscope.transcripts import Transcript
from vidscope.vision.models import VisionOutput


def _active_job(repo: JobsRepository, ref: JobRef, job: JobRecord | None = None) -> JobRecord:
    """The job (read now unless given), or ``JobNotActive`` once it has ended."""
    job = job if job is not None else repo.get(ref.tenant_id, ref.job_id)
    if job is None or job.status not in CANCELLABLE_STATUSES:
        raise JobNotActive(f"job {ref.job_id} is {job.status if job else 'gone'}")
    return job


def check_active(repo: JobsRepository, ref: JobRef) -> None:
    """``JobNotActive`` once the job was cancelled or deleted: a stage asks right before it
    writes what it made, so a cancelled job's stage does not store results for it."""
    _active_job(repo, ref)


def enter_stage(
    repo: JobsRepository, ref: JobRef, stage: Stage, clock: Clock, fraction: float = 0.0, **fields: Any
) -> None:
    """Record progress; ``JobNotActive`` once the job was cancelled, so the stage stops."""
    try:
        repo.update_progress(ref.tenant_id, ref.job_id, progress.at(stage, fraction, ref.stages), clock(), **fields)
    except TransitionRefused as exc:
        raise JobNotActive(f"job {ref.job_id} is no longer processing") from exc


def ingest(
    ref: IngestEvent, *, repo: JobsRepository, media: MediaStore, downloader: Downloader, clock: Clock
) -> IngestedMedia:
    """Start the job, download its media into S3 and check it against the limits."""
    job = _active_job(repo, ref)
    _start(job, ref, repo=repo, clock=clock)

    def billable(duration_seconds: float) -> list[str]:
        """The capabilities that can run on media this long: the others are refused, uncharged."""
        refusals = refused(job.capabilities, job.options, duration_seconds)
        return [name for name in job.capabilities if name not in refusals]

    def price(duration_seconds: float | None) -> None:
        if duration_seconds is not None:  # what the site claims: refuses early, before the download
            hold_price(repo, ref, catalog.credits_for(billable(duration_seconds), duration_seconds), clock)

    with tempfile.TemporaryDirectory(prefix="vidscope-ingest-") as tmp:
        downloaded = _fetch(job, ref, media, downloader, Path(tmp), price)
        duration, billed = round(downloaded.duration_seconds, 3), round(downloaded.billed_seconds, 3)
        # On what was decoded (its pictures weighted by their pixel rate), and on the file's size (a
        # capability that stores it is priced by it too); what can run is judged on the duration.
        hold_price(repo, ref, catalog.credits_for(billable(duration), billed, downloaded.size_bytes), clock)
        key = media_key(ref.tenant_id, ref.job_id, downloaded.path.suffix)
        media.put_file(key, downloaded.path)
        comments_key = _stage_comments(media, ref, downloaded.comments)
        runnable = billable(duration)
        seconds, second_refusals = _second_media(job, ref, runnable, media=media, downloader=downloader, tmp=tmp)
        prices = catalog.cost_breakdown(
            [n for n in runnable if n not in second_refusals], billed, downloaded.size_bytes
        )
        _hold_second_media(repo, ref, clock, prices, seconds, second_refusals)
        content = content_hash(downloaded.path)
    ingested = _ingested(
        ref,
        job,
        downloaded,
        key,
        content,
        comments_key=comments_key,
        second_media=seconds,
        second_refusals=second_refusals,
    )
    enter_stage(
        repo,
        ref,
        Stage.INGESTION,
        clock,
        1.0,
        media_duration_seconds=ingested.duration_seconds,
        media=MediaInfo(
            duration_seconds=ingested.duration_seconds,
            billed_seconds=ingested.billed_seconds,
            has_audio=downloaded.has_audio,
            has_video=downloaded.has_video,
            title=downloaded.title,
            width=downloaded.width,
            height=downloaded.height,
        ).model_dump(mode="json"),
        content_hash=content,
    )
    return _reusing(repo, job, ingested) if job.reuse else ingested


def _ingested(
    ref: IngestEvent,
    job: JobRecord,
    downloaded: DownloadedMedia,
    key: str,
    content: str,
    *,
    comments_key: str | None,
    second_media: dict[str, SecondMediaRef],
    second_refusals: dict[str, Note],
) -> IngestedMedia:
    """What ingestion hands the rest of the workflow about the media it stored under ``key``."""
    duration, billed = round(downloaded.duration_seconds, 3), round(downloaded.billed_seconds, 3)
    return IngestedMedia(
        media_key=key,
        duration_seconds=duration,
        billed_seconds=billed,
        size_bytes=downloaded.size_bytes,
        title=downloaded.title,
        has_audio=downloaded.has_audio,
        has_video=downloaded.has_video,
        # Without pictures there is nothing to see: the frame capabilities fail alone at analysis
        # (MEDIA_HAS_NO_VIDEO) and the rest of the job goes on.
        media_stages=[s for s in MEDIA_STAGES if s in ref.stages and (s is not Stage.VISION or downloaded.has_video)],
        refused=refused(job.capabilities, job.options, duration) | second_refusals,
        time_budgets=_time_budgets(ref, billed, max((m.billed_seconds for m in second_media.values()), default=0.0)),
        second_media=second_media,
        comments_key=comments_key,
        analyses=ref.analyses,
        content_hash=content,
    )


def _reusing(repo: JobsRepository, job: JobRecord, ingested: IngestedMedia) -> IngestedMedia:
    """The ingested media with no stage and no analysis to run when a completed job of the tenant
    on the same content computed every capability asked with the same options (DESIGN §3b,
    Reuse): merging copies its results. The plan's own stages stay in ``fallback``, which the ASL
    runs instead if that job is deleted before merging copied them."""
    if ingested.content_hash is None or ingested.refused:
        return ingested
    if not all(REGISTRY[name].reusable for name in job.capabilities):
        return ingested
    sources = repo.content_sources(job.tenant_id, ingested.content_hash)
    source = reusable_source([s for s in sources if s.get("job_id") != job.job_id], job.capabilities, job.options)
    if source is None:
        return ingested
    return ingested.model_copy(update={"media_stages": [], "analyses": [], "reused_from": source, "fallback": ingested})


def _fetch(
    job: JobRecord,
    ref: IngestEvent,
    media: MediaStore,
    downloader: Downloader,
    tmp: Path,
    price: Callable[[float | None], None],
) -> DownloadedMedia:
    """The job's media in ``tmp``, checked: the client's upload, or the URL's download (``price``
    told the site's claimed duration first), with the site's comments when the plan reads them."""
    if job.upload_id is not None:  # the client's file, checked at creation: only its contents now
        key = upload_key(ref.tenant_id, job.upload_id)
        # Its URL may still take a new file after the check: the size is read again before a
        # byte is fetched, so an oversize swap is refused rather than filling the disk.
        size = media.object_size(key)
        if size is None:
            raise DownloadFailed("the uploaded file is gone (uploads expire a day after they are made)")
        downloader.check_size(size)
        source = tmp / "upload"
        media.download_file(key, source)
        return downloader.checked(source, None, reads_video=ref.video)
    if job.url is not None:
        # How many comments: the plan's, from the job's options, as data.
        wanted = plan_for(job.capabilities, job.options).comments
        return downloader.download(job.url, tmp, on_probe=price, video=ref.video, comments=wanted)
    raise MediaUnsupported("the job names neither a URL nor an upload")


def _stage_comments(media: MediaStore, ref: JobRef, comments: SiteComments | None) -> str | None:
    """Where the site's comments ingestion read are kept for the analyses (None: none read):
    beside the download, the only objects ingestion (the parser of hostile input) may write, and
    which the analysis step reads (a capability that needs them runs there)."""
    if comments is None:
        return None
    key = media_key(ref.tenant_id, ref.job_id, "-comments.json")
    media.put_json(key, comments.model_dump(mode="json"))
    return key


def _start(job: JobRecord, ref: IngestEvent, *, repo: JobsRepository, clock: Clock) -> None:
    """The job pending -> processing (once: a retried ingestion finds it started)."""
    if job.status is not JobStatus.PENDING:
        return
    now = clock()
    try:
        repo.transition(
            job,
            to_status=JobStatus.PROCESSING,
            allowed_from=frozenset({JobStatus.PENDING}),
            now=now,
            set_fields={
                "started_at": iso_ms(now),
                "progress": progress.at(Stage.INGESTION, 0.0, ref.stages).model_dump(mode="json"),
            },
        )
    except TransitionRefused:
        _active_job(repo, ref)  # a retry already started it (fine) or it was cancelled (stop)


def _second_media(
    job: JobRecord, ref: IngestEvent, capabilities: list[str], *, media: MediaStore, downloader: Downloader, tmp: str
) -> tuple[dict[str, SecondMediaRef], dict[str, Note]]:
    """The second media each of ``capabilities`` names (``Capability.second_media``), fetched and
    checked as the job's own is and stored beside it; and the capabilities whose second media could
    not be used, with why (each fails alone, uncharged)."""
    fetched: dict[str, SecondMediaRef] = {}
    refusals: dict[str, Note] = {}
    for name in capabilities:
        wanted = REGISTRY[name].second_media_of(job.options.get(name))
        if wanted is None:
            continue
        folder = Path(tmp) / f"second-{name}"
        folder.mkdir()
        try:
            got = _fetch_second(wanted, ref.tenant_id, job.uploads, media=media, downloader=downloader, folder=folder)
        except (DownloadFailed, MediaTooLong, MediaUnsupported, SecondMediaRefused) as exc:
            refusals[name] = _second_media_note(wanted, exc)
            continue
        key = media_key(ref.tenant_id, ref.job_id, f"-{name}-{wanted.role}{got.path.suffix}")
        media.put_file(key, got.path)
        fetched[name] = SecondMediaRef(
            media_key=key,
            duration_seconds=round(got.duration_seconds, 3),
            billed_seconds=round(got.billed_seconds, 3),
            size_bytes=got.size_bytes,
            has_audio=got.has_audio,
            has_video=got.has_video,
        )
    return fetched, refusals


class SecondMediaRefused(Exception):
    """A second media that was fetched but cannot serve its capability (no pictures), or is not there."""

    def __init__(self, suffix: str, message: str) -> None:
        super().__init__(message)
        self.suffix = suffix


def _fetch_second(
    wanted: SecondMedia,
    tenant_id: str,
    consumed: Sequence[str],
    *,
    media: MediaStore,
    downloader: Downloader,
    folder: Path,
) -> DownloadedMedia:
    """A second media through the job media's own path: an upload the job ``consumed`` when it
    was created (read from the tenant's own uploads only, so another tenant's is not found, and
    one another job used or that had expired was not consumed), or a URL through the egress
    guard; then the same limits and inspection."""
    if wanted.upload_id is not None:
        key = upload_key(tenant_id, wanted.upload_id)
        size = media.object_size(key) if wanted.upload_id in consumed else None
        if size is None:
            raise SecondMediaRefused(
                "NOT_FOUND",
                f"no unused upload {wanted.upload_id} of this account was found when the job was created "
                "(an upload makes one job, and expires a day after it is made)",
            )
        downloader.check_size(size)
        local = folder / "upload"
        media.download_file(key, local)
        got = downloader.checked(local, None, reads_video=wanted.needs_video)
    elif wanted.url is not None:
        got = downloader.download(wanted.url, folder, video=wanted.needs_video)
    else:
        raise SecondMediaRefused("NOT_FOUND", "neither a URL nor an upload was given")
    if wanted.needs_video and not got.has_video:
        raise SecondMediaRefused("HAS_NO_VIDEO", "it has no video track (sound alone)")
    return got


_SECOND_MEDIA_CODES: dict[type[Exception], str] = {
    DownloadFailed: "UNREACHABLE",
    MediaTooLong: "TOO_LONG",
    MediaUnsupported: "UNSUPPORTED",
}


def _second_media_note(wanted: SecondMedia, exc: Exception) -> Note:
    suffix = exc.suffix if isinstance(exc, SecondMediaRefused) else _SECOND_MEDIA_CODES[type(exc)]
    return Note(code=f"{wanted.code_prefix}_{suffix}", message=f"the {wanted.role}: {exc}")


def _hold_second_media(
    repo: JobsRepository,
    ref: JobRef,
    clock: Clock,
    prices: dict[str, int],
    seconds: dict[str, SecondMediaRef],
    refusals: dict[str, Note],
) -> None:
    """Each capability priced on its second media too: the hold covers both before any stage
    runs. A balance that covers the job's own media but not the second media too refuses the
    capabilities that read one (``INSUFFICIENT_CREDITS``, each alone and uncharged), and the
    others run on the hold already taken: the template's price is no reason to lose the rest."""
    try:
        hold_price(repo, ref, sum(_with_second_media(prices, seconds).values()), clock)
    except BalanceTooLow:
        for name in list(seconds):
            second = seconds.pop(name)
            refusals[name] = Note(
                code="INSUFFICIENT_CREDITS",
                message=(
                    f"pricing its second media too ({second.billed_seconds:.0f} billed seconds) is more than the "
                    "balance can hold; it was not run and nothing is charged for it"
                ),
            )


def _with_second_media(prices: dict[str, int], seconds: dict[str, SecondMediaRef]) -> dict[str, int]:
    """``prices`` with each capability's price on its second media added (its own billed seconds
    and size, at the capability's rate)."""
    priced = dict(prices)
    for name, ref in seconds.items():
        if name in priced:
            priced[name] += catalog.cost_breakdown([name], ref.billed_seconds, ref.size_bytes)[name]
    return priced


def _time_budgets(ref: IngestEvent, duration_seconds: float, second_media_seconds: float) -> TimeBudgets:
    """What each stage may take on media of this billed duration, under the configured ceilings."""
    config = ref.config
    return TimeBudgets.model_validate(
        catalog.time_budgets(
            duration_seconds,
            transcription_ceiling=config.transcription_timeout_seconds,
            vision_ceiling=config.vision_timeout_seconds,
            heartbeat_seconds=config.heartbeat_seconds,
            second_media_seconds=second_media_seconds,
        )
    )


def hold_price(repo: JobsRepository, ref: JobRef, price: int, clock: Clock) -> None:
    """Raise the job's hold to ``price`` (it only ever grows), taking the difference from the
    balance; ``BalanceTooLow`` when the balance cannot cover it: the job then fails and its hold
    comes back, so nothing is charged."""
    for _ in range(_HOLD_RETRIES):
        job = _active_job(repo, ref)  # JobNotActive once it ended
        if price <= job.credits_held:
            return
        try:
            repo.raise_hold(job, price, clock())
            return
        except credits.BalanceShort as exc:
            raise BalanceTooLow(
                f"this media's price is {price} credits, more than the balance can hold; nothing was charged"
            ) from exc
        except TransitionRefused:
            continue  # ended, or an overlapping retry raised the hold first: read it again
    raise TransientStageError(f"job {ref.job_id}'s hold kept changing while it was priced")


# Reads and conditional writes of a job whose hold another writer may change meanwhile.
_HOLD_RETRIES = 3


def _inputs(
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
            inputs = _inputs(
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


def merge(event: MergeEvent, *, repo: JobsRepository, media: MediaStore, clock: Clock) -> JobRecord:
    """Assemble the results, charge for what succeeded on the real duration, complete the job."""
    job = repo.get(event.tenant_id, event.job_id)
    if job is not None and job.status is JobStatus.COMPLETED:
        return job  # a retried merge after its write succeeded
    job = _active_job(repo, event, job)
    reused = event.media.reused_from
    # Reused results are copied before the job shows it merges: when their job is gone, the job
    # goes back to its media stages (ComputeInstead), and progress never moves back.
    copied = _reused_results(job, reused, repo, media) if reused else None
    enter_stage(repo, event, Stage.MERGING, clock)
    results, errors = copied if copied is not None else _gather_results(job, event, media)
    results = _naming_readable_jobs(results, job, repo)
    notes = _notes_on_empty_results(results, event)
    # Only merging writes what outlives the media (under ``tenants/``): asked right before.
    check_active(repo, event)
    if not reused:  # reused results' files were copied from their job's with them
        media.keep_artifacts(event.tenant_id, event.job_id, results)
    for name, result in results.items():
        media.put_json(result_key(event.tenant_id, event.job_id, name), result)
    # A capability that failed is not charged; reused results are not computed, only ingested.
    charged = [c for c in job.capabilities if c in results]
    breakdown = (
        catalog.reuse_breakdown(event.media.billed_seconds)
        if reused
        else _with_second_media(
            catalog.cost_breakdown(charged, event.media.billed_seconds, event.media.size_bytes),
            event.media.second_media,
        )
    )
    charge = min(sum(breakdown.values()), job.credits_held)
    now = clock()
    try:
        return repo.transition(
            job,
            to_status=JobStatus.COMPLETED,
            allowed_from=frozenset({JobStatus.PROCESSING}),
            now=now,
            extra_items=[
                *credits.release(
                    repo.table_name, job.tenant_id, job.job_id, job.credits_held - charge, "remainder", now
                ),
                # The frame capabilities failed uncharged: what their vision task ran counts against the tenant.
                *failed_compute.spend(repo.table_name, job.tenant_id, _vision_failed_seconds(event), now),
                # What it computed, found by its content: a later job on the same content reuses it.
                *_content_record(repo, job, event.media.content_hash, charged),
            ],
            set_fields={
                **({"reused_from": reused} if reused else {}),
                "credits_charged": charge,
                "cost_breakdown": breakdown,
                "result_capabilities": list(results),
                "result_lists": {n: REGISTRY[n].paged for n in results if REGISTRY[n].paged is not None},
                "media_duration_seconds": event.media.duration_seconds,
                **({"capability_errors": [e.model_dump(mode="json") for e in errors]} if errors else {}),
                **({"notes": [n.model_dump(mode="json") for n in notes]} if notes else {}),
            },
        )
    except TransitionRefused as exc:  # cancelled while merging: the cancel refunded the hold
        _remove_unclaimed_results(repo, media, event)
        raise JobNotActive(f"job {job.job_id} ended while merging") from exc


# Jobs whose results cannot be read: a result's list does not point to them.
_WITHOUT_RESULTS = frozenset({JobStatus.FAILED, JobStatus.CANCELLED})


def _naming_readable_jobs(results: dict[str, Any], job: JobRecord, repo: JobsRepository) -> dict[str, Any]:
    """The results, each list that names jobs (``Capability.names_jobs``) kept to the jobs whose
    results can be read now: one that failed, was cancelled or is gone since is left out."""
    naming = {name: REGISTRY[name] for name in results if name in REGISTRY and REGISTRY[name].names_jobs}
    named = {item["job_id"] for name, c in naming.items() for item in c.items(results[name]) or ()}
    if not named:
        return results
    readable = {j.job_id for j in repo.get_many(job.tenant_id, sorted(named)) if j.status not in _WITHOUT_RESULTS}
    return {
        name: c.with_items(result, [i for i in c.items(result) or () if i["job_id"] in readable])
        if (c := naming.get(name)) is not None
        else result
        for name, result in results.items()
    }


def _reused_results(
    job: JobRecord, source_id: str, repo: JobsRepository, media: MediaStore
) -> tuple[dict[str, Any], list[CapabilityError]]:
    """The results of ``source_id`` (copied, with their files, under this job), asked again now
    that they are copied: ``ReuseLost`` when that job is gone or going (deleted meanwhile), and
    then the copies go too and the ASL computes the results instead. A job deleted once this
    check passed was still a job when its results were copied."""
    results = media.reuse_results(job.tenant_id, source_id, job.job_id, job.capabilities)
    source = repo.get(job.tenant_id, source_id)
    if results is None or source is None or source.status is not JobStatus.COMPLETED:
        media.delete_job_results(job.tenant_id, job.job_id)
        raise ReuseLost(f"job {source_id}, whose results {job.job_id} was to reuse, was deleted")
    return results, []


def _content_record(repo: JobsRepository, job: JobRecord, content: str | None, computed: list[str]) -> list[Any]:
    return [content_record(repo.table_name, job, content, computed)] if content and computed else []


def _gather_results(
    job: JobRecord, event: MergeEvent, media: MediaStore
) -> tuple[dict[str, Any], list[CapabilityError]]:
    """The analyses' stored results and the results computed while merging, by capability; and
    each capability that failed or was refused, with why."""
    results: dict[str, Any] = {}
    errors = [
        CapabilityError(capability=name, code=note.code, message=note.message)
        for name, note in event.media.refused.items()
    ]
    for outcome in event.analysis:
        if outcome.capability in event.media.refused:
            continue
        if outcome.result_key is not None:
            results[outcome.capability] = media.get_json(outcome.result_key)
        else:
            errors.append(_capability_error(outcome.capability, outcome.failure or Failure()))
    for name in job.capabilities:
        capability = REGISTRY[name]
        if capability.runs_in is not RunsIn.MERGING or name in event.media.refused:
            continue
        try:
            results[name] = compute(capability, _inputs(capability, event, media), event.options)
        except (MediaHasNoVideo, MediaHasNoSite, VisionFailed) as exc:
            errors.append(CapabilityError(capability=name, code=exc.code, message=str(exc)))
    # A capability asked for with neither a result nor an error would vanish from the job unseen.
    answered = set(results) | {e.capability for e in errors}
    errors += [
        CapabilityError(capability=name, code=AnalysisFailed.code, message=f"The {name} analysis returned no result.")
        for name in job.capabilities
        if name not in answered
    ]
    return results, errors


def _notes_on_empty_results(results: dict[str, Any], event: MergeEvent) -> list[CapabilityNote]:
    """Why each empty result is empty, as its capability declares."""
    notes = []
    for name, result in results.items():
        capability = REGISTRY[name]
        note = capability.empty_note(event.options.get(name), event.media.duration_seconds)
        if note is not None and capability.is_empty(result):
            notes.append(CapabilityNote(capability=name, code=note.code, message=note.message))
    return notes


def _remove_unclaimed_results(repo: JobsRepository, media: MediaStore, ref: JobRef) -> None:
    """The job ended (cancelled, perhaps deleted too) between the check and the write: what was
    just written under ``tenants/`` belongs to no job, and no lifecycle rule would expire it.
    ``jobs.delete_job`` sweeps again after deleting the job item, so either that sweep or this
    one, which runs after the write, finds every object."""
    current = repo.get(ref.tenant_id, ref.job_id)
    if current is not None and current.status is JobStatus.COMPLETED:
        return  # a retried merge completed it: the results are its own
    try:
        media.delete_job_results(ref.tenant_id, ref.job_id)
    except Exception:  # the stage fails anyway; an orphan is worth an alarm, not a new error
        logger.exception("could not remove the results of a job that ended while merging")


# The codes a capability fails with alone: its input missing, or one of its analysis's own kinds of
# failure (EXTRACTION_INVALID, DOWNLOAD_FORMAT_UNSUPPORTED); anything else is its analysis failing.
_CAPABILITY_CODES = frozenset(
    {
        MediaHasNoVideo.code,
        MediaHasNoSite.code,
        VisionFailed.code,
        *(c.code for c in STAGE_FAILURES.values() if issubclass(c, AnalysisFailed)),
    }
)


def _capability_error(capability: str, failure: Failure) -> CapabilityError:
    code, message = public_message(failure.Error, failure.Cause, Stage.ANALYSIS)
    if code not in _CAPABILITY_CODES:
        code = AnalysisFailed.code
    return CapabilityError(capability=capability, code=code, message=message)


def fail(ref: JobRef, failure: Failure, *, repo: JobsRepository, clock: Clock) -> JobError:
    """Mark the job failed with a public code and refund its hold. A job that already ended
    (cancelled meanwhile) keeps its state: a job reaches exactly one terminal state."""
    job = repo.get(ref.tenant_id, ref.job_id)
    stage = job.progress.stage if job is not None and job.progress is not None else None
    code, message = public_message(failure.Error, failure.Cause, stage)
    error = JobError(code=code, message=message)
    for _ in range(_HOLD_RETRIES):
        if job is None or job.status not in CANCELLABLE_STATUSES:
            return error  # cancelled meanwhile (or already failed): that state stands
        now = clock()
        try:
            repo.transition(
                job,
                to_status=JobStatus.FAILED,
                allowed_from=CANCELLABLE_STATUSES,
                now=now,
                extra_items=[
                    *credits.release(repo.table_name, job.tenant_id, job.job_id, job.credits_held, "refund", now),
                    # Refunded, so not charged: what it ran counts against the tenant's failed compute instead.
                    *failed_compute.spend(repo.table_name, job.tenant_id, _seconds_since_start(job, now), now),
                ],
                set_fields={"error": error.model_dump(mode="json"), "credits_charged": 0},
            )
            return error
        except TransitionRefused:
            job = repo.get(ref.tenant_id, ref.job_id)  # ended, or its hold changed: read it again
    raise TransientStageError(f"job {ref.job_id} kept changing while it was failed")


def _seconds_since_start(job: JobRecord, now: datetime) -> float:
    """How long a job's stages have run: from ingestion's start (none before it started)."""
    if job.started_at is None:
        return 0.0
    return max(0.0, (now - datetime.fromisoformat(job.started_at)).total_seconds())


def _vision_failed_seconds(event: MergeEvent) -> float:
    failed = event.vision_failed
    return failed.seconds if failed is not None else 0.0
