"""Prices, limits, plans and the capability registry: the data the business runs on, in one place."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Capability:
    name: str
    credits_per_minute: int
    description: str
    # Runs in the analysis stage on the transcript (one Lambda each, in parallel); transcription
    # itself is the transcription stage and every job runs it.
    analysis: bool = True


CAPABILITIES: Final[dict[str, Capability]] = {
    c.name: c
    for c in (
        Capability("transcription", 2, "Speech to text with segment timestamps", analysis=False),
        Capability("summary", 1, "Extractive summary and key topics"),
        Capability("brands", 1, "Brand mentions, optionally with timestamped proof"),
    )
}

# Media longer than this is rejected at ingestion (MEDIA_TOO_LONG). The credit hold at creation
# covers this much media, so the charge at completion can never exceed the hold.
MAX_MEDIA_SECONDS: Final = 60 * 60
MAX_MEDIA_BYTES: Final = 2 * 1024**3
MAX_METADATA_KEYS: Final = 20
MAX_METADATA_KEY_LENGTH: Final = 40
MAX_METADATA_VALUE_LENGTH: Final = 500
MAX_URL_LENGTH: Final = 2048
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255
IDEMPOTENCY_TTL_SECONDS: Final = 48 * 60 * 60

LIST_DEFAULT_LIMIT: Final = 20
LIST_MAX_LIMIT: Final = 100

RATE_LIMIT_WINDOW_SECONDS: Final = 60
# Requests without a valid key are limited per source address, so key guessing is throttled too.
ANONYMOUS_RATE_LIMIT_PER_MINUTE: Final = 60

PLANS: Final[dict[str, int]] = {"free": 60, "pro": 600, "enterprise": 6000}
"""Plan name → requests per minute per API key. A tenant may carry a custom limit."""

MAX_ACTIVE_JOBS: Final[dict[str, int]] = {"free": 2, "pro": 10, "enterprise": 50}
"""Plan name → pending and processing jobs a tenant may have at once. Each job holds a Lambda or
a GPU task for minutes, so this, not the request rate, is what keeps one tenant from taking the
account's concurrency; a job over it is refused (429 ``TOO_MANY_ACTIVE_JOBS``), never queued."""
# How long a client refused by the ceiling is told to wait: about one short job.
ACTIVE_JOBS_RETRY_AFTER_SECONDS: Final = 30


def max_active_jobs(plan: str) -> int:
    """The plan's ceiling; an unknown plan gets the smallest."""
    return MAX_ACTIVE_JOBS.get(plan, min(MAX_ACTIVE_JOBS.values()))


def analyses(capabilities: list[str]) -> list[str]:
    """The requested capabilities that run in the analysis stage, in request order."""
    return [name for name in capabilities if CAPABILITIES[name].analysis]


def billable_minutes(duration_seconds: float) -> int:
    return max(1, math.ceil(duration_seconds / 60))


def credits_for(capabilities: list[str], duration_seconds: float) -> int:
    """Credits for running ``capabilities`` on media of the given duration."""
    per_minute = sum(CAPABILITIES[name].credits_per_minute for name in capabilities)
    return per_minute * billable_minutes(duration_seconds)


def estimate_credits(capabilities: list[str]) -> int:
    """The hold taken at creation: the price of the longest media a job may have."""
    return credits_for(capabilities, MAX_MEDIA_SECONDS)
