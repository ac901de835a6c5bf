"""The single DynamoDB table: keys, indexes and TTL, declared once.

Tests build their moto table from ``create_table_kwargs``; the CDK storage construct reads the
same definition. Key builders live here too, so every item's address is spelled in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str


PARTITION_KEY: Final = "PK"
SORT_KEY: Final = "SK"
TTL_ATTRIBUTE: Final = "ttl"
STATUS_INDEX: Final = Index(name="GSI1", partition_key="GSI1PK", sort_key="GSI1SK")
INDEXES: Final = (STATUS_INDEX,)
# Job events are published from the table's change stream (``vidscope.events.publisher``): an
# event exists only for a write that committed, and each committed change appears once.
STREAM_VIEW_TYPE: Final = "NEW_AND_OLD_IMAGES"


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments for ``dynamodb.create_table`` (on-demand, every key a string)."""
    key_names = [PARTITION_KEY, SORT_KEY] + [k for i in INDEXES for k in (i.partition_key, i.sort_key)]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in key_names],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": i.name,
                "KeySchema": [
                    {"AttributeName": i.partition_key, "KeyType": "HASH"},
                    {"AttributeName": i.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in INDEXES
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }


# Item addresses. Everything a tenant owns lives in its partition, so no key can reach across.
def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


TENANT_SK: Final = "TENANT"
JOB_SK_PREFIX: Final = "JOB#"
# Sorts after every job id character (Crockford base32 is 0-9A-Z), closing open time ranges.
JOB_SK_END: Final = "JOB#~"


def job_sk(job_id: str) -> str:
    return f"{JOB_SK_PREFIX}{job_id}"


def webhook_attempt_sk(job_id: str, attempt: int) -> str:
    # Not under JOB#: job listing reads a JOB# key range and must read jobs only.
    return f"{WEBHOOK_ATTEMPT_SK_PREFIX}{job_id}#{attempt:04d}"


WEBHOOK_ATTEMPT_SK_PREFIX: Final = "WEBHOOK#"


def disabled_webhook_sk(url_digest: str) -> str:
    return f"WEBHOOKOFF#{url_digest}"


def status_pk(tenant_id: str, status: str) -> str:
    return f"TENANT#{tenant_id}#STATUS#{status}"


def capability_pk(tenant_id: str, capability: str) -> str:
    """The partition listing the tenant's jobs that asked for ``capability`` (GET /v1/jobs?capability=):
    one marker per job under ``job_sk``, so the list reads it newest first by key, like every list."""
    return f"TENANT#{tenant_id}#CAP#{capability}"


# The tenant's count of pending and processing jobs (its concurrency ceiling, ``catalog``).
ACTIVE_JOBS_SK: Final = "ACTIVEJOBS"


def failed_compute_sk(day: str) -> str:
    """The tenant's failed-compute counter for one UTC day (``YYYY-MM-DD``; vidscope.tenancy.failed_compute)."""
    return f"FAILEDCOMPUTE#{day}"


def ledger_sk(entry_id: str) -> str:
    return f"LEDGER#{entry_id}"


def upload_sk(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def idempotency_sk(key_digest: str) -> str:
    return f"IDEMPOTENCY#{key_digest}"


def api_key_pk(key_digest: str) -> str:
    return f"APIKEY#{key_digest}"


API_KEY_SK: Final = "APIKEY"


def rate_limit_pk(subject: str) -> str:
    return f"RATELIMIT#{subject}"


def rate_limit_sk(window_start: int) -> str:
    return f"WINDOW#{window_start}"


# A completed job's content record (vidscope.pipeline.content): what it computed, with which
# options, found by the content hash of its media. Not under JOB#: listing reads jobs only.
CONTENT_SK_PREFIX: Final = "CONTENT#"


def content_sk(content_hash: str, job_id: str) -> str:
    return f"{CONTENT_SK_PREFIX}{content_hash}#{job_id}"


# The fingerprint index (vidscope.fingerprints.index): partitions of their own, apart from the
# tenant's (TENANT#), so the analysis role that writes them is granted these keys and no job's.
FINGERPRINT_PREFIX: Final = "FPRINT#"
FINGERPRINT_RECORD_SK: Final = "PRINT"


def fingerprint_key_pk(tenant_id: str, key: str) -> str:
    """One hash-band bucket of the tenant's index: the jobs (and steps) whose prints hold ``key``."""
    return f"{FINGERPRINT_PREFIX}{tenant_id}#K#{key}"


def fingerprint_record_pk(tenant_id: str, job_id: str) -> str:
    """A job's whole print, read to score it once its keys made it a candidate."""
    return f"{FINGERPRINT_PREFIX}{tenant_id}#J#{job_id}"


def fingerprint_entry_sk(job_id: str, step: int) -> str:
    return f"{job_id}#{step:07d}"
