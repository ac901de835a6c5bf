"""transcription: speech to text with segment timestamps (the transcription stage's output)."""

from __future__ import annotations

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, RunsIn
from vidscope.transcripts import Transcript


class TranscriptionOptions(Options):
    """No options yet: the language is detected."""


def _result(inputs: Inputs, options: TranscriptionOptions) -> Transcript:
    return inputs.transcript


CAPABILITY = Capability(
    name="transcription",
    description="Speech to text with segment timestamps",
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
    render=lambda t: [f"({t.duration_seconds:.0f} s, {t.language}) {t.text}"],
)
