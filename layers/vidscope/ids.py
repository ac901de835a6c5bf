"""Public identifiers. Job ids are ``job_`` + a ULID, so they sort by creation time."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from ulid import ULID

JOB_PREFIX = "job_"
_ULID_TIME_CHARS = 10  # a ULID's first 10 Crockford base32 characters encode its millisecond time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # ULIDs cannot encode earlier times; no job predates it
# The instants a list filter may name: [EARLIEST_JOB_TIME, LATEST_JOB_TIME). ULIDs reach year 10889,
# but Python's datetime ends with 9999 and a filter steps a millisecond past its bound, so the last
# year is left out rather than overflowing.
EARLIEST_JOB_TIME = _EPOCH
LATEST_JOB_TIME = datetime(9999, 1, 1, tzinfo=UTC)
JOB_TIME_RANGE = (
    f"from {EARLIEST_JOB_TIME:%Y-%m-%dT%H:%M:%SZ} up to, not including, {LATEST_JOB_TIME:%Y-%m-%dT%H:%M:%SZ}"
)


def new_job_id(now: datetime) -> str:
    return JOB_PREFIX + str(ULID.from_datetime(now))


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def new_upload_id() -> str:
    return "upl_" + str(ULID()).lower()


def new_tenant_id() -> str:
    return "ten_" + str(ULID()).lower()


def new_key_id() -> str:
    return "key_" + str(ULID()).lower()


def in_job_time_range(moment: datetime) -> bool:
    """Whether job ids can bound a listing at ``moment`` (an aware datetime)."""
    return EARLIEST_JOB_TIME <= moment < LATEST_JOB_TIME


def job_id_time_prefix(moment: datetime) -> str:
    """The leading part every job id created in ``moment``'s millisecond starts with."""
    return JOB_PREFIX + str(ULID.from_datetime(max(moment, _EPOCH)))[:_ULID_TIME_CHARS]


def first_job_id_after(moment: datetime) -> str:
    """Smallest possible id of a job created strictly after ``moment`` (millisecond precision)."""
    return job_id_time_prefix(moment.replace(microsecond=moment.microsecond // 1000 * 1000) + timedelta(milliseconds=1))


def is_job_id(value: str) -> bool:
    if not value.startswith(JOB_PREFIX):
        return False
    try:
        ULID.from_str(value[len(JOB_PREFIX) :])
    except ValueError:
        return False
    return True
