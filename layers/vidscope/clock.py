"""Time as a dependency: domain code takes a ``Clock`` so tests can cross time windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_ms(moment: datetime) -> str:
    """ISO 8601, UTC, milliseconds, ``Z`` — the one timestamp format of the API."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())
