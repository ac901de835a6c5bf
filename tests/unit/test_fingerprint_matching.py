"""The fingerprint maths on prints made here (no media, no AWS): keys survive a few flipped bits,
votes agree on the offset, scores separate a copy from unrelated prints, and a stored print
comes back bit for bit."""

from __future__ import annotations

import numpy as np

from vidscope.fingerprints import keys, matching
from vidscope.fingerprints.audio import AUDIO_STEP_SECONDS

RNG = np.random.default_rng(5)


def _audio(n: int) -> np.ndarray:
    return RNG.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32)


def _flip(values: np.ndarray, bits_per_value: int, width: int) -> np.ndarray:
    out = values.astype(np.uint64).copy()
    for i in range(len(out)):
        for bit in RNG.choice(width, size=bits_per_value, replace=False):
            out[i] ^= np.uint64(1) << np.uint64(int(bit))
    return out.astype(values.dtype)


def test_a_copy_trimmed_and_slightly_changed_scores_high_at_the_right_offset() -> None:
    source = matching.Print.of(_audio(400), RNG.integers(0, 2**63, size=60).tolist(), 0.5)
    start = 40  # steps: the copy starts ~5 s inside the source
    copy = matching.Print(_flip(source.audio[start:300], 1, 32), _flip(source.visual[10:45], 3, 64), 0.5)
    found = matching.score("job_src", copy, source, near_seconds=start * AUDIO_STEP_SECONDS)
    assert found.similarity >= 0.9 and found.kind == "both"
    assert abs(found.offset_seconds - start * AUDIO_STEP_SECONDS) < 0.01


def test_unrelated_prints_score_near_zero() -> None:
    a = matching.Print.of(_audio(300), RNG.integers(0, 2**63, size=40).tolist(), 0.5)
    b = matching.Print.of(_audio(300), RNG.integers(0, 2**63, size=40).tolist(), 0.5)
    assert matching.score("other", a, b, near_seconds=0.0).similarity < 0.1


def test_the_copy_asks_keys_the_source_is_indexed_under_and_the_votes_name_the_offset() -> None:
    source = _audio(400)
    copy = source[40:300].copy()
    indexed: dict[str, list[int]] = {}
    for key, step in keys.audio_keys(source.tolist()):
        indexed.setdefault(key, []).append(step)
    query = matching.query_keys(matching.Print.of(copy.tolist(), [], 0.5))
    assert 0 < len(query) <= matching.MAX_QUERY_KEYS
    hits = [matching.to_hit("src", k, step, s, 0.5) for k, step in query for s in indexed.get(k, [])]
    [(job, offset)] = matching.candidates(hits)
    assert job == "src" and abs(offset - 40 * AUDIO_STEP_SECONDS) <= matching.VOTE_BUCKET_SECONDS


def test_a_still_scene_is_indexed_once() -> None:
    still = [0x0123456789ABCDEF] * 20
    assert len(keys.visual_keys(still)) == keys.VISUAL_BANDS


def test_a_stored_print_comes_back_bit_for_bit() -> None:
    audio, visual = _audio(50).tolist(), [2**64 - 1, 0, 12345]
    assert list(keys.unpack(keys.pack(audio, "I"), "I")) == audio
    assert list(keys.unpack(keys.pack(visual, "Q"), "Q")) == visual
