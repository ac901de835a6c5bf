"""Which answers of a receiver are retried, and how long to wait before each retry."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FINAL = "final"
    GONE = "gone"


def verdict_of(status_code: int | None, *, blocked: bool) -> Verdict:
    """Retry on timeouts, network errors, 408, 429 and 5xx; 410 switches the URL off; any other
    status below 200 or from 300 up is final (redirects are not followed: a webhook URL must be
    the receiver itself), and so is a POST the SSRF guard or a missing secret stopped
    (``blocked``)."""
    if status_code is None:
        return Verdict.FINAL if blocked else Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.DELIVERED
    if status_code == 410:
        return Verdict.GONE
    if status_code in (408, 429) or status_code >= 500:
        return Verdict.RETRY
    return Verdict.FINAL


@dataclass(frozen=True)
class RetryPolicy:
    schedule: tuple[int, ...]
    jitter: float

    def delay_before(self, step: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before attempt ``step`` (None: the schedule is spent). A receiver's
        Retry-After lengthens the wait, up to the schedule's longest delay."""
        if step >= len(self.schedule):
            return None
        delay = self.schedule[step] * (1 + rng.uniform(0, self.jitter))
        if retry_after is not None:
            delay = max(delay, min(retry_after, max(self.schedule)))
        return delay
