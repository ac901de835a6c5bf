"""Puts job events on the Vidscope bus, from the table's change stream.

Records are handled in stream order. PutEvents takes up to 10 entries a call, and may accept
some and refuse others (``FailedEntryCount``): refused entries are retried with backoff, never
dropped. If they are still refused, the batch stops at the first record whose events did not
all go out and reports it as the batch item failure, so Lambda resumes from that record and no
earlier event is sent twice. (Powertools' batch processor handles each record on its own, which
would publish the records after a failed one and then publish them again on the retry; this
one-checkpoint rule is why the stream side is not built on it.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vidscope.adapters.dynamo import from_attributes
from vidscope.events import contract as events
from vidscope.jobs.repository import JobRecord
from vidscope.log import logger

_MAX_ENTRIES_PER_CALL = 10


@dataclass(frozen=True)
class StreamRecord:
    sequence_number: str
    events: list[events.JobEvent]


def _job(image: dict[str, Any] | None) -> JobRecord | None:
    # Told apart before it is read: the table's other items are no job's business, and some hold
    # binary attributes (fingerprints), which a stream event carries as base64 text that boto3's
    # deserializer refuses: reading them failed every batch they were in.
    if not image or image.get("entity") != {"S": "job"}:
        return None
    return JobRecord.model_validate(from_attributes(image))


def stream_records(records: Iterable[dict[str, Any]]) -> list[StreamRecord]:
    """The events of each DynamoDB stream record (Lambda's event format), in order."""
    parsed = []
    for record in records:
        change = record["dynamodb"]
        old, new = _job(change.get("OldImage")), _job(change.get("NewImage"))
        found = events.changes(old, new) if new is not None else []
        parsed.append(StreamRecord(change["SequenceNumber"], found))
    return parsed


class EventPublisher:
    def __init__(
        self,
        client: Any,
        bus_name: str,
        *,
        attempts: int = 5,
        backoff_seconds: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._bus = bus_name
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep

    def _entry(self, event: events.JobEvent) -> dict[str, Any]:
        return {
            "Source": events.SOURCE,
            "DetailType": event.detail_type.value,
            "Detail": event.detail_json(),
            "EventBusName": self._bus,
            # The event's time is when the change was written, not when it was published.
            "Time": datetime.fromisoformat(event.time),
        }

    def put(self, batch: list[events.JobEvent]) -> list[bool]:
        """Put up to 10 events, retrying the refused ones; whether each was accepted in the end."""
        entries = [self._entry(e) for e in batch]
        accepted = [False] * len(batch)
        pending = list(range(len(batch)))
        for attempt in range(self._attempts):
            response = self._client.put_events(Entries=[entries[i] for i in pending])
            results = response["Entries"]
            refused = [i for i, result in zip(pending, results, strict=True) if "ErrorCode" in result]
            for i in set(pending) - set(refused):
                accepted[i] = True
            if not refused:
                break
            codes = sorted({r["ErrorCode"] for r in results if "ErrorCode" in r})
            logger.warning("PutEvents refused entries", extra={"refused": len(refused), "codes": codes})
            pending = refused
            if attempt + 1 < self._attempts:
                self._sleep(self._backoff * 2**attempt)
        return accepted

    def publish_stream(self, records: list[StreamRecord]) -> list[str]:
        """Publish the records' events in order; the sequence numbers to report as failed
        (empty when everything went out)."""
        index = 0
        while index < len(records):
            # Whole records per call, up to PutEvents' 10 entries.
            chunk: list[tuple[int, events.JobEvent]] = []
            end = index
            while end < len(records) and len(chunk) + len(records[end].events) <= _MAX_ENTRIES_PER_CALL:
                chunk += [(end, e) for e in records[end].events]
                end += 1
            if end == index:  # one record with more events than a call takes (cannot happen today)
                chunk, end = [(index, e) for e in records[index].events], index + 1
            accepted: list[bool] = []
            for start in range(0, len(chunk), _MAX_ENTRIES_PER_CALL):
                accepted += self.put([e for _, e in chunk[start : start + _MAX_ENTRIES_PER_CALL]])
            unsent = [record for (record, _), ok in zip(chunk, accepted, strict=True) if not ok]
            if unsent:
                # Lambda resumes from this record; events of later records in this call that were
                # accepted go out again then (subscribers drop them by job_id and version).
                logger.error("job events not published; the stream resumes from this record")
                return [records[min(unsent)].sequence_number]
            index = end
        return []
