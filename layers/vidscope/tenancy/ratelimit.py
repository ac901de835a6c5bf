"""Per-key request limits: a sliding one-minute window, as a weighted two-window counter.

The estimate is ``previous_window_count * (share of the previous window still inside the last
60 s) + current_window_count``. The increment is a conditional ADD, so concurrent requests can
never push the count past the limit, and refused requests are not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vidscope import catalog
from vidscope.adapters import table
from vidscope.adapters.dynamo import from_attributes, is_error, to_attributes
from vidscope.clock import Clock

WINDOW = catalog.RATE_LIMIT_WINDOW_SECONDS


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        """Legacy ``X-RateLimit-*`` plus the IETF draft ``RateLimit-Policy``/``RateLimit``."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f'"default";q={self.limit};w={WINDOW}',
            "RateLimit": f'"default";r={self.remaining};t={self.reset_seconds}',
        }


class RateLimiter:
    def __init__(self, client: Any, table_name: str, clock: Clock) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def _key(self, subject: str, window_start: int) -> dict[str, Any]:
        return to_attributes(
            {table.PARTITION_KEY: table.rate_limit_pk(subject), table.SORT_KEY: table.rate_limit_sk(window_start)}
        )

    def hit(self, subject: str, limit: int) -> RateLimitDecision:
        """Count one request for ``subject`` if it fits under ``limit`` per sliding minute."""
        now: datetime = self._clock()
        timestamp = now.timestamp()
        window_start = int(timestamp // WINDOW * WINDOW)
        elapsed = timestamp - window_start
        reset = max(1, math.ceil(WINDOW - elapsed))
        previous = self._client.get_item(TableName=self._table, Key=self._key(subject, window_start - WINDOW))
        previous_count = int(from_attributes(previous.get("Item", {})).get("count", 0))
        carried = previous_count * (WINDOW - elapsed) / WINDOW
        # A request fits if carried + (count + 1) <= limit, i.e. count < floor(limit - carried).
        room = math.floor(limit - carried)
        if room <= 0:
            return RateLimitDecision(False, limit, 0, reset)
        try:
            updated = self._client.update_item(
                TableName=self._table,
                Key=self._key(subject, window_start),
                UpdateExpression="ADD #count :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#count) OR #count < :room",
                ExpressionAttributeNames={"#count": "count", "#ttl": table.TTL_ATTRIBUTE},
                ExpressionAttributeValues=to_attributes({":one": 1, ":room": room, ":ttl": window_start + 3 * WINDOW}),
                ReturnValues="UPDATED_NEW",
            )
        except Exception as exc:
            if is_error(exc, "ConditionalCheckFailedException"):
                return RateLimitDecision(False, limit, 0, reset)
            raise
        count = int(from_attributes(updated["Attributes"])["count"])
        remaining = max(0, math.floor(limit - carried - count))
        return RateLimitDecision(True, limit, remaining, reset)
