"""Signing a webhook (Standard Webhooks) and POSTing it to the receiver over HTTP, one attempt at
a time, through the SSRF guard and under one deadline."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from vidscope.errors import InvalidUrl
from vidscope.http_headers import parse_retry_after
from vidscope.webhooks.retry_policy import Verdict, verdict_of

if TYPE_CHECKING:
    from vidscope.ssrf import UrlGuard

USER_AGENT = "Vidscope-Webhooks/1.0"


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after: float | None = None
    blocked: bool = False

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.status_code, blocked=self.blocked)


def signature(secrets: list[str], message_id: str, timestamp: datetime, body: str) -> str:
    """``webhook-signature``: one ``v1,…`` per secret (two while a rotation overlaps)."""
    from standardwebhooks.webhooks import Webhook

    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)


def signed_headers(secrets: list[str], message_id: str, now: datetime, body: str) -> dict[str, str]:
    """The headers of one attempt: ``webhook-id``, ``webhook-timestamp`` and
    ``webhook-signature`` per the Standard Webhooks spec, beside the content type and our agent."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(secrets, message_id, now, body),
    }


class WebhookSender:
    """POSTs through the SSRF guard (the URL is checked again now, and every connection is
    checked at the address actually dialled) under one deadline for the whole exchange:
    connecting, sending, and the answer's status line and headers. The body is never read.

    httpx's own timeouts are per operation, so a receiver writing a byte now and then would
    hold an attempt for as long as it liked; the deadline is an asyncio timeout around the
    whole request instead, which cancels whatever read or write is in progress."""

    def __init__(self, url_guard: UrlGuard, timeout_seconds: float) -> None:
        import httpx

        self._guard = url_guard
        self._timeout = timeout_seconds
        # Built once: loading the CA bundle costs milliseconds that every attempt would repeat.
        self._ssl = httpx.create_ssl_context()

    def post(self, url: str, body: str, headers: dict[str, str], now: datetime) -> HttpResult:
        import httpx

        from vidscope.ssrf import BlockedAddress, UnresolvableHost

        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            self._guard.check_webhook_url(url)
        except UnresolvableHost as exc:
            return HttpResult(None, exc.message, elapsed())
        except InvalidUrl as exc:
            return HttpResult(None, f"not sent: {exc.message}", elapsed(), blocked=True)
        # The guard watches the connects of this thread, so the event loop runs here. It is not
        # asyncio.run: that would wait, past the deadline, for a name lookup still under way in
        # the loop's executor; closing the loop leaves that thread to end on its own.
        loop = asyncio.new_event_loop()
        with self._guard.connections() as refused:
            try:
                status_code, retry_after = loop.run_until_complete(self._exchange(url, body.encode(), headers))
            except (TimeoutError, httpx.TimeoutException):
                return HttpResult(None, f"timed out after {self._timeout:g} s", elapsed())
            except (httpx.TransportError, BlockedAddress) as exc:
                if refused():
                    return HttpResult(None, f"not sent: {refused()} is a private address", elapsed(), blocked=True)
                return HttpResult(None, f"connection failed: {type(exc).__name__}", elapsed())
            finally:
                loop.close()
        return HttpResult(status_code, None, elapsed(), retry_after=parse_retry_after(retry_after, now))

    async def _exchange(self, url: str, content: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
        """The status and Retry-After of the receiver's answer. Leaving the stream unread closes
        the connection: however large the body, none of it is held (headers are capped by h11)."""
        import httpx

        async with (
            asyncio.timeout(self._timeout),
            httpx.AsyncClient(verify=self._ssl, timeout=self._timeout, follow_redirects=False) as client,
            client.stream("POST", url, content=content, headers=headers) as response,
        ):
            return response.status_code, response.headers.get("retry-after")
