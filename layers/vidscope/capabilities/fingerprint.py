"""fingerprint: an audio print (Chromaprint) and a visual one (pHash of the pictures every half
second, made by the vision stage in its one decode), and the tenant's earlier fingerprinted jobs
whose media is the same content: re-encoded, rescaled, cropped, brightened or trimmed
(``matches``, with where this media starts inside theirs). Never another tenant's: the index is
keyed by tenant (``vidscope.fingerprints.index``), and a match costs a bounded number of
indexed lookups, whatever the number of prints stored.

Its work is bounded by what the job paid for: the sound is decoded for at most the media's
duration (``Inputs.duration_seconds``, what ingestion billed), and the pictures are hashed inside
the vision stage's decode, at two a second, under that stage's caps."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from vidscope.access import Access
from vidscope.capabilities.base import Capability, Inputs, Need, NoOptions, Note, clock_time

if TYPE_CHECKING:
    from vidscope.capabilities.results.fingerprint import FingerprintResult


def _digest(data: bytes) -> str | None:
    return hashlib.sha256(data).hexdigest() if data else None


def _fingerprint(inputs: Inputs, _options: NoOptions) -> FingerprintResult:
    # Deferred: numpy and libchromaprint load only in the analysis that prints, the result models
    # where results are used (DESIGN §9).
    from vidscope.capabilities.results.fingerprint import AudioPrint, FingerprintMatch, FingerprintResult, VisualPrint
    from vidscope.fingerprints.audio import AUDIO_STEP_SECONDS, audio_print
    from vidscope.fingerprints.matching import Print
    from vidscope.vision.frame_hashes import FRAME_HASH_STEP_SECONDS

    frames = inputs.frame_hashes
    step = frames.step_seconds if frames is not None else FRAME_HASH_STEP_SECONDS
    fingerprint = Print.of(
        audio_print(inputs.media.fetch(), max_seconds=inputs.duration_seconds),
        [int(h, 16) for h in frames.hashes] if frames is not None else [],
        step,
    )
    matches = (
        inputs.fingerprints.match_then_store(fingerprint) if len(fingerprint.audio) or len(fingerprint.visual) else []
    )
    return FingerprintResult(
        audio=AudioPrint(
            items=len(fingerprint.audio),
            step_seconds=round(AUDIO_STEP_SECONDS, 6),
            digest=_digest(fingerprint.audio.tobytes()),
        ),
        visual=VisualPrint(
            items=len(fingerprint.visual), step_seconds=step, digest=_digest(fingerprint.visual.tobytes())
        ),
        matches=[
            FingerprintMatch(job_id=m.job_id, similarity=m.similarity, offset_seconds=m.offset_seconds, kind=m.kind)
            for m in matches
        ],
    )


def _render(result: FingerprintResult) -> list[str]:
    lines = [
        f"audio: {result.audio.items} chromaprint items" + ("" if result.audio.digest else " (no sound)"),
        f"visual: {result.visual.items} picture hashes" + ("" if result.visual.digest else " (no pictures)"),
    ]
    lines += [
        f"matches {m.job_id} ({m.kind}, similarity {m.similarity:.2f}) from {clock_time(max(0.0, m.offset_seconds))}"
        for m in result.matches
    ]
    return lines


CAPABILITY: Capability[NoOptions, FingerprintResult] = Capability(
    name="fingerprint",
    description="Audio and visual fingerprints, and the tenant's earlier jobs with the same content",
    credits_per_minute=1,
    needs=frozenset({Need.MEDIA}),
    # The pictures' hashes when the media has pictures; a podcast is printed by its sound alone.
    uses=lambda _options: frozenset({Need.FRAME_HASHES}),
    options=NoOptions,
    result="vidscope.capabilities.results.fingerprint:FingerprintResult",
    compute=_fingerprint,
    paged="matches",
    # A match whose job then failed or was cancelled (its print was stored while it ran) is left
    # out when this job merges.
    names_jobs=True,
    when_empty=lambda _options, _duration: Note(
        code="NO_MATCH", message="none of this tenant's earlier fingerprinted jobs has the same content"
    ),
    access=frozenset({Access.MATCH_FINGERPRINTS, Access.STORE_FINGERPRINTS}),
    # Its matches are the tenant's prints stored before it, not a function of the media alone.
    reusable=False,
    render=_render,
)
