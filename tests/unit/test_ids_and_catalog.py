from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vidscope import catalog
from vidscope.capabilities import REGISTRY
from vidscope.clock import iso_ms
from vidscope.ids import first_job_id_after, is_job_id, job_id_time_prefix, new_job_id


def test_job_ids_sort_by_creation_time() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_job_id(start + timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids)
    assert all(is_job_id(i) for i in ids)


def test_time_bounds_bracket_ids_of_that_millisecond() -> None:
    moment = datetime(2026, 1, 1, 0, 0, 0, 5000, tzinfo=UTC)
    job_id = new_job_id(moment)
    assert job_id_time_prefix(moment) <= job_id < first_job_id_after(moment)


def test_malformed_job_ids_are_not_job_ids() -> None:
    assert not is_job_id("job_123")
    assert not is_job_id("../../etc")


def test_timestamps_are_utc_milliseconds_with_z() -> None:
    assert iso_ms(datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)) == "2026-03-04T05:06:07.891Z"


def test_prices_are_per_started_minute_and_the_first_hold_is_one_minute() -> None:
    caps = list(REGISTRY)
    per_minute = sum(REGISTRY[c].credits_per_minute for c in caps)
    assert catalog.minimum_credits(caps) == per_minute == catalog.credits_for(caps, 1)
    for seconds, minutes in ((1, 1), (59, 1), (60, 1), (61, 2), (1799, 30), (catalog.MAX_MEDIA_SECONDS, 60)):
        assert catalog.credits_for(caps, seconds) == per_minute * minutes
        assert catalog.cost_breakdown(caps, seconds) == {c: REGISTRY[c].credits_per_minute * minutes for c in caps}
    assert catalog.credits_for(["transcription"], 61) == 2 * REGISTRY["transcription"].credits_per_minute


def test_time_bounds_before_1970_clamp_to_the_first_possible_id() -> None:
    early = datetime(1900, 1, 1, tzinfo=UTC)
    assert job_id_time_prefix(early) == job_id_time_prefix(datetime(1970, 1, 1, tzinfo=UTC))
    assert first_job_id_after(early) <= new_job_id(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
