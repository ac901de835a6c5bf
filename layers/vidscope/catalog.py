"""Prices, limits and plans: the data the business runs on, in one place. Each capability's own
price is declared with it (``vidscope.capabilities``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
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


# Encoders pad: AAC fills its last frame and prepends its priming samples, so a minute of sound
# decodes to 60.01 s. This much past a minute's boundary does not start a new billable minute
# (a client who cut exactly 60 s is not billed two); at most 0.5 s a minute goes unbilled.
BILLING_PADDING_SECONDS: Final = 0.5


def billable_minutes(duration_seconds: float) -> int:
    """Started minutes of the billed duration, at least one; BILLING_PADDING_SECONDS past a
    boundary starts none."""
    return max(1, math.ceil((duration_seconds - BILLING_PADDING_SECONDS) / 60))


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
    from vidscope import capabilities as registry

    minutes = billable_minutes(duration_seconds)
    prices = {}
    for name in capabilities:
        capability = registry.get(name)
        by_size = math.ceil(size_bytes / (capability.mib_per_credit * 2**20)) if capability.mib_per_credit else 0
        prices[name] = max(capability.credits_per_minute * minutes, by_size)
    return prices


# What a job that reuses another's results (DESIGN §3b, Reuse) is charged: its ingestion (the
# download, the probe and the content hash), per started minute, under the cost_breakdown key
# "ingestion"; none of its capabilities is computed, so none is charged.
INGESTION_CREDITS_PER_MINUTE: Final = 1
INGESTION_CHARGE: Final = "ingestion"


def reuse_breakdown(duration_seconds: float) -> dict[str, int]:
    """The cost breakdown of a job whose results were reused: its ingestion only."""
    return {INGESTION_CHARGE: INGESTION_CREDITS_PER_MINUTE * billable_minutes(duration_seconds)}


def minimum_credits(capabilities: Iterable[str]) -> int:
    """The hold taken at creation, before the media's duration and size are known: one billable minute.
    Ingestion raises it to the real price once it knows the duration, or fails the job."""
    return credits_for(capabilities, 0)


# --- Time budgets: what a stage may take, from what the job paid for (DESIGN §7) ---------------
# Each media stage and each analysis gets ``base + per_media_second x billed duration`` seconds,
# computed once by ingestion (``time_budgets``) and handed on by the ASL: the worker stops itself
# at its budget (TaskOutOfTime, never retried on the same input) and Step Functions' own timeout is
# only the backstop behind it. A longer job has paid for more minutes, so it gets more time; a
# 1-minute job can no longer hold a task for an hour.
@dataclass(frozen=True)
class TimeBudget:
    base_seconds: float
    per_media_second: float

    def seconds(self, duration_seconds: float, ceiling: float) -> int:
        """The budget for media of the billed duration, never above ``ceiling`` nor under a second."""
        return max(1, math.ceil(min(ceiling, self.base_seconds + self.per_media_second * duration_seconds)))


# Transcription. Measured: faster-whisper tiny.en int8 on 2 CPUs runs at RTF ≈ 0.04 (10 minutes of
# speech in ≈ 24 s, DESIGN "Measured facts"); large-v3 float16 on the cloud's GPU is of the same
# order. 0.3 s per media second is ≈ 7x that, room for sequential decoding's slow windows and a
# slower card; the base covers the S3 download (≤ 2 GiB), the model load and the first call (≥ 1 s
# even for a 1-s clip). 60 minutes of media: 20 minutes of task, not the former fixed 3 hours.
TRANSCRIPTION_TIME_BUDGET: Final = TimeBudget(base_seconds=120, per_media_second=0.3)
# Vision. Measured: see() at 0.398 x real time on 2 vCPUs (bench/vision.py, README; OCR is 85 %
# of it). 0.9 s per media second is ≈ 2.3x that; the base covers the download, the libraries'
# import and the OCR model's load. 60 minutes of media: 55 minutes; 1 minute: 114 s (was 60 min).
VISION_TIME_BUDGET: Final = TimeBudget(base_seconds=60, per_media_second=0.9)
# One analysis (the heavy Lambda step). Measured: clip rendering at 0.11 x real time per output
# second (bench/render.py), text analyses in well under a second per minute of transcript; 0.2 s
# per media second is ≈ 2x the render rate for clips as long as the media. Never above
# ANALYSIS_TIME_CEILING_SECONDS: the analyze function's Lambda timeout (300 s, vidscope.functions)
# stops the compute there whatever Step Functions waits for, so the budget stays under it.
ANALYSIS_TIME_BUDGET: Final = TimeBudget(base_seconds=30, per_media_second=0.2)
ANALYSIS_TIME_CEILING_SECONDS: Final = 280
# One render (the render function: a capability that encodes video, style). Measured
# (bench/style.py, 720p30 source): the whole application (two decodes, measures, LUT, sound,
# H.264 encode) takes ~0.74 CPU-s per media second (the render alone 0.55), which the function's
# 6 vCPUs (10 GB) run in well under real time; 1 s per media second (of both media) is more than
# twice what 2 cores need even if it all ran on one thread, and a
# 10-minute source with a 1-minute template gets 720 s, under the ceiling. Never above
# RENDER_TIME_CEILING_SECONDS, under the render function's 900 s Lambda timeout.
RENDER_TIME_BUDGET: Final = TimeBudget(base_seconds=60, per_media_second=1.0)
RENDER_TIME_CEILING_SECONDS: Final = 880


# Step Functions' timeout on a container task is the backstop behind the worker's own budget: it
# runs from RunTask, so it adds the heartbeat window (the most a task may take to start) and this
# margin, for the worker's TaskOutOfTime to arrive before it.
TASK_TIMEOUT_MARGIN_SECONDS: Final = 30


def time_budgets(
    duration_seconds: float,
    *,
    transcription_ceiling: float,
    vision_ceiling: float,
    heartbeat_seconds: int,
    second_media_seconds: float = 0.0,
) -> dict[str, int]:
    """Seconds each stage of a job on media of this billed duration may run, by stage name, and
    the backstop timeouts of the container tasks (``*_timeout``); the ceilings come from the
    settings (deployed: 3 h and 1 h; tests: seconds). ``second_media_seconds``: the longest
    second media's billed seconds, which a render reads too."""
    transcription = TRANSCRIPTION_TIME_BUDGET.seconds(duration_seconds, transcription_ceiling)
    vision = VISION_TIME_BUDGET.seconds(duration_seconds, vision_ceiling)
    backstop = heartbeat_seconds + TASK_TIMEOUT_MARGIN_SECONDS
    return {
        "transcription": transcription,
        "vision": vision,
        "analysis": ANALYSIS_TIME_BUDGET.seconds(duration_seconds, ANALYSIS_TIME_CEILING_SECONDS),
        # A render reads the job's media and its capability's second media (the template).
        "render": RENDER_TIME_BUDGET.seconds(duration_seconds + second_media_seconds, RENDER_TIME_CEILING_SECONDS),
        "transcription_timeout": transcription + backstop,
        "vision_timeout": vision + backstop,
    }


# --- Failed compute: what a tenant's failures may cost us per day (DESIGN §7) -----------------
# A failed job is refunded (DESIGN §5: the customer never pays for what failed, which may be our
# fault), so failures are not charged; they are counted instead. Every second a failed job ran
# (ingestion to failure), and every second a failed vision task ran in a job that completed
# without its frame capabilities, adds to a per-tenant counter for the UTC day; once the day's
# count reaches the plan's allowance, job creation answers 429 FAILED_COMPUTE_BUDGET_EXCEEDED
# until the day rolls. Charging failed compute instead would bill honest customers for media we
# could not handle; a cap bounds what a hostile one costs without that. Free: 30 minutes, about
# 15 failed vision tasks on the 1-minute media a small balance can pay for; pro and enterprise
# scale with their active-job ceilings (MAX_ACTIVE_JOBS).
FAILED_COMPUTE_SECONDS_PER_DAY: Final[dict[str, int]] = {"free": 30 * 60, "pro": 6 * 3600, "enterprise": 30 * 3600}
# The counter item outlives its day by this much (TTL), so a read near midnight still finds it.
FAILED_COMPUTE_TTL_SECONDS: Final = 2 * 24 * 60 * 60


def failed_compute_budget(plan: str) -> int:
    """The plan's daily allowance of failed-compute seconds; an unknown plan gets the smallest."""
    return FAILED_COMPUTE_SECONDS_PER_DAY.get(plan, min(FAILED_COMPUTE_SECONDS_PER_DAY.values()))
