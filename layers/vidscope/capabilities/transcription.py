"""transcription: speech to text with segment timestamps (the transcription stage's output)."""

from __future__ import annotations

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, RunsIn
from vidscope.transcripts import SpeechRequest, Transcript


class TranscriptionOptions(Options, SpeechRequest):
    """The language is detected from the audio unless forced (``language``) or narrowed to a set
    of candidates (``languages``): the transcription stage's parameters (``SpeechRequest``)."""


def _result(inputs: Inputs, options: TranscriptionOptions) -> Transcript:
    return inputs.transcript


def _render(transcript: Transcript) -> list[str]:
    heard = transcript.language
    if transcript.language_confidence is not None:
        heard = f"{heard} {transcript.language_confidence:.2f}"
    if not transcript.utterances:
        return [f"({transcript.duration_seconds:.0f} s, {heard}) {transcript.text}"]
    talk = ", ".join(f"{s.id} {s.talk_seconds:.0f} s" for s in transcript.speakers or [])
    head = f"({transcript.duration_seconds:.0f} s, {heard}; speakers: {talk})"
    return [head, *(f"[{u.start:.1f}s] {u.speaker}: {u.text}" for u in transcript.utterances)]


CAPABILITY = Capability(
    name="transcription",
    description="Speech to text with segment timestamps, the language heard from the audio, and speakers on request",
    credits_per_minute=2,
    needs=frozenset({Need.AUDIO, Need.TRANSCRIPT}),
    options=TranscriptionOptions,
    result=Transcript,
    compute=_result,
    runs_in=RunsIn.MERGING,  # the worker made it; merging only keeps it
    paged="segments",
    when_empty=lambda _options, duration: Note(
        code="NO_SPEECH", message=f"no speech was heard in {duration:g} s of media"
    ),
    render=_render,
)
