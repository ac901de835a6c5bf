"""The transcript a job produces and the formats it is served in (json, txt, srt, vtt).

Segments carry their words' timings for the analyses (brand proof spans, chapter boundaries), but
the words are no part of the public transcript: the field is excluded from every dump and from the
JSON schema, so the transcription result, the OpenAPI document and the served formats stay the
segment-level transcript. Only ``to_staged`` writes them, for the stage output the analyses read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

# The language of a text with nothing to tell it by (a silent transcript): BCP 47's "undetermined".
UNDETERMINED_LANGUAGE = "und"


class Word(BaseModel):
    """One spoken word and when it was said (seconds from the media start)."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    word: str


class Segment(BaseModel):
    start: float = Field(ge=0, description="seconds from the start of the media")
    end: float = Field(ge=0)
    text: str
    # Internal: staged with the transcript (``to_staged``), read back by the analyses, never served.
    words: SkipJsonSchema[list[Word] | None] = Field(default=None, exclude=True, repr=False)

    def placed_words(self) -> list[tuple[int, int, Word]]:
        """The timed words with their character spans in ``text``, in order (none without word
        timings)."""
        placed = []
        cursor = 0
        for word in self.words or ():
            token = word.word.strip()
            at = self.text.find(token, cursor) if token else -1
            if at == -1:
                continue  # a word the text does not spell the same way: skip it, keep the rest placed
            cursor = at + len(token)
            placed.append((at, cursor, word))
        return placed

    def time_of(self, begin: int, end: int) -> tuple[float, float] | None:
        """When ``text[begin:end]`` was said: from the first to the last word overlapping it, or
        None when the segment has no word timings (or none of its words could be placed there)."""
        overlapping = [word for at, until, word in self.placed_words() if at < end and until > begin]
        if not overlapping:
            return None
        return overlapping[0].start, max(w.end for w in overlapping)


class Transcript(BaseModel):
    text: str
    segments: list[Segment]
    language: str
    duration_seconds: float
    word_count: int

    @classmethod
    def from_segments(cls, segments: list[Segment], *, language: str, duration_seconds: float) -> Transcript:
        text = " ".join(s.text for s in segments if s.text)
        return cls(
            text=text,
            segments=segments,
            language=language,
            duration_seconds=round(duration_seconds, 3),
            word_count=len(text.split()),
        )


def to_staged(transcript: Transcript) -> dict[str, Any]:
    """``transcript`` as JSON with its segments' word timings: the stage output the analyses read
    back with ``Transcript.model_validate`` (every other dump leaves the words out)."""
    staged = transcript.model_dump(mode="json")
    for segment, dumped in zip(transcript.segments, staged["segments"], strict=True):
        if segment.words is not None:
            dumped["words"] = [w.model_dump(mode="json") for w in segment.words]
    return staged


class TranscriptFormat(StrEnum):
    JSON = "json"
    TXT = "txt"
    SRT = "srt"
    VTT = "vtt"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    TranscriptFormat.JSON: "application/json",
    TranscriptFormat.TXT: "text/plain; charset=utf-8",
    TranscriptFormat.SRT: "application/x-subrip; charset=utf-8",
    TranscriptFormat.VTT: "text/vtt; charset=utf-8",
}


def _timestamp(seconds: float, decimal: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _cues(transcript: Transcript) -> list[Segment]:
    # Players reject cues that end before they start or carry no text.
    return [s for s in transcript.segments if s.text.strip() and s.end > s.start]


def to_txt(transcript: Transcript) -> str:
    return "\n".join(s.text.strip() for s in transcript.segments if s.text.strip()) + "\n"


def to_srt(transcript: Transcript) -> str:
    blocks = [
        f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{s.text.strip()}\n"
        for i, s in enumerate(_cues(transcript), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(transcript: Transcript) -> str:
    blocks = [f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{s.text.strip()}\n" for s in _cues(transcript)]
    return "\n".join(["WEBVTT\n", *blocks])


def render(transcript: Transcript, fmt: TranscriptFormat) -> str:
    if fmt is TranscriptFormat.SRT:
        return to_srt(transcript)
    if fmt is TranscriptFormat.VTT:
        return to_vtt(transcript)
    if fmt is TranscriptFormat.TXT:
        return to_txt(transcript)
    return transcript.model_dump_json()
