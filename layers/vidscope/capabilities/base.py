"""What a capability declares (DESIGN §3b): its name, price, what it needs, its options and
result models and the code that computes it. Everything else reads these declarations: API
validation and OpenAPI, pricing, the stage plan, the workflow's routing, the analysis function's
grants, merging and the CLI's rendering."""

from __future__ import annotations

import importlib
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from vidscope import paged_lists
from vidscope.access import Access
from vidscope.adapters.media_store import artifact_ref
from vidscope.job_stages import Stage

if TYPE_CHECKING:
    # What a compute reads, typed for it: the stages' output models are the analyses' to load,
    # not create_job's (DESIGN §9), and these engines' modules load numpy or a model runtime.
    from vidscope.fingerprints.index import JobPrints
    from vidscope.text.comments import SiteComments
    from vidscope.text.extraction import Extractor
    from vidscope.text.summaries import Summarizer
    from vidscope.text.translators import Translator
    from vidscope.transcripts import Transcript
    from vidscope.vision.frame_hashes import FrameHashes
    from vidscope.vision.models import ScreenText, VisionOutput


class Need(StrEnum):
    """What a capability reads, each made by a stage of the workflow."""

    AUDIO = "audio"  # the media's speech: the transcription stage runs
    TRANSCRIPT = "transcript"  # its text, segments, words and language (the transcription stage)
    FRAMES = "frames"  # the decoded pictures: the vision stage runs (a video track is required)
    SHOTS = "shots"  # shot boundaries and a keyframe per shot (the vision stage)
    ON_SCREEN_TEXT = "on_screen_text"  # text read on screen (the vision stage)
    FRAME_HASHES = "frame_hashes"  # perceptual hashes of the pictures at a fixed rate (the vision stage)
    MEDIA = "media"  # the ingested file itself, to cut or re-package (ingestion stored it)
    VIDEO_FILE = "video_file"  # that file with its pictures: ingestion downloads video, not sound alone
    # The comments the media's site shows (ingestion asks yt-dlp for them): a URL's, never an upload's.
    SITE_COMMENTS = "site_comments"


@dataclass(frozen=True)
class ResultOf:
    """Another capability's result: the plan makes what that capability needs, and the compute
    reads its result with ``Inputs.result``. Only a capability computed while merging (a cheap
    reshaping of a stage's output) can be read so: it is computed again where it is read, since
    the analyses of one job run side by side, in no order."""

    capability: str


Requirement = Need | ResultOf

# The stage that makes each need: a capability whose needs have no stage cannot be registered.
PRODUCED_BY: Mapping[Need, str] = {
    Need.AUDIO: "transcription",
    Need.TRANSCRIPT: "transcription",
    Need.FRAMES: "vision",
    Need.SHOTS: "vision",
    Need.ON_SCREEN_TEXT: "vision",
    Need.FRAME_HASHES: "vision",
    Need.MEDIA: "ingestion",
    Need.VIDEO_FILE: "ingestion",
    Need.SITE_COMMENTS: "ingestion",
}
# What ingestion downloaded (the media file, the site's comments): only the analysis step may read
# it (its function holds the grant), never merging.
DOWNLOADED: frozenset[Need] = frozenset({Need.MEDIA, Need.VIDEO_FILE, Need.SITE_COMMENTS})
# What only the vision stage makes: a capability that needs one fails on media without a video
# track (MEDIA_HAS_NO_VIDEO); one that merely uses one does without.
FRAME_NEEDS: frozenset[Need] = frozenset(need for need, stage in PRODUCED_BY.items() if stage == "vision")


class RunsIn(StrEnum):
    """Which stage computes the capability."""

    # One iteration of the analysis stage's Map: the analysis function runs it (its own Lambda
    # invocation, in parallel with the job's other analyses).
    ANALYSIS = "analysis"
    # While merging: a reshaping of a stage's output too cheap to deserve its own invocation
    # (and the state transitions it bills).
    MERGING = "merging"
    # One iteration of the analysis stage's Map on the render function: the analysis function's
    # code with the CPUs and the time to encode video (a 10-minute 720p render), so the analyses
    # that only read keep the small function.
    RENDER = "render"


class Options(BaseModel):
    """Base of every options model: an unknown option is refused (400 with its path), and so is a
    value of the wrong JSON type (``"480"`` for a number): strict, as the document types them."""

    # Built on first validation: only create_job and the stage that computes it ever validate
    # them, and every capability's are defined when the registry loads (DESIGN §9).
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class NoOptions(Options):
    """A capability without options."""


class Note(BaseModel):
    """Why a result is empty, or why a capability was refused before any work: a code a program
    can branch on and a sentence a person can act on."""

    # Built on first use: ingestion, the analyses and merging make notes, creating a job never does.
    model_config = ConfigDict(defer_build=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    message: str


class MediaFiles(Protocol):
    """The job's ingested file, and where a capability's own files go (clips, downloads)."""

    def fetch(self) -> Path:
        """The ingested media as a local file (fetched once per invocation)."""
        ...

    def store(self, path: Path, name: str) -> str:
        """Stage ``path`` as the job's file ``name`` (e.g. ``shorts/clip_1.mp4``); returns the
        artifact reference a result stores (a URL is minted on each read)."""
        ...


@dataclass(frozen=True)
class SecondMedia:
    """A second media file a capability reads beside the job's own (a style's template), named by
    its options: a URL, fetched through the job's egress guard and limits, or an upload of the
    job's tenant. Ingestion fetches and inspects it as it does the job's media, stores it beside
    it and prices the capability on both; what goes wrong with it fails that capability alone,
    uncharged, with a code that starts with ``role`` in capitals (TEMPLATE_NOT_FOUND)."""

    role: str  # what it is to the capability ("template"): its codes and messages name it
    url: str | None = None
    upload_id: str | None = None
    needs_video: bool = True  # pictures required (ROLE_HAS_NO_VIDEO otherwise)

    @property
    def code_prefix(self) -> str:
        return self.role.upper()


class SecondMediaFile(Protocol):
    """The second media as the compute reads it: fetched on first use, with what ingestion
    measured (its decoded duration and what it is billed for)."""

    duration_seconds: float
    billed_seconds: float
    has_audio: bool

    def fetch(self) -> Path: ...


class MissingInput(Exception):
    """A compute read an input its capability did not declare (a bug in the declaration): the
    registry hands every declared need, so a compute never checks for one."""


class UnroutableCapability(Exception):
    """A declaration the workflow could not run, or whose result the API could not serve."""


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list or annotation is list


def check_result(capability: Capability[Any, Any], model: Any) -> None:
    """Refuse a result model the API could not serve: not a model, or a paged list that is not a
    list. Run on registration for a model declared as such, on first use for one declared by
    reference (and for every capability by the registry's tests)."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise UnroutableCapability(f"{capability.name}'s result is not a model")
    if capability.paged is None:
        return
    if capability.paged == "":
        root = model.model_fields.get("root") if model.__pydantic_root_model__ else None
        if root is None or not _is_list(root.annotation):
            raise UnroutableCapability(f"{capability.name} pages its result itself, which is not a list")
        return
    field = model.model_fields.get(capability.paged)
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), None)
    if not _is_list(annotation):
        raise UnroutableCapability(
            f"{capability.name} pages {capability.paged!r}, which is not a list field of {model.__name__}"
        )


T = TypeVar("T")


def _present(value: T | None, what: str) -> T:
    if value is None:
        raise MissingInput(f"{what} was read but not declared among the capability's needs")
    return value


class Inputs:
    """What a capability's compute reads: the stage outputs it declared it needs (each present:
    ``Capability.run`` checks before computing), what it merely uses (empty when the job's media
    did not make it), and the providers the deployment chose."""

    def __init__(
        self,
        *,
        duration_seconds: float,
        has_video: bool = True,
        transcript: Transcript | None = None,
        vision: VisionOutput | None = None,
        summarizer: Summarizer | None = None,
        media: MediaFiles | None = None,
        results: Mapping[str, Any] | None = None,
        extractor: Extractor | None = None,
        site_comments: SiteComments | None = None,
        second_media: SecondMediaFile | None = None,
        progress: Callable[[str, float], None] | None = None,
        fingerprints: JobPrints | None = None,
        translator: Translator | None = None,
    ) -> None:
        self.duration_seconds = duration_seconds
        self.has_video = has_video  # whether the media has pictures (a podcast has none)
        self._transcript, self._vision = transcript, vision
        self._summarizer, self._media = summarizer, media
        self._results: Mapping[str, Any] = results or {}
        self._extractor = extractor
        self._site_comments = site_comments
        self._second_media = second_media
        # Where a long compute is (a named step and its share done): the job's progress shows it.
        self.progress: Callable[[str, float], None] = progress or _no_progress
        self._fingerprints = fingerprints
        self._translator = translator

    def with_results(self, results: Mapping[str, Any]) -> Inputs:
        """These inputs with other capabilities' results (``ResultOf``) beside them."""
        return Inputs(
            duration_seconds=self.duration_seconds,
            has_video=self.has_video,
            transcript=self._transcript,
            vision=self._vision,
            summarizer=self._summarizer,
            media=self._media,
            results={**self._results, **results},
            extractor=self._extractor,
            site_comments=self._site_comments,
            second_media=self._second_media,
            progress=self.progress,
            fingerprints=self._fingerprints,
            translator=self._translator,
        )

    def has(self, requirement: Requirement) -> bool:
        if isinstance(requirement, ResultOf):
            return requirement.capability in self._results
        if requirement in (Need.AUDIO, Need.TRANSCRIPT):
            return self._transcript is not None
        if requirement in FRAME_NEEDS:
            return self._vision is not None
        if requirement is Need.SITE_COMMENTS:
            return self._site_comments is not None
        return self._media is not None  # MEDIA, VIDEO_FILE

    @property
    def transcript(self) -> Transcript:
        return _present(self._transcript, "the transcript")

    @property
    def vision(self) -> VisionOutput:
        """The vision stage's shots, keyframes and on-screen text; files it names are referenced
        in results with ``frame_ref``."""
        return _present(self._vision, "the vision stage's output")

    @property
    def screen_text(self) -> list[ScreenText]:
        """Text read on screen, for a capability that uses it: empty when the job saw no pictures."""
        return self._vision.text if self._vision is not None else []

    @property
    def frame_hashes(self) -> FrameHashes | None:
        """The pictures' perceptual hashes, for a capability that uses them: None when the job saw
        no pictures."""
        return self._vision.frame_hashes if self._vision is not None else None

    @property
    def fingerprints(self) -> JobPrints:
        """The tenant's fingerprint index, as this job sees it."""
        return _present(self._fingerprints, "the fingerprint index")

    @property
    def summarizer(self) -> Summarizer:
        return _present(self._summarizer, "a summarizer")

    @property
    def extractor(self) -> Extractor:
        """The deployment's extraction engine (local by default, Bedrock in the cloud)."""
        return _present(self._extractor, "an extractor")

    @property
    def site_comments(self) -> SiteComments:
        """What ingestion read of the comments on the media's site."""
        return _present(self._site_comments, "the site's comments")

    @property
    def has_second_media(self) -> bool:
        return self._second_media is not None

    @property
    def second_media(self) -> SecondMediaFile:
        """The second media the capability's options named (``Capability.second_media``)."""
        return _present(self._second_media, "the second media")

    @property
    def translator(self) -> Translator:
        """The deployment's translation engine (the local model by default, Amazon Translate in the cloud)."""
        return _present(self._translator, "a translator")

    @property
    def media(self) -> MediaFiles:
        """The ingested file and a place for the capability's own files."""
        return _present(self._media, "the ingested media")

    def result(self, capability: Capability[Any, ResultT]) -> ResultT | None:
        """Another capability's result (declared as ``ResultOf``), None when the job's media could
        not make it (a result used, not needed)."""
        value = self._results.get(capability.name)
        return None if value is None else capability.result_model.model_validate(value)


OptionsT = TypeVar("OptionsT", bound=Options)
ResultT = TypeVar("ResultT", bound=BaseModel)


def _no_progress(_step: str, _fraction: float) -> None:
    return None


def _no_second_media(_options: Any) -> SecondMedia | None:
    return None


def _no_requirements(_options: Any) -> frozenset[Requirement]:
    return frozenset()


def _always_fits(_options: Any, _duration_seconds: float) -> Note | None:
    return None


@dataclass(frozen=True)
class Capability(Generic[OptionsT, ResultT]):
    name: str
    description: str
    credits_per_minute: int
    needs: frozenset[Requirement]
    options: type[OptionsT]
    # The result's model, or where it is defined ("module:Name"), imported on first use: only the
    # functions that compute, merge or document results load them, never create_job, which
    # validates options (DESIGN §9). ``result_model`` reads it.
    result: type[ResultT] | str
    compute: Callable[[Inputs, OptionsT], ResultT]
    # The result in a few lines of plain text, for the CLI.
    render: Callable[[ResultT], list[str]]
    runs_in: RunsIn = RunsIn.ANALYSIS
    # For a capability that stores the media (download), its size sets a price too: a credit per
    # started this many MiB, charged when that comes to more than the minutes (0: minutes only).
    # Minutes alone let a file dense in bytes (lossless pictures) store tens of MB for one credit.
    mib_per_credit: int = 0
    # The result's list that GET bounds to ``catalog.BOUNDED_RESULT_ITEMS`` and /results pages: a field name,
    # or "" when the result is the list itself; None when the result has no list to page.
    paged: str | None = None
    # Why the list came out empty (required with ``paged``): the job lists it in ``notes``, so an
    # empty result never reads as a silent failure.
    when_empty: Callable[[OptionsT, float], Note] | None = None
    # Whether the paged list's items name other jobs of the tenant (their ``job_id``: fingerprint's
    # matches): merging keeps only those of jobs whose results the client can read, not one that
    # failed, was cancelled or was deleted after the list was made.
    names_jobs: bool = False
    # Refuses, at ingestion, options that cannot fit the media (shorts longer than the video):
    # the capability fails alone and is not charged, rather than charged for nothing.
    fits: Callable[[OptionsT, float], Note | None] = _always_fits
    # What the analysis function needs beyond its own reads and writes (stage outputs, the
    # media) to compute it: Bedrock, say.
    access: frozenset[Access] = frozenset()
    # What it reads when the job's media and plan make it, and does without otherwise (brands reads
    # on-screen text when the video has any), from the job's options: it may add stages to the plan
    # but never fails the capability when the media cannot give it.
    uses: Callable[[OptionsT], frozenset[Requirement]] = _no_requirements
    # A second media file the options name (a template to take a style from), or None: ingestion
    # fetches it like the job's own, and the capability is priced on both durations.
    second_media: Callable[[OptionsT], SecondMedia | None] = _no_second_media
    # The progress stages its compute reports through ``Inputs.progress`` (a render's steps): the
    # plan lists them after the analysis stage, and the render function records them on the job.
    steps: tuple[Stage, ...] = ()
    # Whether another job on the same content may take its result instead of computing it (DESIGN
    # §3b, Reuse): not when the result depends on more than the media and the options.
    reusable: bool = True

    @cached_property
    def result_model(self) -> type[ResultT]:
        """The result's model, imported and checked on first use when declared by reference."""
        if not isinstance(self.result, str):
            return self.result
        module, _, name = self.result.partition(":")
        model: type[ResultT] = getattr(importlib.import_module(module), name)
        check_result(self, model)
        return model

    def parse(self, options: Mapping[str, Any] | None) -> OptionsT:
        return self.options.model_validate(options or {})

    def defaults(self) -> OptionsT:
        """The options left at their defaults, unvalidated: what a request's options are compared
        against, and what a capability uses when asked with none. A capability that cannot run
        without a choice of the client's (extract: a prompt or a schema) has an options model that
        refuses ``{}``; ``CreateJobRequest`` then refuses a job asking for it without them."""
        return cast(OptionsT, self.options.model_construct())  # mypy reads Self as the base class

    def wants(self, options: Mapping[str, Any] | None) -> frozenset[Requirement]:
        """Everything this capability reads with these (validated) options, needed or used."""
        return self.needs | self.uses(self.parse(options))

    def run(self, inputs: Inputs, options: Mapping[str, Any] | None) -> Any:
        """Compute the result from JSON options (validated) and return it as JSON."""
        missing = [str(need) for need in self.needs if not inputs.has(need)]
        parsed = self.parse(options)
        if self.second_media(parsed) is not None and not inputs.has_second_media:
            missing.append("its second media")
        if missing:
            raise MissingInput(f"{self.name} was run without {', '.join(sorted(missing))}")
        return self.result_model.model_validate(self.compute(inputs, parsed)).model_dump(mode="json", exclude_none=True)

    def items(self, result: Any) -> list[Any] | None:
        """The paged list of a result (JSON), if it has one."""
        return None if self.paged is None else paged_lists.items_of(result, self.paged)

    def with_items(self, result: Any, items: list[Any]) -> Any:
        """The result (JSON) with ``items`` as its paged list."""
        return paged_lists.with_items(result, str(self.paged), items)

    def is_empty(self, result: Any) -> bool:
        """Whether a result (JSON) found nothing: its paged list is empty."""
        items = self.items(result)
        return items is not None and not items

    def empty_note(self, options: Mapping[str, Any] | None, duration_seconds: float) -> Note | None:
        return self.when_empty(self.parse(options), duration_seconds) if self.when_empty is not None else None

    def second_media_of(self, options: Mapping[str, Any] | None) -> SecondMedia | None:
        """The second media these (JSON) options name, if any."""
        return self.second_media(self.parse(options))

    def refusal(self, options: Mapping[str, Any] | None, duration_seconds: float) -> Note | None:
        """Why this capability cannot run on media this long with these options, if it cannot."""
        return self.fits(self.parse(options), duration_seconds)


# A colour swatch in a render line: the CLI shows it as a block of that colour, a plain reader
# sees its hex code beside it.
SWATCH = re.compile(r"\{swatch:(#[0-9a-f]{6})\}")


def swatch(hex_colour: str) -> str:
    """A swatch of ``hex_colour`` (``#rrggbb``) for a render line."""
    return f"{{swatch:{hex_colour}}}"


def clock_time(seconds: float) -> str:
    """``m:ss.mmm`` (or ``h:mm:ss.mmm``), as the CLI's tables show times."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return (f"{hours}:{minutes:02d}" if hours else f"{minutes}") + f":{secs:02d}.{millis:03d}"


def frame_ref(file: str) -> str:
    """The artifact reference of a file the vision stage made (a keyframe, a thumbnail)."""
    from vidscope.vision.models import VISION_DIR  # deferred: a compute's, and the stage models load with it

    return artifact_ref(f"{VISION_DIR}/{file}")
