"""S3 storage of a job's media and large results, under one prefix per job."""

from __future__ import annotations

from typing import Any


def job_prefix(tenant_id: str, job_id: str) -> str:
    return f"tenants/{tenant_id}/jobs/{job_id}/"


class MediaStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def delete_job_objects(self, tenant_id: str, job_id: str) -> int:
        """Delete everything stored for a job; returns how many objects were removed."""
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=job_prefix(tenant_id, job_id)):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        return deleted
