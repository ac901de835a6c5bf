"""Idempotent job creation: (tenant, Idempotency-Key) → one job for 48 hours.

Why not the Powertools idempotency utility: it keeps its record in a separate write before the
work and its response afterwards, so the job, the credit hold and the key record cannot be one
atomic transaction, and a crash between them leaves an INPROGRESS record or a job without one.
Here the record is written in the same TransactWriteItems as the job and the hold, so however
requests race, exactly one job and one hold exist per key. Expiry is decided by comparing
``expires_at`` with the clock on every read and in the write condition, never by trusting TTL
deletion (DynamoDB deletes expired items lazily, up to days late).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vidscope import catalog
from vidscope.adapters import table
from vidscope.adapters.dynamo import TransactItem, to_attributes
from vidscope.clock import epoch_seconds
from vidscope.errors import IdempotencyKeyReused


def key_digest(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def request_fingerprint(request_body: dict[str, Any]) -> str:
    """Same parsed request → same fingerprint, whatever the key order or whitespace."""
    canonical = json.dumps(request_body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class IdempotencyRecord:
    job_id: str
    fingerprint: str
    expires_at: int

    def is_live(self, now: datetime) -> bool:
        return epoch_seconds(now) < self.expires_at

    def job_for(self, fingerprint: str) -> str:
        """The job to replay for a request with ``fingerprint``; a different body is an error."""
        if fingerprint != self.fingerprint:
            raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request body")
        return self.job_id


def record_put(
    table_name: str, tenant_id: str, digest: str, fingerprint: str, job_id: str, now: datetime
) -> TransactItem:
    """The key record, written with the job; it replaces only a record whose time is up."""
    expires_at = epoch_seconds(now) + catalog.IDEMPOTENCY_TTL_SECONDS
    item = {
        table.PARTITION_KEY: table.tenant_pk(tenant_id),
        table.SORT_KEY: table.idempotency_sk(digest),
        "entity": "idempotency",
        "job_id": job_id,
        "fingerprint": fingerprint,
        "expires_at": expires_at,
        table.TTL_ATTRIBUTE: expires_at,
    }
    return {
        "Put": {
            "TableName": table_name,
            "Item": to_attributes(item),
            "ConditionExpression": "attribute_not_exists(PK) OR expires_at <= :now",
            "ExpressionAttributeValues": to_attributes({":now": epoch_seconds(now)}),
        }
    }


def record_from_item(item: dict[str, Any]) -> IdempotencyRecord:
    return IdempotencyRecord(job_id=item["job_id"], fingerprint=item["fingerprint"], expires_at=int(item["expires_at"]))
