"""Uploads: a client sends its file straight to S3 through a presigned PUT (nothing passes
through Lambda), then creates a job with the upload's id. The upload belongs to its tenant (its
record sits in the tenant's partition, so another tenant's id is simply not found), expires
unused after a day, and makes one job.

What bounds an upload, from the URL on (DESIGN §7):
- its URL is SigV4 and signs the declared length and ``If-None-Match: *``: S3 stores one body of
  exactly ``size_bytes`` under the upload's key, once (another length fails the signature, a
  second PUT fails its condition), for an hour;
- a tenant holds at most ``catalog.MAX_OPEN_UPLOADS`` uploads that no job has used and that have
  not expired (a list in one item of its partition, moved in the transactions that make an
  upload and that give it to a job), so unbilled storage is bounded by that many files;
- the first job that uses it consumes it, in the job's own transaction (a second job, or one
  after the job was deleted, gets 404 ``UPLOAD_NOT_FOUND``), and deleting the job deletes its
  file and record;
- the stored object is still checked when a job uses it (exists, not more than declared or than
  a job accepts): the object, not the declaration, is what ingestion reads."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel

from vidscope import catalog
from vidscope.adapters import table
from vidscope.adapters.dynamo import TransactItem, cancellation_codes, from_attributes, to_attributes
from vidscope.adapters.media_store import MediaStore, upload_key
from vidscope.clock import epoch_seconds, iso_ms
from vidscope.errors import TooManyOpenUploads, UploadIncomplete, UploadNotFound, UploadTooLarge
from vidscope.ids import new_upload_id
from vidscope.models import CreateUploadRequest, Upload

# The tenant's open uploads: one item in its partition, {upload_id: expiry in epoch seconds} and a
# version. Expired entries are dropped whenever an upload is made, so the list never holds more
# than the cap; no Query or Scan counts uploads, and the count costs one item read.
OPEN_UPLOADS_SK: Final = "OPENUPLOADS"
# Concurrent uploads of one tenant each rewrite its list on the version they read; the loser
# reads again. A tenant making uploads this fast in parallel is told to retry.
_OPEN_LIST_RETRIES = 5
_OPEN_LIST_BACKOFF_SECONDS = 0.05


class UploadRecord(BaseModel):
    upload_id: str
    tenant_id: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: str
    expires_at: str
    # The job that used it (uploads make one job each); the record stays, for a clear answer to a
    # second use, until its TTL or the job's deletion removes it.
    job_id: str | None = None
    # Listed among the tenant's open uploads (every upload made since the cap exists).
    counted: bool = False

    @property
    def key(self) -> str:
        return upload_key(self.tenant_id, self.upload_id)


def _upload_item_key(tenant_id: str, upload_id: str) -> dict[str, Any]:
    return to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.upload_sk(upload_id)})


def _open_uploads_key(tenant_id: str) -> dict[str, Any]:
    return to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: OPEN_UPLOADS_SK})


class Uploads:
    def __init__(self, client: Any, table_name: str, media: MediaStore, *, max_bytes: int) -> None:
        self._client, self._table, self._media, self._max_bytes = client, table_name, media, max_bytes

    def create(self, tenant_id: str, request: CreateUploadRequest, now: datetime) -> Upload:
        """Record the upload among the tenant's open ones and sign the PUT that sends its file;
        ``TooManyOpenUploads`` when the tenant already holds ``catalog.MAX_OPEN_UPLOADS``."""
        expires = now + timedelta(seconds=catalog.UPLOAD_TTL_SECONDS)
        record = UploadRecord(
            upload_id=new_upload_id(),
            tenant_id=tenant_id,
            filename=request.filename,
            content_type=request.content_type,
            size_bytes=request.size_bytes,
            created_at=iso_ms(now),
            expires_at=iso_ms(expires),
            counted=True,
        )
        self._record(record, epoch_seconds(now), epoch_seconds(expires))
        return Upload(
            upload_id=record.upload_id,
            upload_url=self._media.presigned_upload(
                record.key, record.content_type, record.size_bytes, catalog.UPLOAD_URL_SECONDS
            ),
            upload_url_expires_at=iso_ms(now + timedelta(seconds=catalog.UPLOAD_URL_SECONDS)),
            # Signed with the URL: a PUT without them, or of another length, is refused by S3.
            # (Content-Length is the body's own length, which every HTTP client sends.)
            headers={"Content-Type": record.content_type, "If-None-Match": "*"},
            filename=record.filename,
            content_type=record.content_type,
            size_bytes=record.size_bytes,
            max_bytes=self._max_bytes,
            created_at=record.created_at,
            expires_at=record.expires_at,
        )

    def _record(self, record: UploadRecord, now: int, expires: int) -> None:
        """Put the upload's record and add it to the tenant's open uploads, in one transaction
        conditioned on the list's version, so concurrent uploads cannot both take the last place."""
        for attempt in range(_OPEN_LIST_RETRIES):
            open_uploads, version = self._open_uploads(record.tenant_id, now)
            if len(open_uploads) >= catalog.MAX_OPEN_UPLOADS:
                raise TooManyOpenUploads(
                    f"this account already has {catalog.MAX_OPEN_UPLOADS} uploads that no job has used yet;"
                    " create a job with one of them, or wait for one to expire (a day after it was made)",
                    [
                        {
                            "field": "open_uploads",
                            "location": "account",
                            "message": f"at most {catalog.MAX_OPEN_UPLOADS} unused uploads at once",
                        }
                    ],
                )
            listed = {**open_uploads, record.upload_id: expires}
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": to_attributes(
                                    {
                                        table.PARTITION_KEY: table.tenant_pk(record.tenant_id),
                                        table.SORT_KEY: table.upload_sk(record.upload_id),
                                        "entity": "upload",
                                        **record.model_dump(exclude_none=True),
                                        # DynamoDB deletes it some time after; expiry is decided on expires_at.
                                        table.TTL_ATTRIBUTE: expires,
                                    }
                                ),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        self._open_list_put(record.tenant_id, listed, version),
                    ]
                )
                return
            except self._client.exceptions.TransactionCanceledException as exc:
                codes = cancellation_codes(exc)
                if "ConditionalCheckFailed" not in codes and "TransactionConflict" not in codes:
                    raise
                time.sleep(_OPEN_LIST_BACKOFF_SECONDS * (attempt + 1))
        raise TooManyOpenUploads("this account is making uploads faster than they can be counted; retry shortly")

    def _open_uploads(self, tenant_id: str, now: int) -> tuple[dict[str, int], int]:
        """The tenant's unexpired open uploads and the list's version (0: no list yet)."""
        response = self._client.get_item(TableName=self._table, Key=_open_uploads_key(tenant_id), ConsistentRead=True)
        item = from_attributes(response.get("Item", {}))
        listed: dict[str, int] = item.get("uploads", {})
        return {upload_id: expiry for upload_id, expiry in listed.items() if expiry > now}, int(item.get("version", 0))

    def _open_list_put(self, tenant_id: str, listed: dict[str, int], version: int) -> TransactItem:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_attributes(
                    {
                        table.PARTITION_KEY: table.tenant_pk(tenant_id),
                        table.SORT_KEY: OPEN_UPLOADS_SK,
                        "entity": "open_uploads",
                        "uploads": listed,
                        "version": version + 1,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(PK)" if version == 0 else "version = :version",
                **({} if version == 0 else {"ExpressionAttributeValues": to_attributes({":version": version})}),
            }
        }

    def check(self, tenant_id: str, upload_id: str, now: datetime) -> UploadRecord:
        """The tenant's unused upload, its file stored whole and within the limits; raises the
        error a client can act on otherwise."""
        response = self._client.get_item(
            TableName=self._table, Key=_upload_item_key(tenant_id, upload_id), ConsistentRead=True
        )
        if "Item" not in response:
            raise UploadNotFound(f"no upload {upload_id}: an upload makes one job, and is gone a day after it was made")
        record = UploadRecord.model_validate(from_attributes(response["Item"]))
        if record.job_id is not None:
            raise UploadNotFound(
                f"upload {upload_id} was used by job {record.job_id}: an upload makes one job; upload the file again",
                [{"field": "upload_id", "location": "body", "message": f"used by {record.job_id}"}],
            )
        if iso_ms(now) >= record.expires_at:
            raise UploadNotFound(f"upload {upload_id} expired at {record.expires_at} unused")
        size = self._media.object_size(record.key)
        if size is None:
            raise UploadIncomplete(f"nothing was uploaded for {upload_id}: PUT the file to its upload_url first")
        if size > min(record.size_bytes, self._max_bytes):
            raise UploadTooLarge(
                f"upload {upload_id} holds {size} bytes: more than the {record.size_bytes} declared"
                if size > record.size_bytes
                else f"upload {upload_id} holds {size} bytes: more than the {self._max_bytes} a job accepts"
            )
        if size < record.size_bytes:
            raise UploadIncomplete(f"upload {upload_id} holds {size} of the {record.size_bytes} bytes declared")
        return record

    def consume(self, records: Sequence[UploadRecord], job_id: str, now: datetime) -> list[TransactItem]:
        """The writes that give ``records`` (distinct uploads of one tenant) to ``job_id``, made in
        the job's own transaction (so a job refused for any reason leaves them unused): each
        record names the job, on condition that it is still there, unused and unexpired; and
        the uploads leave the tenant's open uploads. A failed condition means another job took
        one first."""
        consumed: list[TransactItem] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _upload_item_key(record.tenant_id, record.upload_id),
                    "UpdateExpression": "SET job_id = :job_id",
                    "ConditionExpression": (
                        "attribute_exists(PK) AND attribute_not_exists(job_id) AND expires_at > :now"
                    ),
                    "ExpressionAttributeValues": to_attributes({":job_id": job_id, ":now": iso_ms(now)}),
                }
            }
            for record in records
        ]
        counted = [record for record in records if record.counted]
        if counted:
            # One update of the list for them all (a transaction touches an item once). The
            # version moves too: an upload being made now rewrites the list it read, and must
            # read it again rather than put these back.
            names = {f"#upload{n}": record.upload_id for n, record in enumerate(counted)}
            consumed.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _open_uploads_key(counted[0].tenant_id),
                        "UpdateExpression": f"REMOVE {', '.join(f'uploads.{name}' for name in names)} ADD version :one",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": to_attributes({":one": 1}),
                    }
                }
            )
        return consumed
