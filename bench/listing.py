"""Listing cost: DynamoDB items read per page with 100 and with 10,000 jobs in the tenant.

Prints, for every filter combination, the ScannedCount and read units (computed from item sizes
per DynamoDB's sizing rules, eventually consistent) of a first page and of a cursor page, side
by side for both tenant sizes. Target: identical at both sizes and ScannedCount <= limit + 1.
A capability filter reads the capability's markers (ScannedCount) and then the page's jobs by
key (BatchGetItem): both are printed, items read = markers + jobs fetched <= 2 x limit + 1.
moto's own query time grows with the partition, so time is deliberately not the measure.

Run: ``make bench`` (or ``python -m bench.listing``).
"""

from __future__ import annotations

import itertools
import math
import os
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

import boto3
from moto import mock_aws

from vidscope import catalog, dependencies
from vidscope.adapters import table
from vidscope.adapters.dynamo import to_attributes
from vidscope.ids import new_job_id
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.repository import JobPage, JobRecord, JobsRepository, capability_marker_items, job_item
from vidscope.models import JobStatus, Platform

# Small enough that even the 100-job tenant has two full pages for every filter combination
# (half its jobs are completed; the time filters keep the middle half), so pages compare like for like.
LIMIT = 10
START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = [JobStatus.COMPLETED, JobStatus.PENDING]


class RecordingRepository(JobsRepository):
    """The real repository, remembering the raw page it read last."""

    last: JobPage | None = None
    fetched: tuple[JobRecord, ...] = ()

    def query(self, *args: Any, **kwargs: Any) -> JobPage:
        self.last = super().query(*args, **kwargs)
        self.fetched = ()
        return self.last

    def get_many(self, tenant_id: str, job_ids: Any) -> list[JobRecord]:
        found = super().get_many(tenant_id, job_ids)
        self.fetched = tuple(found)
        return found


def item_size(value: Any) -> int:
    """Bytes an attribute value counts for in DynamoDB (strings UTF-8, numbers ~1 byte per 2 digits)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return math.ceil(len(inner.lstrip("-").replace(".", "")) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + item_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(item_size(v) + 1 for v in inner)
    return len(str(inner))


def read_units(items: list[dict[str, Any]]) -> float:
    total = sum(sum(len(k.encode()) + item_size(v) for k, v in item.items()) for item in items)
    return math.ceil(total / 4096) * 0.5


def seed(client: Any, table_name: str, tenant_id: str, count: int) -> None:
    requests = []
    for n in range(count):
        moment = START + timedelta(seconds=n)
        record = JobRecord(
            job_id=new_job_id(moment),
            tenant_id=tenant_id,
            status=STATUSES[n % len(STATUSES)],
            url="https://www.youtube.com/watch?v=bench",
            platform=Platform.YOUTUBE,
            # Two jobs in three also ask for shots: the filter skips the others, and the 100-job
            # tenant still has two full pages of them between the time filters.
            capabilities=["transcription", "summary", "brands"] + (["shots"] if n % 3 else []),
            credits_estimated=240,
            credits_held=240,
            return_proof=False,
            created_at=moment.isoformat(),
            updated_at=moment.isoformat(),
        )
        requests.append({"PutRequest": {"Item": to_attributes(job_item(record))}})
        requests += [{"PutRequest": {"Item": item}} for item in capability_marker_items(record)]
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={table_name: requests[start : start + 25]})


Measure = tuple[int, float, int, float]


def _read(repo: RecordingRepository) -> tuple[int, float]:
    """Items read by the last page (markers and the jobs fetched for them) and their read units:
    the Query's in one, each fetched job's on its own (BatchGetItem sizes each item apart)."""
    assert repo.last is not None
    fetched = [to_attributes(job_item(r)) for r in repo.fetched]
    units = read_units(repo.last.raw_items) + sum(read_units([item]) for item in fetched)
    return repo.last.scanned_count + len(fetched), units


def measure(repo: RecordingRepository, tenant_id: str, count: int, combo: dict[str, Any]) -> Measure:
    span = timedelta(seconds=count)
    query = jobs.ListQuery(
        limit=LIMIT,
        status=combo.get("status"),
        created_after=START + span * 0.25 if combo.get("after") else None,
        created_before=START + span * 0.75 if combo.get("before") else None,
        capability=combo.get("capability"),
    )
    first = jobs.list_jobs(tenant_id, query, repo=repo, cursors=dependencies.cursor_codec())
    assert len(first.jobs) == LIMIT and first.has_more
    if query.capability is not None:
        assert all(query.capability in j.capabilities for j in first.jobs)
    first_read = _read(repo)
    nxt = jobs.ListQuery(**{**query.__dict__, "cursor": first.next_cursor})
    jobs.list_jobs(tenant_id, nxt, repo=repo, cursors=dependencies.cursor_codec())
    return (*first_read, *_read(repo))


def cell(m: Measure) -> str:
    return f"{m[0]}/{m[1]:.1f} | {m[2]}/{m[3]:.1f}"


def label_of(combo: dict[str, Any]) -> str:
    parts = [f"{key}={combo[key]}" for key in ("status", "capability") if combo.get(key)]
    parts += [f"created_{name}" for name in ("after", "before") if combo.get(name)]
    return ", ".join(parts) or "(none)"


def main() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(**table.create_table_kwargs("bench"))
        repo = RecordingRepository(client, "bench")
        sizes = {"small": 100, "large": 10_000}
        for name, count in sizes.items():
            seed(client, "bench", name, count)
        combos = [
            dict(zip(("status", "capability", "after", "before"), values, strict=True))
            for values in itertools.product([None, JobStatus.COMPLETED], [None, "shots"], [False, True], [False, True])
            if not (values[0] and values[1])  # status with capability is a 400
        ]
        print(f"limit={LIMIT}; columns: items read/read units, first page | cursor page")
        print(f"{'filters':<48}{'100 jobs':>26}{'10,000 jobs':>26}  same?")
        all_ok = True
        for combo in combos:
            small = measure(repo, "small", sizes["small"], combo)
            large = measure(repo, "large", sizes["large"], combo)
            # The job list's Query reads limit + 1 items; a capability's, limit + 1 markers + limit jobs.
            bound = LIMIT + 1 + (LIMIT if combo["capability"] else 0)
            same = small == large and max(small[0], small[2], large[0], large[2]) <= bound
            all_ok &= same
            print(f"{label_of(combo):<48}{cell(small):>26}{cell(large):>26}  {'yes' if same else 'NO'}")
        print(f"ratio items read per page (10,000 / 100 jobs): {'1.00 for every filter' if all_ok else 'DIFFERS'}")
        print(f"max items a Query reads per page: {LIMIT + 1} = limit + 1 (one look-ahead item answers has_more);")
        print(f"a capability filter's page: {LIMIT + 1} markers + the {LIMIT} jobs they name, fetched by key")
        assert catalog.LIST_MAX_LIMIT >= LIMIT


if __name__ == "__main__":
    main()
