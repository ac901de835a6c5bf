"""Keeping the local stack's state across restarts (``make serve ARGS=--persist``).

moto keeps everything in memory, so on stop the state that matters is written to the data
directory: every table item, every media-bucket object and the webhook secrets. On the next
start it is loaded into the fresh resources before the event pollers start (so restored items
are not mistaken for new changes and no event or webhook is sent twice), and every job that was
still pending or processing gets its workflow started again, as a redeploy would resume it:
nothing a client created is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidscope import dependencies
from vidscope.jobs import lifecycle as jobs
from vidscope.models import CANCELLABLE_STATUSES

_ITEMS = "table.jsonl"
_SECRETS = "secrets.json"
_OBJECTS = "objects"

Client = Callable[[str], Any]


def save(client: Client, directory: Path, *, table_name: str, bucket_name: str, secret_prefix: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    dynamodb = client("dynamodb")
    with (directory / f"{_ITEMS}.tmp").open("w") as out:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table_name):
            for item in page["Items"]:
                out.write(json.dumps(item) + "\n")
    (directory / f"{_ITEMS}.tmp").replace(directory / _ITEMS)

    s3 = client("s3")
    objects = directory / _OBJECTS
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket_name):
        for entry in page.get("Contents", []):
            target = objects / entry["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket_name, entry["Key"], str(target))

    secrets = client("secretsmanager")
    stored = {
        entry["Name"]: secrets.get_secret_value(SecretId=entry["Name"])["SecretString"]
        for entry in secrets.list_secrets()["SecretList"]
        if entry["Name"].startswith(secret_prefix)
    }
    secrets_file = directory / _SECRETS
    secrets_file.write_text(json.dumps(stored))
    secrets_file.chmod(0o600)


def load(client: Client, directory: Path, *, table_name: str, bucket_name: str) -> int:
    """Load what ``save`` wrote; how many table items were restored."""
    if not (directory / _ITEMS).exists():
        return 0
    dynamodb = client("dynamodb")
    items = [json.loads(line) for line in (directory / _ITEMS).read_text().splitlines() if line]
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={table_name: batch})

    s3 = client("s3")
    objects = directory / _OBJECTS
    for path in objects.rglob("*") if objects.exists() else []:
        if path.is_file():
            s3.upload_file(str(path), bucket_name, path.relative_to(objects).as_posix())

    secrets = client("secretsmanager")
    for name, value in json.loads((directory / _SECRETS).read_text() or "{}").items():
        secrets.create_secret(Name=name, SecretString=value)
    return len(items)


def resume_unfinished_jobs(directory: Path) -> list[str]:
    """Start the workflow again for every restored job that had not ended; their ids."""
    if not (directory / _ITEMS).exists():
        return []
    resumed = []
    for line in (directory / _ITEMS).read_text().splitlines():
        item = json.loads(line)
        if item.get("entity", {}).get("S") != "job" or item.get("status", {}).get("S") not in CANCELLABLE_STATUSES:
            continue
        job = dependencies.jobs_repository().get(item["tenant_id"]["S"], item["job_id"]["S"])
        if job is not None and job.status in CANCELLABLE_STATUSES:
            jobs.start_workflow(job, repo=dependencies.jobs_repository(), workflow=dependencies.workflow_client())
            resumed.append(job.job_id)
    return resumed
