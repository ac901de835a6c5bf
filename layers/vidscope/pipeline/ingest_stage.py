"""Ingestion, the workflow's first stage: start the job, download its media (and a capability's
second media) into S3, check it against the limits, price it on its real duration and hold that."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from vidscope import catalog
from vidscope.adapters.media_store import (
    MediaStore,
    media_key,
    upload_key,
)
from vidscope.capabilities import REGISTRY, refused
from vidscope.capabilities.base import Note, SecondMedia
from vidscope.clock import Clock, iso_ms
from vidscope.jobs import progress
from vidscope.jobs.plan import MEDIA_STAGES, plan_for
from vidscope.jobs.repository import JobRecord, JobsRepository, TransitionRefused
from vidscope.models import (
    JobStatus,
    MediaInfo,
    Stage,
)
from vidscope.pipeline.content import content_hash, reusable_source
from vidscope.pipeline.errors import (
    BalanceTooLow,
    DownloadFailed,
    MediaTooLong,
    MediaUnsupported,
    TransientStageError,
)
from vidscope.pipeline.ingestion import DownloadedMedia, Downloader
from vidscope.pipeline.job_state import HOLD_RETRIES, active_job, enter_stage
from vidscope.pipeline.messages import (
    IngestedMedia,
    IngestEvent,
    JobRef,
    SecondMediaRef,
    TimeBudgets,
)
from vidscope.tenancy import credits
from vidscope.text.comments import SiteComments


def ingest(
    ref: IngestEvent, *, repo: JobsRepository, media: MediaStore, downloader: Downloader, clock: Clock
) -> IngestedMedia:
    """Start the job, download its media into S3 and check it against the limits."""
    job = active_job(repo, ref)
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
        unheld = _hold_second_media(repo, ref, clock, prices, seconds)
        seconds = {name: second for name, second in seconds.items() if name not in unheld}
        second_refusals = {**second_refusals, **unheld}
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
        active_job(repo, ref)  # a retry already started it (fine) or it was cancelled (stop)


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
    repo: JobsRepository, ref: JobRef, clock: Clock, prices: dict[str, int], seconds: dict[str, SecondMediaRef]
) -> dict[str, Note]:
    """Each capability priced on its second media too: the hold covers both before any stage
    runs. A balance that covers the job's own media but not the second media too refuses the
    capabilities that read one (``INSUFFICIENT_CREDITS``, each alone and uncharged), and the
    others run on the hold already taken: the template's price is no reason to lose the rest.
    Returns those refused (none when the hold was taken)."""
    try:
        hold_price(repo, ref, sum(with_second_media(prices, seconds).values()), clock)
    except BalanceTooLow:
        return {
            name: Note(
                code="INSUFFICIENT_CREDITS",
                message=(
                    f"pricing its second media too ({second.billed_seconds:.0f} billed seconds) is more than the "
                    "balance can hold; it was not run and nothing is charged for it"
                ),
            )
            for name, second in seconds.items()
        }
    return {}


def with_second_media(prices: dict[str, int], seconds: dict[str, SecondMediaRef]) -> dict[str, int]:
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
    for _ in range(HOLD_RETRIES):
        job = active_job(repo, ref)  # JobNotActive once it ended
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
