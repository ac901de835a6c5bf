"""The tenant's failed compute (DESIGN §7): the seconds its failed jobs and failed vision tasks
ran, counted per UTC day in one item of its partition. Stages add to it in the same transaction
that ends the job, so a retried ending counts once; job creation reads it (one GetItem) and
refuses a tenant over its plan's allowance (``catalog.FAILED_COMPUTE_SECONDS_PER_DAY``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from vidscope import catalog
from vidscope.adapters import table
from vidscope.adapters.dynamo import TransactItem, to_attributes


def day_of(now: datetime) -> str:
    """The UTC day a moment counts in."""
    return now.astimezone(UTC).date().isoformat()


def seconds_until_next_day(now: datetime) -> int:
    """Seconds from ``now`` until the next UTC day starts (and the count with it), at least 1."""
    utc = now.astimezone(UTC)
    midnight = datetime.combine(utc.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return max(1, math.ceil((midnight - utc).total_seconds()))


def counter_key(tenant_id: str, now: datetime) -> dict[str, Any]:
    """The counter item's key, as DynamoDB attribute values."""
    return to_attributes(
        {table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.failed_compute_sk(day_of(now))}
    )


def spend(table_name: str, tenant_id: str, seconds: float, now: datetime) -> list[TransactItem]:
    """Add ``seconds`` (rounded up) to the tenant's count for today; none for nothing spent. An
    UpdateItem that creates the item: the stages that end a job hold UpdateItem in the tenant's
    partition already (no PutItem is needed), and the item expires after its day."""
    whole = math.ceil(seconds)
    if whole <= 0:
        return []
    expires = math.ceil(now.timestamp()) + catalog.FAILED_COMPUTE_TTL_SECONDS
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": counter_key(tenant_id, now),
                "UpdateExpression": "ADD #seconds :seconds SET #entity = :entity, #ttl = if_not_exists(#ttl, :ttl)",
                "ExpressionAttributeNames": {"#seconds": "seconds", "#entity": "entity", "#ttl": table.TTL_ATTRIBUTE},
                "ExpressionAttributeValues": to_attributes(
                    {":seconds": whole, ":entity": "failed_compute", ":ttl": expires}
                ),
            }
        }
    ]


def seconds_spent(item: dict[str, Any] | None) -> int:
    """The count a counter item (as plain values, or None when there is none yet) holds."""
    return int((item or {}).get("seconds", 0))
