"""S3 storage of a job's media and large results, under one prefix per job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

# Downloaded media sit under their own top-level prefix, apart from the results, so that the
# bucket's lifecycle rule (which filters by prefix only) can expire them while results live as
# long as their job.
MEDIA_PREFIX: Final = "media/"
RESULTS_PREFIX: Final = "tenants/"


def job_prefix(tenant_id: str, job_id: str) -> str:
    return f"{RESULTS_PREFIX}{tenant_id}/jobs/{job_id}/"


class MediaStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put_file(self, key: str, path: Path) -> None:
        self._client.upload_file(str(path), self._bucket, key)

    def download_file(self, key: str, path: Path) -> None:
        self._client.download_file(self._bucket, key, str(path))

    def put_json(self, key: str, document: Any) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(document, separators=(",", ":")).encode(),
            ContentType="application/json",
        )

    def get_json(self, key: str) -> Any:
        return json.loads(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())

    def delete_job_objects(self, tenant_id: str, job_id: str) -> int:
        """Delete everything stored for a job; returns how many objects were removed."""
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        results = job_prefix(tenant_id, job_id)
        for prefix in (results, MEDIA_PREFIX + results):
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
                    deleted += len(keys)
        return deleted


def media_key(tenant_id: str, job_id: str, suffix: str) -> str:
    return f"{MEDIA_PREFIX}{job_prefix(tenant_id, job_id)}source{suffix}"


def transcript_key(tenant_id: str, job_id: str) -> str:
    return f"{job_prefix(tenant_id, job_id)}transcript.json"


def analysis_key(tenant_id: str, job_id: str, capability: str) -> str:
    return f"{job_prefix(tenant_id, job_id)}analysis/{capability}.json"


def results_key(tenant_id: str, job_id: str) -> str:
    return f"{job_prefix(tenant_id, job_id)}results.json"
