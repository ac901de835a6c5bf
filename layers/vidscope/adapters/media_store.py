"""S3 storage of a job's media and large results, under one prefix per job."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

# Downloaded media sit under their own top-level prefix, apart from the results, so that the
# bucket's lifecycle rule (which filters by prefix only) can expire them while results live as
# long as their job.
MEDIA_PREFIX: Final = "media/"
RESULTS_PREFIX: Final = "tenants/"
# What clients upload, straight to S3 through a presigned URL; the bucket expires it after a day or
# two (a job copies what it uses under media/ at ingestion).
UPLOADS_PREFIX: Final = "uploads/"
_COPY_WORKERS = 8
# What the stages write on the way (the worker's transcript, each analysis) is staged under the
# media prefix too, so it expires with the media. A stage that was still running when its job
# was cancelled and deleted can then leave nothing behind for good: only merging writes under
# ``tenants/``, and it removes what it wrote when the job did not complete (``pipeline.merge``).


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

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored (a stage's input disappears when its job is deleted)."""
        return self.object_size(key) is not None

    def delete_job_objects(self, tenant_id: str, job_id: str, *, uploads: Sequence[str] = ()) -> int:
        """Delete everything stored for a job, and the uploaded files it consumed; returns how
        many objects were listed and removed under the job."""
        results = job_prefix(tenant_id, job_id)
        for upload_id in uploads:
            self.delete_upload(tenant_id, upload_id)
        return self._delete_under(results) + self._delete_under(MEDIA_PREFIX + results)

    def delete_job_results(self, tenant_id: str, job_id: str) -> int:
        """Delete what a job keeps under ``tenants/`` (its staged outputs expire by themselves)."""
        return self._delete_under(job_prefix(tenant_id, job_id))

    def keep_artifacts(self, tenant_id: str, job_id: str, results: Any) -> int:
        """Copy every staged file ``results`` refers to under the job's results, where it lives
        as long as the job; returns how many. Copies run side by side: a job with a few hundred
        shots refers to as many keyframes."""
        paths = sorted(artifact_paths(results))
        with ThreadPoolExecutor(max_workers=_COPY_WORKERS) as pool:
            list(
                pool.map(
                    lambda path: self._client.copy_object(
                        Bucket=self._bucket,
                        Key=artifact_key(tenant_id, job_id, path),
                        CopySource={"Bucket": self._bucket, "Key": staged_key(tenant_id, job_id, path)},
                    ),
                    paths,
                )
            )
        return len(paths)

    def reuse_results(
        self, tenant_id: str, source_id: str, job_id: str, capabilities: list[str]
    ) -> dict[str, Any] | None:
        """Another job's results of ``capabilities`` with every file they refer to, copied under
        ``job_id``'s artifacts (the references stay as they are, so the results are byte for byte
        the source's); None when any of them is gone (the source is being deleted)."""
        results: dict[str, Any] = {}
        try:
            for name in capabilities:
                results[name] = self.get_json(result_key(tenant_id, source_id, name))
            for path in sorted(artifact_paths(results)):
                self._client.copy_object(
                    Bucket=self._bucket,
                    Key=artifact_key(tenant_id, job_id, path),
                    CopySource={"Bucket": self._bucket, "Key": artifact_key(tenant_id, source_id, path)},
                )
        except self._client.exceptions.NoSuchKey:
            return None
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return results

    def object_size(self, key: str) -> int | None:
        """The stored object's size, None when nothing is stored under ``key``."""
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        size: int = head["ContentLength"]
        return size

    def presigned_upload(self, key: str, content_type: str, size_bytes: int, expires_in: int) -> str:
        """A PUT URL for ``key`` that stores one file of exactly ``size_bytes``, once.

        A presigned PUT rather than a presigned POST: SigV4 signs ``Content-Length`` as a header,
        so S3 refuses a body of any other length (a POST policy's ``content-length-range`` only
        bounds a range), and it signs ``If-None-Match: *``, so S3 refuses a second PUT to the key
        (a POST cannot carry that condition). The client sends both headers (``Upload.headers``);
        a PUT is also what the API already promises (``method: PUT``). moto enforces neither
        signature nor condition on its own: the local S3 checks the signature
        (``infra.local.presigned_requests``), and the stored object is checked on use anyway."""
        url: str = self._client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size_bytes,
                "IfNoneMatch": "*",
            },
            ExpiresIn=expires_in,
        )
        return url

    def presigned_url(self, key: str, expires_in: int) -> str:
        """A GET URL for ``key``, signed locally (no call) with the caller's credentials: it
        works as long as both they and ``expires_in`` last. SigV4, as every presigned URL here:
        the client is made with ``signature_version="s3v4"`` (``adapters.aws``)."""
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )
        return url

    def url_origin(self) -> str:
        """``scheme://host[:port]`` of the links this store presigns, as botocore builds them
        (the bucket's virtual host on AWS; the endpoint itself where it is an address, as the
        local S3 is), without signing one: a signed link is a call made with the signer's role."""
        endpoint = urlsplit(self._client.meta.endpoint_url)
        addressing = (self._client.meta.config.s3 or {}).get("addressing_style")
        host = endpoint.hostname or ""
        if addressing == "path" or host == "localhost" or _is_ip_address(host):
            return f"{endpoint.scheme}://{endpoint.netloc}"
        return f"{endpoint.scheme}://{self._bucket}.{endpoint.netloc}"

    def delete_upload(self, tenant_id: str, upload_id: str) -> None:
        """Delete a client's uploaded file (gone already is fine: S3's delete is idempotent)."""
        self._client.delete_object(Bucket=self._bucket, Key=upload_key(tenant_id, upload_id))

    def _delete_under(self, prefix: str) -> int:
        deleted = 0
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        return deleted


def upload_key(tenant_id: str, upload_id: str) -> str:
    return f"{UPLOADS_PREFIX}{tenant_id}/{upload_id}"


def media_key(tenant_id: str, job_id: str, suffix: str) -> str:
    return f"{MEDIA_PREFIX}{job_prefix(tenant_id, job_id)}source{suffix}"


def result_key(tenant_id: str, job_id: str, capability: str) -> str:
    """One capability's result of a completed job, written by merging: each on its own, so a
    read fetches only what it shows (the transcription result is the transcript)."""
    return f"{job_prefix(tenant_id, job_id)}results/{capability}.json"


def staged_key(tenant_id: str, job_id: str, name: str) -> str:
    """A stage's output (see ``MEDIA_PREFIX``). Apart from the downloaded ``source*`` object, so
    a grant can let the stages write these and ingestion only its download
    (``staged_key("*", "*", "*")`` is the pattern that covers every one)."""
    return f"{MEDIA_PREFIX}{job_prefix(tenant_id, job_id)}stage/{name}"


def staged_transcript_key(tenant_id: str, job_id: str) -> str:
    """The worker's transcript, until merging keeps it."""
    return staged_key(tenant_id, job_id, "transcript.json")


def analysis_key(tenant_id: str, job_id: str, capability: str) -> str:
    """One analysis's result, staged until merging folds it into the results."""
    return staged_key(tenant_id, job_id, f"analysis/{capability}.json")


# Results refer to the files a stage made (keyframes, clips) by reference, never by URL: a URL is
# presigned when the job is read (DESIGN §3b Artifacts), so it is fresh on every read and never
# stored. A reference names the file relative to the job's staged outputs; merging copies each
# referenced file under the job's results, where it lives as long as the job.
ARTIFACT_SCHEME: Final = "artifact://"
# The result fields that hold a link, and only these: text a result carries (a transcript, text read
# on screen) may spell anything, the scheme included, and must never be taken for a file.
LINK_FIELDS: Final = frozenset(
    {"thumbnail_url", "url", "frame_url", "clip_url", "download_url"}
    | {"preview_url", "storyboard_url", "storyboard_vtt_url"}
    | {"output_video_url", "lut_url"}
)
# The links whose object states when they expire (``expires_at`` beside them): stored results drop
# empty fields, so the object is known by one of these names.
EXPIRING_LINK_FIELDS: Final = frozenset({"download_url", "preview_url", "output_video_url"})


def artifact_ref(path: str) -> str:
    """The reference a result stores for the staged file ``path`` (e.g. ``vision/kf_0003.jpg``)."""
    return ARTIFACT_SCHEME + path.lstrip("/")


def artifact_key(tenant_id: str, job_id: str, path: str) -> str:
    """Where a referenced file lives once its job completed."""
    return f"{job_prefix(tenant_id, job_id)}artifacts/{path}"


def _is_link(key: str, value: Any) -> bool:
    return key in LINK_FIELDS and isinstance(value, str) and value.startswith(ARTIFACT_SCHEME)


def artifact_paths(document: Any) -> set[str]:
    """The staged paths the link fields of a JSON document refer to."""
    if isinstance(document, dict):
        own = {v.removeprefix(ARTIFACT_SCHEME) for k, v in document.items() if _is_link(k, v)}
        return own.union(*(artifact_paths(v) for v in document.values()))
    if isinstance(document, list):
        return set().union(*(artifact_paths(v) for v in document))
    return set()


def resolve_artifacts(document: Any, url_for: Callable[[str], str], expires_at: str | None = None) -> Any:
    """``document`` with each artifact reference replaced by ``url_for(its path)``; an object
    holding a reference and an ``expires_at`` gets ``expires_at`` too (a download's link)."""
    if isinstance(document, dict):
        resolved = {
            k: url_for(v.removeprefix(ARTIFACT_SCHEME)) if _is_link(k, v) else resolve_artifacts(v, url_for, expires_at)
            for k, v in document.items()
        }
        holds_link = any(_is_link(k, v) for k, v in document.items())
        # Stored results drop empty fields, so the download's link is known by its name too.
        if holds_link and ("expires_at" in document or not EXPIRING_LINK_FIELDS.isdisjoint(document)):
            resolved["expires_at"] = expires_at
        return resolved
    if isinstance(document, list):
        return [resolve_artifacts(v, url_for, expires_at) for v in document]
    return document


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
