"""What a capability declares (DESIGN §3b): its name, price, what it needs, its options and
result models and the code that computes it. Everything else reads these declarations: API
validation and OpenAPI, pricing, the stage plan, the workflow's routing, the analysis function's
grants, merging and the CLI's rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from vidscope.access import Access
from vidscope.adapters.media_store import artifact_ref
from vidscope.transcripts import Transcript
from vidscope.vision.models import VISION_DIR, VisionOutput


class Need(StrEnum):
    """What a capability reads, each made by a stage of the workflow."""

    AUDIO = "audio"  # the media's speech: the transcription stage runs
    TRANSCRIPT = "transcript"  # its text, segments, words and language (the transcription stage)
    FRAMES = "frames"  # the decoded pictures: the vision stage runs (a video track is required)
    SHOTS = "shots"  # shot boundaries and a keyframe per shot (the vision stage)
    ON_SCREEN_TEXT = "on_screen_text"  # text read on screen (the vision stage)
    MEDIA = "media"  # the ingested file itself, to cut or re-package (ingestion stored it)
    VIDEO_FILE = "video_file"  # that file with its pictures: ingestion downloads video, not sound alone


# The stage that makes each need: a capability whose needs have no stage cannot be registered.
PRODUCED_BY: Mapping[Need, str] = {
    Need.AUDIO: "transcription",
    Need.TRANSCRIPT: "transcription",
    Need.FRAMES: "vision",
    Need.SHOTS: "vision",
    Need.ON_SCREEN_TEXT: "vision",
    Need.MEDIA: "ingestion",
    Need.VIDEO_FILE: "ingestion",
}
# What only the vision stage makes: a capability that needs one fails on media without a video
# track (MEDIA_HAS_NO_VIDEO); one that merely uses one does without.
FRAME_NEEDS: frozenset[Need] = frozenset(need for need, stage in PRODUCED_BY.items() if stage == "vision")


class Step(StrEnum):
    """Where the capability's compute runs."""

    # One iteration of the analysis stage's Map: the analysis function runs it (its own Lambda
    # invocation, in parallel with the job's other analyses).
    ANALYSIS = "analysis"
    # While merging: a reshaping of a stage's output too cheap to deserve its own invocation
    # (and the state transitions it bills).
    MERGE = "merge"


class Options(BaseModel):
    """Base of every options model: an unknown option is refused (400 with its path)."""

    model_config = ConfigDict(extra="forbid")


class NoOptions(Options):
    """A capability without options."""


class MediaFiles(Protocol):
    """The job's ingested file, and where a capability's own files go (clips, downloads)."""

    def fetch(self) -> Path:
        """The ingested media as a local file (fetched once per invocation)."""
        ...

    def store(self, path: Path, name: str) -> str:
        """Stage ``path`` as the job's file ``name`` (e.g. ``shorts/clip_1.mp4``); returns the
        artifact reference a result stores (a URL is minted on each read)."""
        ...


class Summarizer(Protocol):
    """Summary and key topics of a transcript (vidscope.text.summarizers: extractive locally, Bedrock in
    the cloud), as the summary capability's result model; titles and summaries of its chapters."""

    def summarize(self, transcript: Transcript) -> Any: ...

    def describe_chapters(self, texts: list[str]) -> list[tuple[str, str]]:
        """A short title and a one-sentence summary for each chapter's text, in order (one call
        for the whole video, so that titles can differ from each other)."""
        ...


@dataclass(frozen=True)
class Inputs:
    """What a capability's compute reads: the stage outputs it declared it needs, and the
    providers the deployment chose."""

    duration_seconds: float
    has_video: bool = True  # whether the media has pictures (a podcast has none)
    transcript: Transcript | None = None
    # The vision stage's shots, keyframes and on-screen text; files it names are referenced in
    # results with ``media_store.artifact_ref("vision/" + file)``.
    vision: VisionOutput | None = None
    summarizer: Summarizer | None = None
    # The ingested file and a place for the capability's own files, for one that needs MEDIA.
    media: MediaFiles | None = None


OptionsT = TypeVar("OptionsT", bound=Options)
ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass(frozen=True)
class Capability(Generic[OptionsT, ResultT]):
    name: str
    description: str
    credits_per_minute: int
    needs: frozenset[Need]
    options: type[OptionsT]
    result: type[ResultT]
    compute: Callable[[Inputs, OptionsT], ResultT]
    # The result in a few lines of plain text, for the CLI.
    render: Callable[[ResultT], list[str]]
    step: Step = Step.ANALYSIS
    # The result's list that GET bounds to ``catalog.BOUNDED_RESULT_ITEMS`` and /results pages: a field name,
    # or "" when the result is the list itself; None when the result has no list to page.
    paged: str | None = None
    # What the analysis function needs beyond reading and writing stage outputs to compute it.
    access: frozenset[Access] = frozenset()
    # What it reads when the job's media and plan make it, and does without otherwise (brands reads
    # on-screen text when the video has any), from the job's options: it may add stages to the plan
    # but never fails the capability when the media cannot give it.
    uses: Callable[[OptionsT], frozenset[Need]] = lambda _options: frozenset()

    def wants(self, options: Mapping[str, Any] | None) -> frozenset[Need]:
        """Everything the plan must make for this capability with these (validated) options."""
        return self.needs | self.uses(self.options.model_validate(options or {}))

    def run(self, inputs: Inputs, options: Mapping[str, Any] | None) -> Any:
        """Compute the result from JSON options (validated) and return it as JSON."""
        parsed = self.options.model_validate(options or {})
        return self.result.model_validate(self.compute(inputs, parsed)).model_dump(mode="json", exclude_none=True)


def clock_time(seconds: float) -> str:
    """``m:ss.mmm`` (or ``h:mm:ss.mmm``), as the CLI's tables show times."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return (f"{hours}:{minutes:02d}" if hours else f"{minutes}") + f":{secs:02d}.{millis:03d}"


def frame_ref(file: str) -> str:
    """The artifact reference of a file the vision stage made (a keyframe, a thumbnail)."""
    return artifact_ref(f"{VISION_DIR}/{file}")
