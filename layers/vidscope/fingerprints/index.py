"""The tenant's fingerprint index in the single table.

- A bucket per hash-band key (``fingerprint_key_pk``): one item per (job, step) holding that key,
  nothing but its address. A lookup Queries the bounded sample of keys its print asks
  (``matching.query_keys``), each read capped at ``BUCKET_READ_LIMIT`` items: its cost depends on
  the query, never on how many prints the tenant has stored.
- A record per job (``fingerprint_record_pk``): the whole print (compressed) and the version of
  the keys its entries were written under (``keys.KEYS_VERSION``; none written: version 1), read
  for the few candidates the keys voted for, and the sign that the job's entries are complete:
  entries are written first, the record last, so a job without its record is never a match.
The tenant is in every partition key: no lookup can reach another tenant's prints. Storing and
removing need no numpy (``keys``): deleting a job runs in an API function."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vidscope.adapters import table
from vidscope.fingerprints.keys import KEYS_VERSION, StoredPrint, index_keys, pack, unpack

if TYPE_CHECKING:
    from vidscope.fingerprints.matching import Match, Print

BUCKET_READ_LIMIT = 50  # items read per key: a key held by more jobs than this says little anyway
_BATCH_WRITE = 25  # DynamoDB's BatchWriteItem maximum
_BATCH_GET = 100  # DynamoDB's BatchGetItem maximum
_RETRIES = 8


class IndexBusy(Exception):
    """The table throttled the index's writes past every retry: a transient failure."""


class FingerprintIndex:
    """Stores, finds and removes prints; ``items_read`` counts what lookups read (the benchmark)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client, self._table = client, table_name
        self.items_read = 0

    def lookup(self, tenant_id: str, job_id: str, fingerprint: Print) -> list[Match]:
        """The tenant's other stored prints that match ``fingerprint``, most similar first."""
        from vidscope.fingerprints import matching  # numpy: the analysis and the benchmark only

        hits = []
        for key, step in matching.query_keys(fingerprint):
            for other, indexed_step in self._bucket(tenant_id, key):
                if other != job_id:
                    hits.append(matching.to_hit(other, key, step, indexed_step, fingerprint.visual_step))
        voted = matching.candidates(hits)
        records = self._records(tenant_id, [job for job, _offset in voted])
        matches = [
            matching.score(job, fingerprint, matching.Print.stored(records[job]), offset)
            for job, offset in voted
            if job in records
        ]
        kept = [m for m in matches if m.similarity >= matching.MATCH_SIMILARITY]
        return sorted(kept, key=lambda m: (-m.similarity, m.job_id))

    def add(self, tenant_id: str, job_id: str, fingerprint: StoredPrint) -> None:
        """Index the job's print: its keys, then its record (what makes it findable)."""
        entries = _entries(tenant_id, job_id, fingerprint)
        self._write([{"PutRequest": {"Item": entry}} for entry in entries])
        self._write([{"PutRequest": {"Item": _record(tenant_id, job_id, fingerprint)}}])

    def reindex(self, tenant_id: str, job_id: str) -> bool:
        """Move a stored print to the current keys: lookups ask those alone, so a print written
        under older keys is found again only once moved. True when its version changed. The
        entries the current keys no longer hold go first, then the record (now naming the current
        version), then the current entries: cut short anywhere, deleting the job removes all that
        is left, and running it again completes it."""
        found = self._client.get_item(
            TableName=self._table, Key=_record_key(tenant_id, job_id), ConsistentRead=True
        ).get("Item")
        if found is None:
            return False
        old = _stored(found)
        new = replace(old, keys_version=KEYS_VERSION)
        current = _entries(tenant_id, job_id, new)
        kept = {(entry["PK"]["S"], entry["SK"]["S"]) for entry in current}
        stale = [e for e in _entries(tenant_id, job_id, old) if (e["PK"]["S"], e["SK"]["S"]) not in kept]
        self._write([{"DeleteRequest": {"Key": entry}} for entry in stale])
        self._write([{"PutRequest": {"Item": _record(tenant_id, job_id, new)}}])
        self._write([{"PutRequest": {"Item": entry}} for entry in current])
        return old.keys_version != KEYS_VERSION

    def remove(self, tenant_id: str, job_id: str) -> None:
        """Remove the job's print and its key entries (found again from the stored print); nothing
        to do for a job that has none."""
        found = self._client.get_item(
            TableName=self._table, Key=_record_key(tenant_id, job_id), ConsistentRead=True
        ).get("Item")
        if found is not None:
            self.forget(tenant_id, job_id, _stored(found))

    def forget(self, tenant_id: str, job_id: str, fingerprint: StoredPrint) -> None:
        """Delete the entries of ``fingerprint``, then its record: a removal cut short leaves the
        record, from which ``remove`` finds the entries again."""
        entries = _entries(tenant_id, job_id, fingerprint)
        self._write([{"DeleteRequest": {"Key": entry}} for entry in entries])
        self._write([{"DeleteRequest": {"Key": _record_key(tenant_id, job_id)}}])

    def _bucket(self, tenant_id: str, key: str) -> Iterator[tuple[str, int]]:
        answer = self._client.query(
            TableName=self._table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": table.fingerprint_key_pk(tenant_id, key)}},
            ProjectionExpression="SK",
            Limit=BUCKET_READ_LIMIT,
        )
        self.items_read += int(answer.get("ScannedCount", 0))
        for item in answer.get("Items", []):
            job_id, _, step = item["SK"]["S"].rpartition("#")
            yield job_id, int(step)

    def _records(self, tenant_id: str, job_ids: Sequence[str]) -> dict[str, StoredPrint]:
        records: dict[str, StoredPrint] = {}
        for start in range(0, len(job_ids), _BATCH_GET):
            keys = [_record_key(tenant_id, job) for job in job_ids[start : start + _BATCH_GET]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            for _ in range(_RETRIES):
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    self.items_read += 1
                    records[item["PK"]["S"].rpartition("#J#")[2]] = _stored(item)
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
        return records

    def _write(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), _BATCH_WRITE):
            pending: dict[str, Any] = {self._table: requests[start : start + _BATCH_WRITE]}
            for _ in range(_RETRIES):
                pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise IndexBusy("the fingerprint index kept refusing writes (throttled)")


class JobPrints:
    """The index as one job's analysis sees it: its tenant's prints, itself left out."""

    def __init__(self, index: FingerprintIndex, tenant_id: str, job_id: str) -> None:
        self._index, self._tenant_id, self._job_id = index, tenant_id, job_id
        self._stored: StoredPrint | None = None

    def match_then_store(self, fingerprint: Print) -> list[Match]:
        """The tenant's earlier prints that match, then this job's print stored for later jobs
        (a retried analysis stores the same items again)."""
        matches = self._index.lookup(self._tenant_id, self._job_id, fingerprint)
        self._stored = StoredPrint(
            audio=fingerprint.audio.tolist(), visual=fingerprint.visual.tolist(), visual_step=fingerprint.visual_step
        )
        self._index.add(self._tenant_id, self._job_id, self._stored)
        return matches

    def forget(self) -> None:
        """Take back what this analysis stored (its job was deleted while it ran)."""
        if self._stored is not None:
            self._index.forget(self._tenant_id, self._job_id, self._stored)


def _entries(tenant_id: str, job_id: str, fingerprint: StoredPrint) -> list[dict[str, Any]]:
    return [
        {"PK": {"S": table.fingerprint_key_pk(tenant_id, key)}, "SK": {"S": table.fingerprint_entry_sk(job_id, step)}}
        for key, step in index_keys(fingerprint.audio, fingerprint.visual, fingerprint.keys_version)
    ]


def _record(tenant_id: str, job_id: str, fingerprint: StoredPrint) -> dict[str, Any]:
    return {
        **_record_key(tenant_id, job_id),
        "audio": {"B": pack(fingerprint.audio, "I")},
        "visual": {"B": pack(fingerprint.visual, "Q")},
        "visual_step": {"N": repr(fingerprint.visual_step)},
        "keys_version": {"N": str(fingerprint.keys_version)},
    }


def _record_key(tenant_id: str, job_id: str) -> dict[str, Any]:
    return {"PK": {"S": table.fingerprint_record_pk(tenant_id, job_id)}, "SK": {"S": table.FINGERPRINT_RECORD_SK}}


def _stored(item: dict[str, Any]) -> StoredPrint:
    return StoredPrint(
        audio=unpack(item["audio"]["B"], "I"),
        visual=unpack(item["visual"]["B"], "Q"),
        visual_step=float(item["visual_step"]["N"]),
        keys_version=int(item.get("keys_version", {"N": "1"})["N"]),  # written before versions: 1
    )
