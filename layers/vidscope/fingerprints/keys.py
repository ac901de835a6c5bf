"""The hash-band keys a print is indexed under, and the stored form of a print: plain Python and
the standard library only, so that deleting a job (an API function, whose image holds no numpy)
can find a print's keys again.

Locality-sensitive hashing by bands: a copy's sub-fingerprints are near, not equal, to the
source's (a few bits flip). Cut into bands, a near hash still equals its source in at least one
band most of the time, so each band is an exact key an index can look up. Every key is 32 bits,
so that a bucket stays small among a million prints: a 16-bit key is shared by one stored step
in 65,536 by chance, which at 10,000 prints of 20 s already made a lookup read ~220 items.
- Audio: Chromaprint's 32-bit value at step ``i`` cut in two 16-bit halves, each paired with the
  same half ``AUDIO_PAIR_GAP`` steps later. Only the keys whose mixed value falls in one
  ``AUDIO_KEEP``-th are indexed and asked: the choice depends on the content alone, so a source
  and its copy keep the same ones.
- Pictures: the ``VISUAL_KEY_BITS`` lowest-frequency bits of picture ``n``'s pHash (the 8x8 DCT's
  first diagonals, its constant DC bit left out: cropping, rescaling, re-encoding and brightness
  flip them several times less often than the high frequencies) paired with the same bits of
  pictures ``n + g`` for each ``g`` in ``VISUAL_PAIR_GAPS``: three chances per picture that both
  halves survive. A picture is indexed only when it differs from the last one indexed by
  ``VISUAL_NEW_PICTURE_BITS`` or more (a still scene is indexed once); its partners are the
  pictures that follow it, indexed or not. A still scene's pairs repeat one picture's bits: such
  a key holds 16 bits of content, not 32, and is the one kind that can still crowd a bucket.

Key versions (``KEYS_VERSION``) never mix: the version-1 picture keys (four 16-bit bands of one
pHash, prefix ``V``) and the version-2 ones (prefix ``P``) differ in their prefix, a stored print's
record says which version its entries were written with (so deleting it removes exactly those),
and ``FingerprintIndex.reindex`` moves a version-1 print to the current keys."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

KEYS_VERSION = 2
AUDIO_PAIR_GAP = 2
AUDIO_KEEP = 2
VISUAL_KEY_BITS = 16
VISUAL_PAIR_GAPS = (1, 2, 3)
VISUAL_NEW_PICTURE_BITS = 6
_V1_VISUAL_BANDS = 4


def _low_frequency_bits(count: int) -> tuple[int, ...]:
    """The shifts of the pHash's ``count`` lowest-frequency bits. imagehash writes the 8x8 DCT's
    signs row by row from the most significant bit: (row, column) is bit ``63 - 8 * row - column``.
    Taken diagonal by diagonal (row + column), after the DC term (always set)."""
    cells = sorted(((r, c) for r in range(8) for c in range(8) if (r, c) != (0, 0)), key=lambda rc: (sum(rc), rc))
    return tuple(63 - 8 * r - c for r, c in cells[:count])


_LOW_FREQUENCY = _low_frequency_bits(VISUAL_KEY_BITS)


@dataclass(frozen=True)
class StoredPrint:
    """A print as the index keeps it: Chromaprint values (32-bit) and pHashes (64-bit), and the
    version of the keys it is (or is to be) indexed under."""

    audio: Sequence[int]
    visual: Sequence[int]
    visual_step: float
    keys_version: int = KEYS_VERSION


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


def _indexed_pictures(hashes: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(picture number, pHash) of each picture that differs enough from the last one indexed."""
    last: int | None = None
    for number, value in enumerate(int(h) for h in hashes):
        if last is not None and (value ^ last).bit_count() < VISUAL_NEW_PICTURE_BITS:
            continue
        last = value
        yield number, value


def low_frequency(value: int) -> int:
    """The ``VISUAL_KEY_BITS`` lowest-frequency bits of a pHash, as one integer."""
    out = 0
    for shift in _LOW_FREQUENCY:
        out = out << 1 | (value >> shift) & 1
    return out


def visual_keys(hashes: Sequence[int]) -> list[tuple[str, int]]:
    """(key, picture number) for every picture key of the print that is indexed (32 bits each)."""
    values = [int(h) for h in hashes]
    keys = []
    for number, value in _indexed_pictures(values):
        for gap in VISUAL_PAIR_GAPS:
            if number + gap < len(values):
                keys.append((f"P{gap}{low_frequency(value):04x}{low_frequency(values[number + gap]):04x}", number))
    return keys


def _visual_keys_v1(hashes: Sequence[int]) -> list[tuple[str, int]]:
    """Version 1's picture keys (four 16-bit bands of each indexed pHash): kept to remove them."""
    return [
        (f"V{band}{(value >> (16 * band)) & 0xFFFF:04x}", number)
        for number, value in _indexed_pictures(hashes)
        for band in range(_V1_VISUAL_BANDS)
    ]


def index_keys(audio: Sequence[int], visual: Sequence[int], version: int = KEYS_VERSION) -> list[tuple[str, int]]:
    """Every key a print is stored under in ``version``, with its step (audio) or picture number
    (visual), once each."""
    if version not in (1, KEYS_VERSION):
        raise ValueError(f"unknown fingerprint keys version {version}")
    pictures = visual_keys(visual) if version == KEYS_VERSION else _visual_keys_v1(visual)
    return list(dict.fromkeys([*audio_keys(audio), *pictures]))


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
