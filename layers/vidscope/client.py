"""A small typed client for the Vidscope API, used by the ``vidscope`` CLI.

Creates are made safe to retry with an ``Idempotency-Key`` (one is generated when the caller
gives none), and every call retries 429 and 5xx answers and network errors, honouring
``Retry-After``. Responses are the API's own pydantic models.
"""

from __future__ import annotations

import mimetypes
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from vidscope import paged_lists
from vidscope.capabilities import REGISTRY
from vidscope.http_headers import parse_retry_after
from vidscope.models import Job, WebhookAttempt
from vidscope.transcripts import Transcript

DEFAULT_URL = "http://127.0.0.1:8080"
_RETRYABLE = {429, 500, 502, 503, 504}


_UPLOAD_CHUNK_BYTES = 1024 * 1024


class VidscopeError(Exception):
    """An error answer of the API (or no answer at all: status 0, code NETWORK_ERROR)."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


class VidscopeClient:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 4,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"user-agent": "vidscope-python"}
        if api_key:
            headers["x-api-key"] = api_key
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)
        self._max_retries = max_retries
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VidscopeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- jobs ----------------------------------------------------------------------------------

    def create_job(
        self,
        url: str | None,
        capabilities: list[str],
        *,
        upload_id: str | None = None,
        return_proof: bool = False,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        webhook_url: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """``options``: {capability: {option: value}}, as the API takes them. Give ``url`` or
        (with ``url=None``) the ``upload_id`` of a file sent with ``upload()``."""
        body: dict[str, Any] = {"capabilities": capabilities, "return_proof": return_proof}
        body.update({"url": url} if url is not None else {"upload_id": upload_id})
        if options:
            body["options"] = {name: dict(values) for name, values in options.items()}
        if webhook_url:
            body["webhook_url"] = webhook_url
        if metadata:
            body["metadata"] = dict(metadata)
        key = idempotency_key or f"vidscope-client-{uuid.uuid4()}"
        data = self._request("POST", "/v1/jobs", json=body, headers={"Idempotency-Key": key})
        return Job.model_validate(data["data"])

    def upload(
        self,
        path: Path,
        *,
        content_type: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> str:
        """Send a local file straight to storage (``POST /v1/uploads``, then its presigned PUT);
        returns the ``upload_id`` a job takes. ``on_progress(sent, total)`` follows the bytes."""
        size = path.stat().st_size
        kind = content_type or mimetypes.guess_type(path.name)[0] or "video/mp4"
        body = {"filename": path.name, "content_type": kind, "size_bytes": size}
        upload = self._request("POST", "/v1/uploads", json=body)["data"]

        def chunks() -> Iterator[bytes]:
            sent = 0
            with path.open("rb") as file:
                while chunk := file.read(_UPLOAD_CHUNK_BYTES):
                    sent += len(chunk)
                    yield chunk
                    if on_progress is not None:
                        on_progress(sent, size)

        # The presigned URL carries its own authority: no API key goes to storage.
        headers = {**upload["headers"], "content-length": str(size)}
        response = httpx.put(upload["upload_url"], content=chunks(), headers=headers, timeout=self._http.timeout)
        if response.status_code >= 300:
            raise VidscopeError(
                response.status_code, "UPLOAD_FAILED", f"storage refused the file: {response.text[:200]}"
            )
        upload_id: str = upload["upload_id"]
        return upload_id

    def get_job(self, job_id: str) -> Job:
        return Job.model_validate(self._request("GET", f"/v1/jobs/{job_id}")["data"])

    def results(self, job_id: str, capability: str, *, page_size: int = 100) -> Iterator[Any]:
        """Every item of a capability's list-valued result (GET shows only the first ones), page by page."""
        field = REGISTRY[capability].paged
        if field is None:
            raise ValueError(f"the {capability} result has no list to page; GET the job")
        offset = 0
        while True:
            params = {"limit": page_size, "offset": offset}
            page = self._request("GET", f"/v1/jobs/{job_id}/results/{capability}", params=params)["data"]
            result = page["results"][capability]
            items = paged_lists.items_of(result, field) or []
            yield from items
            if not page["has_more"]:
                return
            offset += len(items)

    def list_jobs(
        self, *, status: str | None = None, capability: str | None = None, page_size: int = 100
    ) -> Iterator[Job]:
        """Every job (newest first), or those in ``status`` or that asked for ``capability``,
        following the cursors page by page."""
        params: dict[str, Any] = {"limit": page_size}
        if status:
            params["status"] = status
        if capability:
            params["capability"] = capability
        while True:
            page = self._request("GET", "/v1/jobs", params=params)
            yield from (Job.model_validate(j) for j in page["data"])
            if not page["pagination"]["has_more"]:
                return
            params["cursor"] = page["pagination"]["next_cursor"]

    def cancel_job(self, job_id: str) -> Job:
        return Job.model_validate(self._request("POST", f"/v1/jobs/{job_id}/cancel")["data"])

    def transcript(self, job_id: str, format: str = "json", *, language: str | None = None) -> Transcript | str:
        """The transcript as heard, or its translation into ``language``, in ``format``."""
        params = {"format": format, **({"language": language} if language else {})}
        if format == "json":
            data = self._request("GET", f"/v1/jobs/{job_id}/transcript", params=params)["data"]
            return Transcript.model_validate(data)
        return self._send("GET", f"/v1/jobs/{job_id}/transcript", params=params).text

    def webhook_deliveries(self, job_id: str) -> list[WebhookAttempt]:
        data = self._request("GET", f"/v1/jobs/{job_id}/webhook_deliveries")["data"]
        return [WebhookAttempt.model_validate(a) for a in data]

    def wait(
        self,
        job_id: str,
        *,
        timeout: float = 3600,
        on_update: Callable[[Job], None] | None = None,
        first_poll: float = 0.5,
        max_poll: float = 10.0,
    ) -> Job:
        """Poll until the job ends (backing off from ``first_poll`` to ``max_poll`` seconds while
        nothing changes); ``on_update`` sees every change."""
        deadline = time.monotonic() + timeout
        delay, last = first_poll, None
        while True:
            job = self.get_job(job_id)
            seen = (job.status, job.progress)
            if seen != last:
                if on_update is not None:
                    on_update(job)
                last, delay = seen, first_poll
            else:
                delay = min(delay * 1.5, max_poll)
            if job.status.is_terminal:
                return job
            if time.monotonic() + delay > deadline:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout:g} s")
            self._sleep(delay)

    @staticmethod
    def verify_webhook(secret: str, body: str | bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """The webhook's payload if its Standard Webhooks signature is valid and recent;
        ``standardwebhooks.WebhookVerificationError`` otherwise."""
        return dict(Webhook(secret).verify(body, dict(headers)))

    # --- transport -----------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return dict(self._send(method, path, **kwargs).json())

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(self._max_retries + 1):
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if attempt == self._max_retries:
                    raise VidscopeError(0, "NETWORK_ERROR", f"{type(exc).__name__}: {exc}") from exc
                self._sleep(min(2**attempt, 30))
                continue
            if response.status_code in _RETRYABLE and attempt < self._max_retries:
                self._sleep(_retry_after(response, attempt))
                continue
            if response.is_error:
                raise _error(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(response: httpx.Response, attempt: int) -> float:
    """The wait the answer's ``Retry-After`` asks for (seconds or a date); backoff without one."""
    wait = parse_retry_after(response.headers.get("retry-after"), datetime.now(UTC))
    return wait if wait is not None else float(min(2**attempt, 30))


def _error(response: httpx.Response) -> VidscopeError:
    try:
        body = response.json()
        error = body["error"]
        return VidscopeError(
            response.status_code, error["code"], error["message"], body.get("meta", {}).get("request_id")
        )
    except (ValueError, KeyError, TypeError):
        return VidscopeError(response.status_code, "HTTP_ERROR", response.text[:200] or response.reason_phrase)
