"""Fingerprint matching (DESIGN §9, issue 27): precision and recall over generated variants of
seeded clips (re-encoded, rescaled, cropped 10 %, trimmed, brightened, sped up 1.05x) and
unrelated clips, through the prints the pipeline makes (the vision stage's decode and pHashes,
libchromaprint) and the index's own lookup; the same with the pictures alone (the sound left out
of the query: media whose sound was replaced, or none); then lookup cost with 100 and 10,000
stored prints, and what chance would add at a million.

The lookup-cost part stores synthetic prints in an in-memory stand-in for the table's Query,
BatchGetItem and BatchWriteItem (tests/support/fingerprint_table.py: moto's Query walks every
item of the table, so its time says nothing about DynamoDB's): what it reports is the items a
lookup reads, DynamoDB's cost, and our code's time around them."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from tests.support.fingerprint_media import Variant, make_clip, make_variant
from tests.support.fingerprint_table import MemoryTable
from vidscope.fingerprints.audio import audio_print
from vidscope.fingerprints.index import FingerprintIndex
from vidscope.fingerprints.keys import StoredPrint
from vidscope.fingerprints.matching import Match, Print, query_keys
from vidscope.vision.frame_hashes import FrameHasher
from vidscope.vision.frames import probe, read_frames

SOURCES = 5
UNRELATED = 5
VARIANTS = {
    "re-encode": Variant(),
    "rescale": Variant(width=200),
    "crop 10 %": Variant(crop=0.1),
    "trim": Variant(trim_start=4.2, trim_end=3.0),
    "brightness": Variant(brightness=20),
    "speed 1.05x": Variant(speed=1.05),
}
TENANT = "ten_bench"


def print_of(path: Path) -> Print:
    """The print the pipeline makes of a file: pHashes from the vision decode, the sound's Chromaprint."""
    info, hasher = probe(path), FrameHasher()
    for frame in read_frames(path, info):
        hasher.offer(frame.time, frame.luma)
    hashes = hasher.finish()
    return Print.of(audio_print(path, max_seconds=3600), [int(h, 16) for h in hashes.hashes], hashes.step_seconds)


def _stored(fingerprint: Print) -> StoredPrint:
    return StoredPrint(fingerprint.audio.tolist(), fingerprint.visual.tolist(), fingerprint.visual_step)


def _pictures_alone(fingerprint: Print) -> Print:
    return Print(fingerprint.audio[:0], fingerprint.visual, fingerprint.visual_step)


def _found(matches: list[Match], job_id: str) -> Match | None:
    right = [m for m in matches if m.job_id == job_id and m.similarity >= 0.8]
    return right[0] if right else None


def matching_quality(root: Path) -> None:
    index = FingerprintIndex(MemoryTable(), "bench")
    for number in range(SOURCES):
        make_clip(root / f"source{number}.mp4", seed=100 + number, seconds=20.0)
        index.add(TENANT, f"job_source{number}", _stored(print_of(root / f"source{number}.mp4")))
    print(
        f"{'variant':<12} {'found':>6} {'recall':>7} {'similarity (min/median)':>24} {'offset error max s':>19}"
        f" {'pictures alone':>15}"
    )
    true_positive = false_positive = pictures_found = 0
    for name, variant in VARIANTS.items():
        found, similarities, errors, by_pictures = 0, [], [], 0
        for number in range(SOURCES):
            path = root / f"variant{number}.mp4"
            make_variant(root / f"source{number}.mp4", path, variant)
            fingerprint = print_of(path)
            matches = index.lookup(TENANT, "job_query", fingerprint)
            false_positive += len([m for m in matches if m.job_id != f"job_source{number}"])
            right = _found(matches, f"job_source{number}")
            if right:
                found += 1
                similarities.append(right.similarity)
                errors.append(abs(right.offset_seconds - variant.trim_start))
            alone = index.lookup(TENANT, "job_query", _pictures_alone(fingerprint))
            by_pictures += _found(alone, f"job_source{number}") is not None
        true_positive += found
        pictures_found += by_pictures
        sims = f"{min(similarities):.2f}/{float(np.median(similarities)):.2f}" if similarities else "-"
        print(
            f"{name:<12} {found:>3}/{SOURCES} {found / SOURCES:>7.2f} {sims:>24} {max(errors, default=0):>19.2f}"
            f" {by_pictures:>13}/{SOURCES}"
        )
    unrelated_hits = unrelated_by_pictures = 0
    for number in range(UNRELATED):
        make_clip(root / "unrelated.mp4", seed=900 + number, seconds=16.0)
        fingerprint = print_of(root / "unrelated.mp4")
        unrelated_hits += len(index.lookup(TENANT, "job_unrelated", fingerprint))
        unrelated_by_pictures += len(index.lookup(TENANT, "job_unrelated", _pictures_alone(fingerprint)))
    false_positive += unrelated_hits
    queries = SOURCES * len(VARIANTS)
    precision = true_positive / max(1, true_positive + false_positive)
    print(f"recall (similarity >= 0.8, right source): {true_positive}/{queries} = {true_positive / queries:.2f}")
    print(f"precision of reported matches: {precision:.2f}; unrelated clips matched: {unrelated_hits}/{UNRELATED}")
    print(
        f"pictures alone: recall {pictures_found}/{queries} = {pictures_found / queries:.2f};"
        f" unrelated clips matched: {unrelated_by_pictures}/{UNRELATED}"
    )


def _random_prints(index: FingerprintIndex, rng: np.random.Generator, first: int, last: int) -> None:
    """Prints of 20 s of unrelated random content: 160 Chromaprint values, 40 pictures."""
    for number in range(first, last):
        audio = rng.integers(0, 2**32, size=160, dtype=np.uint64).tolist()
        visual = rng.integers(0, 2**63, size=40, dtype=np.uint64).tolist()
        index.add(TENANT, f"job_{number:06d}", StoredPrint(audio, visual, 0.5))


def _by_chance_at(prints: int, stored: int, table: MemoryTable, query: Print) -> float:
    """The items a lookup would read by chance among ``prints`` such prints: each asked key meets
    the entries of its kind (its prefix) in one 32-bit bucket of 2**32."""
    kinds = Counter(pk.rpartition("#K#")[2][:2] for pk, _sk in table.entries() if "#K#" in pk)
    return sum(kinds[key[:2]] * prints / stored / 2**32 for key, _step in query_keys(query))


def lookup_cost(root: Path) -> None:
    query = print_of(root / "variant0.mp4")  # the last variant of source 0
    rng = np.random.default_rng(7)
    table = MemoryTable()
    index = FingerprintIndex(table, "bench")
    stored = 0
    print(f"a lookup asks {len(query_keys(query))} keys (one Query each)")
    for target in (100, 10_000):
        _random_prints(index, rng, stored, target)
        stored = target
        index.items_read = 0
        started = time.perf_counter()
        runs = 20
        for _ in range(runs):
            index.lookup(TENANT, "job_query", query)
        took = (time.perf_counter() - started) / runs
        read = index.items_read / runs
        print(f"{target:>9,} stored prints: {read:.0f} items read per lookup, {took * 1000:.1f} ms per lookup")
    chance = _by_chance_at(1_000_000, stored, table, query)
    print(f"1,000,000 stored prints: {chance:.1f} items read per lookup by chance (expected, from the buckets' sizes)")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fingerprint-") as tmp:
        started = time.perf_counter()
        matching_quality(Path(tmp))
        lookup_cost(Path(tmp))
        print(f"(ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
