"""Listing cost: DynamoDB items read per page with 100 and with 10,000 jobs in the tenant.

Prints, for every filter combination, the ScannedCount and read units (computed from item sizes
per DynamoDB's sizing rules, eventually consistent) of a first page and of a cursor page, side
by side for both tenant sizes. Target: identical at both sizes and ScannedCount <= limit + 1.
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
from vidscope.jobs.repository import JobPage, JobRecord, JobsRepository, job_item
from vidscope.models import JobStatus, Platform

# Small enough that even the 100-job tenant has two full pages for every filter combination
# (half its jobs are completed; the time filters keep the middle half), so pages compare like for like.
LIMIT = 10
START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = [JobStatus.COMPLETED, JobStatus.PENDING]


class RecordingRepository(JobsRepository):
    """The real repository, remembering the raw page it read last."""

    last: JobPage | None = None

    def query(self, *args: Any, **kwargs: Any) -> JobPage:
        self.last = super().query(*args, **kwargs)
        return self.last


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
            capabilities=["transcription", "summary", "brands"],
            credits_estimated=240,
            credits_held=240,
            return_proof=False,
            created_at=moment.isoformat(),
            updated_at=moment.isoformat(),
        )
        requests.append({"PutRequest": {"Item": to_attributes(job_item(record))}})
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={table_name: requests[start : start + 25]})


def measure(
    repo: RecordingRepository, tenant_id: str, count: int, combo: dict[str, Any]
) -> tuple[int, float, int, float]:
    span = timedelta(seconds=count)
    query = jobs.ListQuery(
        limit=LIMIT,
        status=combo.get("status"),
        created_after=START + span * 0.25 if combo.get("after") else None,
        created_before=START + span * 0.75 if combo.get("before") else None,
    )
    first = jobs.list_jobs(tenant_id, query, repo=repo, cursors=dependencies.cursor_codec())
    assert repo.last is not None
    first_scanned, first_units = repo.last.scanned_count, read_units(repo.last.raw_items)
    nxt = jobs.ListQuery(**{**query.__dict__, "cursor": first.next_cursor})
    jobs.list_jobs(tenant_id, nxt, repo=repo, cursors=dependencies.cursor_codec())
    return first_scanned, first_units, repo.last.scanned_count, read_units(repo.last.raw_items)


def cell(m: tuple[int, float, int, float]) -> str:
    return f"{m[0]}/{m[1]:.1f} | {m[2]}/{m[3]:.1f}"


def main() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(**table.create_table_kwargs("bench"))
        repo = RecordingRepository(client, "bench")
        sizes = {"small": 100, "large": 10_000}
        for name, count in sizes.items():
            seed(client, "bench", name, count)
        combos = [
            dict(zip(("status", "after", "before"), values, strict=True))
            for values in itertools.product([None, JobStatus.COMPLETED], [False, True], [False, True])
        ]
        print(f"limit={LIMIT}; columns: ScannedCount/read units, first page | cursor page")
        print(f"{'filters':<48}{'100 jobs':>26}{'10,000 jobs':>26}  same?")
        all_ok = True
        for combo in combos:
            parts = [f"status={combo['status']}"] if combo["status"] else []
            parts += [name for name in ("after", "before") if combo[name]]
            label = ", ".join(p if p.startswith("status") else f"created_{p}" for p in parts) or "(none)"
            small = measure(repo, "small", sizes["small"], combo)
            large = measure(repo, "large", sizes["large"], combo)
            same = small == large and max(small[0], small[2], large[0], large[2]) <= LIMIT + 1
            all_ok &= same
            print(f"{label:<48}{cell(small):>26}{cell(large):>26}  {'yes' if same else 'NO'}")
        print(f"ratio items read per page (10,000 / 100 jobs): {'1.00 for every filter' if all_ok else 'DIFFERS'}")
        print(f"max ScannedCount per page: {LIMIT + 1} = limit + 1 (one look-ahead item answers has_more)")
        assert catalog.LIST_MAX_LIMIT >= LIMIT


if __name__ == "__main__":
    main()
