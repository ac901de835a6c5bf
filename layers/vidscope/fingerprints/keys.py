"""The hash-band keys a print is indexed under, and the stored form of a print: plain Python and
the standard library only, so that deleting a job (an API function, whose image holds no numpy)
can find a print's keys again.

Locality-sensitive hashing by bands: a copy's sub-fingerprints are near, not equal, to the
source's (a few bits flip). Cut into bands, a near hash still equals its source in at least one
band most of the time, so each band is an exact key an index can look up.
- Audio: Chromaprint's 32-bit value at step ``i`` cut in two 16-bit halves, each paired with the
  same half ``AUDIO_PAIR_GAP`` steps later (a 32-bit key, so a bucket stays small among a million
  prints). Only the keys whose mixed value falls in one ``AUDIO_KEEP``-th are indexed and asked:
  the choice depends on the content alone, so a source and its copy keep the same ones.
- Pictures: each 64-bit pHash cut in four 16-bit bands; a picture is indexed only when it differs
  from the last one indexed by ``VISUAL_NEW_PICTURE_BITS`` or more (a still scene is indexed once)."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

AUDIO_PAIR_GAP = 2
AUDIO_KEEP = 2
VISUAL_BANDS = 4
VISUAL_NEW_PICTURE_BITS = 6


@dataclass(frozen=True)
class StoredPrint:
    """A print as the index keeps it: Chromaprint values (32-bit) and pHashes (64-bit)."""

    audio: Sequence[int]
    visual: Sequence[int]
    visual_step: float


def _mix(value: int) -> int:
    return (value * 0x9E3779B1) & 0xFFFFFFFF


def audio_keys(values: Sequence[int]) -> list[tuple[str, int]]:
    """(key, step) for every audio key of the print that is indexed."""
    keys = []
    for step in range(len(values) - AUDIO_PAIR_GAP):
        first, second = int(values[step]), int(values[step + AUDIO_PAIR_GAP])
        for band in (0, 1):
            key = ((first >> (16 * band)) & 0xFFFF) << 16 | ((second >> (16 * band)) & 0xFFFF)
            if _mix(key) >> 28 < 16 // AUDIO_KEEP:
                keys.append((f"A{band}{key:08x}", step))
    return keys


def visual_keys(hashes: Sequence[int]) -> list[tuple[str, int]]:
    """(key, picture number) for every band of every picture that is indexed."""
    keys: list[tuple[str, int]] = []
    last: int | None = None
    for number, value in enumerate(int(h) for h in hashes):
        if last is not None and (value ^ last).bit_count() < VISUAL_NEW_PICTURE_BITS:
            continue
        last = value
        keys.extend((f"V{band}{(value >> (16 * band)) & 0xFFFF:04x}", number) for band in range(VISUAL_BANDS))
    return keys


def index_keys(audio: Sequence[int], visual: Sequence[int]) -> list[tuple[str, int]]:
    """Every key a print is stored under, with its step (audio) or picture number (visual), once each."""
    return list(dict.fromkeys([*audio_keys(audio), *visual_keys(visual)]))


def pack(values: Sequence[int], typecode: str) -> bytes:
    """Values as little-endian unsigned integers (``I``: 32-bit, ``Q``: 64-bit), compressed."""
    packed = array(typecode, (int(v) for v in values))
    if packed.itemsize != {"I": 4, "Q": 8}[typecode]:
        raise ValueError(f"this platform's array {typecode!r} is {packed.itemsize} bytes")
    return zlib.compress(packed.tobytes(), 6)


def unpack(blob: bytes, typecode: str) -> array[int]:
    values = array(typecode)
    values.frombytes(zlib.decompress(blob))
    return values
