"""Prices, limits and plans: the data the business runs on, in one place. Each capability's own
price is declared with it (``vidscope.capabilities``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

# Media longer than this is rejected at ingestion (MEDIA_TOO_LONG).
MAX_MEDIA_SECONDS: Final = 60 * 60
MAX_MEDIA_BYTES: Final = 2 * 1024**3
MAX_METADATA_KEYS: Final = 20
MAX_METADATA_KEY_LENGTH: Final = 40
MAX_METADATA_VALUE_LENGTH: Final = 500
MAX_URL_LENGTH: Final = 2048
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255
# A remote site's title is cut to this many characters (cleaned of controls first) before it is
# stored: it rides in every write of the job item, and in every read, event and webhook.
MAX_REMOTE_TITLE_LENGTH: Final = 300
IDEMPOTENCY_TTL_SECONDS: Final = 48 * 60 * 60

# GET /v1/jobs/{id} (and the webhook) cut each list-valued result to this many items, so they
# stay far below every service quota; /results/{capability} pages the rest.
BOUNDED_RESULT_ITEMS: Final = 100
# /results/{capability} pages start at most this far in: beyond the longest list a result can hold
# (an hour's words, a thousand comments), so a larger offset is a client's mistake, told as such.
MAX_RESULT_OFFSET: Final = 1_000_000
# How long a presigned artifact URL (thumbnail, frame) lives; a fresh one is minted on every read.
# Signed with the reading function's temporary credentials, it dies with them if they expire first.
ARTIFACT_URL_SECONDS: Final = 60 * 60
# An upload not used by a job within this long is gone (its record expires; the bucket removes the
# object a day later).
UPLOAD_TTL_SECONDS: Final = 24 * 60 * 60
# Its presigned PUT: an hour, which the signing function's role session outlives (a URL dies with
# the credentials that signed it, whatever it says); a client that needs longer starts another upload.
UPLOAD_URL_SECONDS: Final = 60 * 60
# Uploads a tenant may hold that no job has used and that have not expired: each may be a file of
# MAX_MEDIA_BYTES that S3 keeps, unbilled, until a job uses it or the bucket expires it (one to
# two days), so this bounds what a tenant can store for free. One more is 429 TOO_MANY_OPEN_UPLOADS.
MAX_OPEN_UPLOADS: Final = 20

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


def billable_minutes(duration_seconds: float) -> int:
    return max(1, math.ceil(duration_seconds / 60))


def credits_for(capabilities: Iterable[str], duration_seconds: float, size_bytes: int = 0) -> int:
    """Credits for running ``capabilities`` on media of the given duration and size."""
    return sum(cost_breakdown(capabilities, duration_seconds, size_bytes).values())


def cost_breakdown(capabilities: Iterable[str], duration_seconds: float, size_bytes: int = 0) -> dict[str, int]:
    """Each capability's price on media of the given duration and size (in bytes): its credits per
    started minute, or for a capability priced by size too (``mib_per_credit``: one that stores
    the file) a credit per started that many MiB when that comes to more. A file dense in bytes
    (lossless pictures, a high bitrate) pays for what it stores; an ordinary one, for its minutes."""
    # Imported here: the limits above are read by every process (settings, the worker), prices
    # only where jobs are priced.
    from vidscope.capabilities import REGISTRY

    minutes = billable_minutes(duration_seconds)
    prices = {}
    for name in capabilities:
        capability = REGISTRY[name]
        by_size = math.ceil(size_bytes / (capability.mib_per_credit * 2**20)) if capability.mib_per_credit else 0
        prices[name] = max(capability.credits_per_minute * minutes, by_size)
    return prices


def minimum_credits(capabilities: Iterable[str]) -> int:
    """The hold taken at creation, before the media's duration and size are known: one billable minute.
    Ingestion raises it to the real price once it knows the duration, or fails the job."""
    return credits_for(capabilities, 0)
