"""transcription: speech to text with segment timestamps (the transcription stage's output)."""

from __future__ import annotations

from vidscope.capabilities.base import Capability, Inputs, Need, Options, Step
from vidscope.transcripts import Transcript


class TranscriptionOptions(Options):
    """No options yet: the language is detected."""


def _result(inputs: Inputs, options: TranscriptionOptions) -> Transcript:
    if inputs.transcript is None:
        raise ValueError("transcription needs the transcript")
    return inputs.transcript


CAPABILITY = Capability(
    name="transcription",
    description="Speech to text with segment timestamps",
    credits_per_minute=2,
    needs=frozenset({Need.AUDIO, Need.TRANSCRIPT}),
    options=TranscriptionOptions,
    result=Transcript,
    compute=_result,
    step=Step.MERGE,  # the worker made it; merging only keeps it
    paged="segments",
    render=lambda t: [f"({t.duration_seconds:.0f} s, {t.language}) {t.text}"],
)
