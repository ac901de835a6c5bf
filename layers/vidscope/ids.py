"""Public identifiers. Job ids are ``job_`` + a ULID, so they sort by creation time."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from ulid import ULID

JOB_PREFIX = "job_"
_ULID_TIME_CHARS = 10  # a ULID's first 10 Crockford base32 characters encode its millisecond time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # ULIDs cannot encode earlier times; no job predates it


def new_job_id(now: datetime) -> str:
    return JOB_PREFIX + str(ULID.from_datetime(now))


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def new_tenant_id() -> str:
    return "ten_" + str(ULID()).lower()


def new_key_id() -> str:
    return "key_" + str(ULID()).lower()


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
