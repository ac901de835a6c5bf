"""Fingerprint matching (DESIGN §9, issue 27): precision and recall over generated variants of
seeded clips (re-encoded, rescaled, cropped 10 %, trimmed, brightened, sped up 1.05x) and
unrelated clips, through the prints the pipeline makes (the vision stage's decode and pHashes,
libchromaprint) and the index's own lookup; then lookup cost with 100 and 10,000 stored prints.

The lookup-cost part stores synthetic prints in an in-memory stand-in for the table's Query,
BatchGetItem and BatchWriteItem (moto's Query walks every item of the table, so its time says
nothing about DynamoDB's): what it reports is the items a lookup reads, DynamoDB's cost, and our
code's time around them."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from tests.support.fingerprint_media import Variant, make_clip, make_variant
from vidscope.fingerprints.audio import audio_print
from vidscope.fingerprints.index import FingerprintIndex
from vidscope.fingerprints.keys import StoredPrint
from vidscope.fingerprints.matching import Print
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


class MemoryTable:
    """The three calls the index makes, on dicts: a bucket read costs the items it returns."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        for requests in RequestItems.values():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    self.items[item["PK"]["S"]][item["SK"]["S"]] = item
                else:
                    key = request["DeleteRequest"]["Key"]
                    self.items[key["PK"]["S"]].pop(key["SK"]["S"], None)
        return {}

    def query(self, **params: Any) -> dict[str, Any]:
        bucket = self.items.get(params["ExpressionAttributeValues"][":pk"]["S"], {})
        found = [{"SK": {"S": sk}} for sk in sorted(bucket)[: params["Limit"]]]
        return {"Items": found, "ScannedCount": len(found)}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        [(name, request)] = RequestItems.items()
        found = [
            self.items[k["PK"]["S"]][k["SK"]["S"]] for k in request["Keys"] if k["SK"]["S"] in self.items[k["PK"]["S"]]
        ]
        return {"Responses": {name: found}}


def print_of(path: Path) -> Print:
    """The print the pipeline makes of a file: pHashes from the vision decode, the sound's Chromaprint."""
    info, hasher = probe(path), FrameHasher()
    for frame in read_frames(path, info):
        hasher.offer(frame.time, frame.luma)
    hashes = hasher.finish()
    return Print.of(audio_print(path, max_seconds=3600), [int(h, 16) for h in hashes.hashes], hashes.step_seconds)


def _stored(fingerprint: Print) -> StoredPrint:
    return StoredPrint(fingerprint.audio.tolist(), fingerprint.visual.tolist(), fingerprint.visual_step)


def matching_quality(root: Path) -> None:
    index = FingerprintIndex(MemoryTable(), "bench")
    for number in range(SOURCES):
        make_clip(root / f"source{number}.mp4", seed=100 + number, seconds=20.0)
        index.add(TENANT, f"job_source{number}", _stored(print_of(root / f"source{number}.mp4")))
    print(f"{'variant':<12} {'found':>6} {'recall':>7} {'similarity (min/median)':>24} {'offset error max s':>19}")
    true_positive = false_positive = 0
    for name, variant in VARIANTS.items():
        found, similarities, errors = 0, [], []
        for number in range(SOURCES):
            path = root / f"variant{number}.mp4"
            make_variant(root / f"source{number}.mp4", path, variant)
            matches = index.lookup(TENANT, "job_query", print_of(path))
            right = [m for m in matches if m.job_id == f"job_source{number}" and m.similarity >= 0.8]
            false_positive += len([m for m in matches if m.job_id != f"job_source{number}"])
            if right:
                found += 1
                similarities.append(right[0].similarity)
                errors.append(abs(right[0].offset_seconds - variant.trim_start))
        true_positive += found
        sims = f"{min(similarities):.2f}/{float(np.median(similarities)):.2f}" if similarities else "-"
        print(f"{name:<12} {found:>3}/{SOURCES} {found / SOURCES:>7.2f} {sims:>24} {max(errors, default=0):>19.2f}")
    unrelated_hits = 0
    for number in range(UNRELATED):
        make_clip(root / "unrelated.mp4", seed=900 + number, seconds=16.0)
        matches = index.lookup(TENANT, "job_unrelated", print_of(root / "unrelated.mp4"))
        unrelated_hits += len(matches)
    false_positive += unrelated_hits
    queries = SOURCES * len(VARIANTS)
    precision = true_positive / max(1, true_positive + false_positive)
    print(f"recall (similarity >= 0.8, right source): {true_positive}/{queries} = {true_positive / queries:.2f}")
    print(f"precision of reported matches: {precision:.2f}; unrelated clips matched: {unrelated_hits}/{UNRELATED}")


def lookup_cost(root: Path) -> None:
    query = print_of(root / "variant0.mp4")  # the last variant of source 0
    rng = np.random.default_rng(7)
    table = MemoryTable()
    index = FingerprintIndex(table, "bench")
    stored = 0
    for target in (100, 10_000):
        while stored < target:  # 20-s prints: 160 Chromaprint values, 40 pictures
            audio = rng.integers(0, 2**32, size=160, dtype=np.uint64).tolist()
            visual = rng.integers(0, 2**63, size=40, dtype=np.uint64).tolist()
            index.add(TENANT, f"job_{stored:06d}", StoredPrint(audio, visual, 0.5))
            stored += 1
        index.items_read = 0
        started = time.perf_counter()
        runs = 20
        for _ in range(runs):
            index.lookup(TENANT, "job_query", query)
        took = (time.perf_counter() - started) / runs
        read = index.items_read / runs
        print(f"{target:>6} stored prints: {read:.0f} items read per lookup, {took * 1000:.1f} ms per lookup")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fingerprint-") as tmp:
        started = time.perf_counter()
        matching_quality(Path(tmp))
        lookup_cost(Path(tmp))
        print(f"(ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
