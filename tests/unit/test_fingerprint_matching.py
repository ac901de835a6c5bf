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
    assert len(keys.visual_keys(still)) == len(keys.VISUAL_PAIR_GAPS)


def _pictures(n: int) -> list[int]:
    return [int(v) for v in RNG.integers(0, 2**64, size=n, dtype=np.uint64)]


def test_picture_keys_are_32_bits_so_unrelated_pictures_rarely_share_one() -> None:
    # 20,000 unrelated pictures: 60,000 keys. 32-bit keys meet by chance ~0.4 times among them;
    # the 16-bit bands of version 1 met ~25,000 times (each bucket held ~1.2 pictures).
    found = keys.visual_keys(_pictures(20_000))
    assert all(len(key) == 10 for key, _number in found)  # "P", the gap, 8 hex digits
    assert len(found) - len({key for key, _number in found}) <= 3
    banded = keys._visual_keys_v1(_pictures(20_000))
    assert len(banded) - len({key for key, _number in banded}) > 10_000


def test_bits_outside_the_low_frequencies_never_change_a_key() -> None:
    source = _pictures(40)
    high = ~sum(1 << shift for shift in keys._low_frequency_bits(keys.VISUAL_KEY_BITS)) & (2**64 - 1)
    # Bits flipped where the picture's fine detail is (what crop, rescale and re-encode move most)
    copy = [value ^ (int(noise) & high) for value, noise in zip(source, _pictures(40), strict=True)]
    assert [key for key, _n in keys.visual_keys(copy)] == [key for key, _n in keys.visual_keys(source)]


def test_a_trimmed_copy_with_a_few_flipped_bits_per_picture_still_meets_the_source_at_its_offset() -> None:
    source = np.asarray(_pictures(60), dtype=np.uint64)
    start = 7
    copy = _flip(source[start:50], 2, 64)  # 2 of 64 bits anywhere, in every picture
    indexed: dict[str, list[int]] = {}
    for key, number in keys.visual_keys(source.tolist()):
        indexed.setdefault(key, []).append(number)
    query = matching.query_keys(matching.Print.of([], copy.tolist(), 0.5))
    assert len(query) <= matching.MAX_VISUAL_QUERY_KEYS
    hits = [matching.to_hit("src", k, step, s, 0.5) for k, step in query for s in indexed.get(k, [])]
    [(job, offset)] = matching.candidates(hits)
    assert job == "src" and abs(offset - start * 0.5) <= matching.VOTE_BUCKET_SECONDS
    assert len(hits) >= 10


def test_a_stored_print_comes_back_bit_for_bit() -> None:
    audio, visual = _audio(50).tolist(), [2**64 - 1, 0, 12345]
    assert list(keys.unpack(keys.pack(audio, "I"), "I")) == audio
    assert list(keys.unpack(keys.pack(visual, "Q"), "Q")) == visual
