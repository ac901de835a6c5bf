"""A webhook receiver on 127.0.0.1 for tests: it verifies each delivery with the
``standardwebhooks`` library, as a customer's receiver would, records it, and answers what the
test scripted for that URL path (status codes in turn, optionally hanging first, trickling the
answer a byte at a time, or following it with a body far larger than any sender should read)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    status: int = 200
    hang_seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    # > 0: every byte of the answer (status line, headers, body) is written alone, this long
    # after the previous one, so no single read by the sender ever waits long.
    trickle_interval: float = 0.0
    # > 0: the answer carries a body of this many bytes, streamed (the receiver never holds it).
    body_bytes: int = 0


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: str
    received_at: float  # time.monotonic()
    verified: bool

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class WebhookReceiver:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply]] = {}
        self._secrets: dict[str, str] = {}
        self._deliveries: defaultdict[str, list[Delivery]] = defaultdict(list)
        self._body_bytes_sent: defaultdict[str, int] = defaultdict(int)

    def url(self, path: str, *, secret: str, replies: list[Reply] | None = None) -> str:
        """A receiver URL at ``path`` that verifies with ``secret`` and answers ``replies`` in
        turn (the last one from then on; 200 when none)."""
        with self._lock:
            self._scripts[path] = list(replies or [Reply()])
            self._secrets[path] = secret
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def deliveries(self, path: str) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries[path])

    def body_bytes_sent(self, path: str) -> int:
        """Body bytes the socket accepted for ``path`` before the sender hung up (kernel buffers
        included: an upper bound on what the sender read)."""
        with self._lock:
            return self._body_bytes_sent[path]

    def _count_body_bytes(self, path: str, count: int) -> None:
        with self._lock:
            self._body_bytes_sent[path] += count

    def wait_for(self, path: str, count: int, timeout: float = 30) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.deliveries(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.deliveries(path))} deliveries in {timeout} s, expected {count}")

    def _handle(self, path: str, headers: dict[str, str], body: str) -> Reply:
        with self._lock:
            script = self._scripts.get(path, [Reply(404)])
            reply = script.pop(0) if len(script) > 1 else script[0]
            secret = self._secrets.get(path)
        try:
            verified = secret is not None and Webhook(secret).verify(body, headers, json_parse=False) is None
        except WebhookVerificationError:
            verified = False
        with self._lock:
            self._deliveries[path].append(Delivery(path, headers, body, time.monotonic(), verified))
        return reply


@contextmanager
def receiving() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            reply = receiver._handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            if reply.hang_seconds:
                time.sleep(reply.hang_seconds)
            try:
                if reply.trickle_interval:
                    self._trickle(reply)
                    return
                if reply.body_bytes:
                    self._stream_body(reply)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (its timeout): what a hanging receiver sees

        def _trickle(self, reply: Reply) -> None:
            answer = f"HTTP/1.1 {reply.status} OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".encode()
            for byte in answer:
                self.wfile.write(bytes([byte]))
                time.sleep(reply.trickle_interval)
            self.close_connection = True

        def _stream_body(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("content-length", str(reply.body_bytes))
            self.end_headers()
            chunk = b"x" * 65536
            left = reply.body_bytes
            while left > 0:
                sent = min(left, len(chunk))
                self.wfile.write(chunk[:sent])
                receiver._count_body_bytes(self.path, sent)
                left -= sent

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = WebhookReceiver(server)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
