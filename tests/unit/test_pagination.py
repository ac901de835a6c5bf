from __future__ import annotations

import pytest

from vidscope.errors import InvalidCursor
from vidscope.jobs.pagination import CursorCodec

CODEC = CursorCodec("unit-test-secret-0123456789")


def test_cursor_round_trips_for_the_same_tenant_and_filters() -> None:
    cursor = CODEC.encode(tenant_id="ten_a", filters="f1", last_job_id="job_X")
    assert CODEC.decode(cursor, tenant_id="ten_a", filters="f1") == "job_X"


@pytest.mark.parametrize(("tenant", "filters"), [("ten_b", "f1"), ("ten_a", "f2")])
def test_cursor_is_bound_to_tenant_and_filters(tenant: str, filters: str) -> None:
    cursor = CODEC.encode(tenant_id="ten_a", filters="f1", last_job_id="job_X")
    with pytest.raises(InvalidCursor):
        CODEC.decode(cursor, tenant_id=tenant, filters=filters)


def test_cursor_signed_with_another_secret_is_refused() -> None:
    forged = CursorCodec("attacker-secret-000000000").encode(tenant_id="ten_a", filters="f1", last_job_id="job_Y")
    with pytest.raises(InvalidCursor):
        CODEC.decode(forged, tenant_id="ten_a", filters="f1")
