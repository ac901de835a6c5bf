"""The transcript a job produces and the formats it is served in (json, txt, srt, vtt).

Segments carry their words' timings for the analyses (brand proof spans, chapter boundaries), but
the words are no part of the public transcript: the field is excluded from every dump and from the
JSON schema, so the transcription result, the OpenAPI document and the served formats stay the
segment-level transcript. Only ``to_staged`` writes them, for the stage output the analyses read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

# The language of a text with nothing to tell it by (a silent transcript): BCP 47's "undetermined".
UNDETERMINED_LANGUAGE = "und"

# The ISO 639-1 codes (and Whisper's few others: haw, yue) the multilingual models transcribe.
_SPOKEN = (
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr "
    "ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc "
    "pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo yue "
    "zh"
)
SPOKEN_LANGUAGES = frozenset(_SPOKEN.split())


def _known_language(code: str) -> str:
    if code not in SPOKEN_LANGUAGES:
        raise ValueError(f"{code!r} is not a language code the transcription knows (ISO 639-1, e.g. en, fr, de)")
    return code


LanguageCode = Annotated[
    str,
    Field(pattern=r"^[a-z]{2,3}$", description="ISO 639-1 code (lower case), e.g. en, fr, de"),
    AfterValidator(_known_language),
]


# Every API handler imports these models (through vidscope.models) and most never validate one:
# each is built on first use, not at import (a cold start's 2-3 ms, DESIGN §9).
_DEFERRED = ConfigDict(defer_build=True)


class SpeechRequest(BaseModel):
    """What a job asks of the transcription stage, as data (the plan hands it to the worker, as it
    hands the vision stage its ``VisionRequest``): the transcription capability's options derive
    from it, so the worker never learns which capability asked."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    language: LanguageCode | None = Field(
        default=None, description="Transcribe in this language; no detection (default: detected from the audio)"
    )
    languages: list[LanguageCode] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="Detect the language among these only (e.g. the two a channel speaks)",
    )
    speakers: bool = Field(
        default=False,
        description="Label who speaks: each segment gets a speaker, the transcript its speakers and utterances",
    )
    speakers_expected: int | None = Field(
        default=None, ge=1, le=10, description="How many speakers there are, when known (estimated otherwise)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> SpeechRequest:
        if self.language is not None and self.languages is not None:
            raise ValueError("give language (forced) or languages (candidates), not both")
        if self.languages is not None and len(set(self.languages)) != len(self.languages):
            raise ValueError("languages repeats a code")
        if self.speakers_expected is not None and not self.speakers:
            raise ValueError("speakers_expected needs speakers: true")
        return self


def _absent(value: object) -> bool:
    """Optional transcript fields are left out rather than served as null: a transcript made before
    they existed, or by an English-only model, reads as it always did."""
    return value is None


class Word(BaseModel):
    """One spoken word and when it was said (seconds from the media start)."""

    model_config = _DEFERRED

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    word: str
    speaker: str | None = Field(default=None, exclude_if=_absent)


class Segment(BaseModel):
    model_config = _DEFERRED

    start: float = Field(ge=0, description="seconds from the start of the media")
    end: float = Field(ge=0)
    text: str
    language: str | None = Field(
        default=None,
        description="This segment's language, given only when the media switches language",
        exclude_if=_absent,
    )
    speaker: str | None = Field(
        default=None, description="Who says it (A, B, …), when speakers were asked for", exclude_if=_absent
    )
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


class SpeakerTalk(BaseModel):
    model_config = _DEFERRED

    id: str = Field(description="A, B, …: in the order they first speak")
    talk_seconds: float = Field(ge=0)


class Utterance(BaseModel):
    """Consecutive segments of one speaker, merged: a turn in the conversation."""

    model_config = _DEFERRED

    speaker: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str


class Transcript(BaseModel):
    model_config = _DEFERRED

    text: str
    segments: list[Segment]
    language: str = Field(description="ISO 639-1 code of the main language, und when nothing was said")
    language_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="How sure the detection from the audio is (speech-weighted vote over windows spread "
        "over the media); 1 when the language was forced; absent when the model hears one language only",
        exclude_if=_absent,
    )
    duration_seconds: float
    word_count: int
    speakers: list[SpeakerTalk] | None = Field(
        default=None, description="Who spoke and for how long, when speakers were asked for", exclude_if=_absent
    )
    utterances: list[Utterance] | None = Field(
        default=None, description="The speaker turns, when speakers were asked for", exclude_if=_absent
    )

    @classmethod
    def from_segments(
        cls,
        segments: list[Segment],
        *,
        language: str,
        duration_seconds: float,
        language_confidence: float | None = None,
    ) -> Transcript:
        text = " ".join(s.text for s in segments if s.text)
        return cls(
            text=text,
            segments=segments,
            language=language,
            language_confidence=language_confidence,
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


def _srt_text(segment: Segment) -> str:
    # SRT has no voice markup: the convention is the speaker's name before the line.
    return f"[Speaker {segment.speaker}] {segment.text.strip()}" if segment.speaker else segment.text.strip()


def _vtt_text(segment: Segment) -> str:
    # WebVTT's voice span: players show (and style) the speaker's name.
    return f"<v Speaker {segment.speaker}>{segment.text.strip()}" if segment.speaker else segment.text.strip()


def to_srt(transcript: Transcript) -> str:
    blocks = [
        f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{_srt_text(s)}\n"
        for i, s in enumerate(_cues(transcript), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(transcript: Transcript) -> str:
    blocks = [f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{_vtt_text(s)}\n" for s in _cues(transcript)]
    return "\n".join(["WEBVTT\n", *blocks])


def render(transcript: Transcript, fmt: TranscriptFormat) -> str:
    if fmt is TranscriptFormat.SRT:
        return to_srt(transcript)
    if fmt is TranscriptFormat.VTT:
        return to_vtt(transcript)
    if fmt is TranscriptFormat.TXT:
        return to_txt(transcript)
    return transcript.model_dump_json()
