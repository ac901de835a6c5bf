"""Uploads: a client sends its file straight to S3 through a presigned PUT (nothing passes
through Lambda), then creates a job with the upload's id. The upload belongs to its tenant (its
record sits in the tenant's partition, so another tenant's id is simply not found), expires
unused after a day, and is checked when a job uses it: the stored object, not the declaration,
since neither a presigned PUT nor moto's presigned POST enforces a size."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from vidscope import catalog
from vidscope.adapters import table
from vidscope.adapters.dynamo import from_attributes, to_attributes
from vidscope.adapters.media_store import MediaStore, upload_key
from vidscope.clock import epoch_seconds, iso_ms
from vidscope.errors import UploadIncomplete, UploadNotFound, UploadTooLarge
from vidscope.ids import new_upload_id
from vidscope.models import CreateUploadRequest, Upload


class UploadRecord(BaseModel):
    upload_id: str
    tenant_id: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: str
    expires_at: str

    @property
    def key(self) -> str:
        return upload_key(self.tenant_id, self.upload_id)


class Uploads:
    def __init__(self, client: Any, table_name: str, media: MediaStore, *, max_bytes: int) -> None:
        self._client, self._table, self._media, self._max_bytes = client, table_name, media, max_bytes

    def create(self, tenant_id: str, request: CreateUploadRequest, now: datetime) -> Upload:
        """Record the upload and sign the PUT that sends its file."""
        expires = now + timedelta(seconds=catalog.UPLOAD_TTL_SECONDS)
        record = UploadRecord(
            upload_id=new_upload_id(),
            tenant_id=tenant_id,
            filename=request.filename,
            content_type=request.content_type,
            size_bytes=request.size_bytes,
            created_at=iso_ms(now),
            expires_at=iso_ms(expires),
        )
        self._client.put_item(
            TableName=self._table,
            Item=to_attributes(
                {
                    table.PARTITION_KEY: table.tenant_pk(tenant_id),
                    table.SORT_KEY: table.upload_sk(record.upload_id),
                    **record.model_dump(),
                    # DynamoDB deletes it some time after; expiry is decided on expires_at.
                    table.TTL_ATTRIBUTE: epoch_seconds(expires),
                }
            ),
        )
        return Upload(
            upload_id=record.upload_id,
            upload_url=self._media.presigned_put(record.key, record.content_type, catalog.UPLOAD_URL_SECONDS),
            upload_url_expires_at=iso_ms(now + timedelta(seconds=catalog.UPLOAD_URL_SECONDS)),
            headers={"Content-Type": record.content_type},
            filename=record.filename,
            content_type=record.content_type,
            size_bytes=record.size_bytes,
            max_bytes=self._max_bytes,
            created_at=record.created_at,
            expires_at=record.expires_at,
        )

    def check(self, tenant_id: str, upload_id: str, now: datetime) -> UploadRecord:
        """The tenant's upload, its file stored whole and within the limits; raises the error a
        client can act on otherwise."""
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attributes(
                {table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.upload_sk(upload_id)}
            ),
            ConsistentRead=True,
        )
        if "Item" not in response:
            raise UploadNotFound(f"no upload {upload_id}")
        record = UploadRecord.model_validate(from_attributes(response["Item"]))
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
