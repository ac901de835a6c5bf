"""The transcript a job produces and the formats it is served in (json, txt, srt, vtt)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

# The language of a text with nothing to tell it by (a silent transcript): BCP 47's "undetermined".
UNDETERMINED_LANGUAGE = "und"


class Segment(BaseModel):
    start: float = Field(ge=0, description="seconds from the start of the media")
    end: float = Field(ge=0)
    text: str


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
