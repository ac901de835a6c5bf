"""The index's bookkeeping across key versions, on an in-memory table: a print stored under the
version-1 picture keys (16-bit bands) is found by its sound alone, is removed whole, and is found
by its pictures again once ``reindex`` moves it to the current keys."""

from __future__ import annotations

import numpy as np

from tests.support.fingerprint_table import MemoryTable
from vidscope.fingerprints import keys
from vidscope.fingerprints.index import FingerprintIndex
from vidscope.fingerprints.matching import Print

TENANT = "ten_a"
RNG = np.random.default_rng(11)


def _pictures(n: int) -> list[int]:
    # Pictures of a changing scene: each 24 bits from the last (a still would be indexed once).
    values = [int(RNG.integers(0, 2**63))]
    for _ in range(n - 1):
        flips = RNG.choice(64, size=24, replace=False)
        values.append(values[-1] ^ sum(1 << int(bit) for bit in flips))
    return values


def _old_print(table: MemoryTable, index: FingerprintIndex, job_id: str, visual: list[int]) -> None:
    """A print as the first index wrote it: version-1 entries, a record without a version."""
    audio = [int(v) for v in RNG.integers(0, 2**32, size=120, dtype=np.uint64)]
    index.add(TENANT, job_id, keys.StoredPrint(audio, visual, 0.5, keys_version=1))
    [record] = [item for pk, bucket in table.items.items() if pk.endswith(f"#J#{job_id}") for item in bucket.values()]
    del record["keys_version"]


def test_an_old_print_is_found_by_its_pictures_only_once_reindexed() -> None:
    table = MemoryTable()
    index = FingerprintIndex(table, "t")
    pictures = _pictures(40)
    _old_print(table, index, "job_old", pictures)
    assert any("#K#V" in pk for pk, _sk in table.entries())
    query = Print.of([], pictures[5:35], 0.5)  # its pictures alone, trimmed
    assert index.lookup(TENANT, "job_new", query) == []  # the current keys never meet version 1's
    # When it is moved to the current keys
    assert index.reindex(TENANT, "job_old") is True
    # Then no version-1 entry is left, and its pictures find it at the right offset
    assert not any("#K#V" in pk for pk, _sk in table.entries())
    [match] = index.lookup(TENANT, "job_new", query)
    assert match.job_id == "job_old" and match.kind == "visual" and abs(match.offset_seconds - 2.5) < 0.01
    assert index.reindex(TENANT, "job_old") is False  # already current: rewritten, unchanged
    # And removing it leaves nothing
    index.remove(TENANT, "job_old")
    assert table.entries() == []


def test_removing_an_old_print_removes_its_version_1_entries() -> None:
    table = MemoryTable()
    index = FingerprintIndex(table, "t")
    _old_print(table, index, "job_old", _pictures(30))
    index.add(TENANT, "job_current", keys.StoredPrint([], _pictures(30), 0.5))
    current = {entry for entry in table.entries() if "job_current" in entry[0] + entry[1]}
    index.remove(TENANT, "job_old")
    assert set(table.entries()) == current
