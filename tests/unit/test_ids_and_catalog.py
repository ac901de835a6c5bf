from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vidscope import catalog
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


def test_the_hold_covers_the_charge_for_any_allowed_duration() -> None:
    caps = list(catalog.CAPABILITIES)
    for seconds in (1, 59, 60, 61, 1799, catalog.MAX_MEDIA_SECONDS):
        assert catalog.credits_for(caps, seconds) <= catalog.estimate_credits(caps)
    assert catalog.credits_for(["transcription"], 61) == 2 * catalog.CAPABILITIES["transcription"].credits_per_minute


def test_time_bounds_before_1970_clamp_to_the_first_possible_id() -> None:
    early = datetime(1900, 1, 1, tzinfo=UTC)
    assert job_id_time_prefix(early) == job_id_time_prefix(datetime(1970, 1, 1, tzinfo=UTC))
    assert first_job_id_after(early) <= new_job_id(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
