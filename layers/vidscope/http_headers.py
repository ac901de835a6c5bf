"""HTTP header values our own HTTP clients read (the API client and the webhook sender), parsed
once for both."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """The seconds a ``Retry-After`` value asks to wait (RFC 9110 §10.2.3): delta-seconds, or an
    HTTP-date counted from ``now`` (a date already past is 0). None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - now).total_seconds(), 0.0) if when.tzinfo else None
