"""A media server on 127.0.0.1 for tests and benchmarks: a directory over HTTP, quietly, plus
the faults ingestion must handle (a redirect to a private address, a body without a
Content-Length, a server trickling bytes). It counts what it serves, so a test can say how many
requests and bytes a job cost."""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

# How long the trickling server waits between bytes: each read gets data, so a per-read timeout
# never fires, yet a 1 MiB body would take days.
TRICKLE_INTERVAL_SECONDS = 0.2


@dataclass
class Traffic:
    """What a server was asked for and sent, across all its threads."""

    requests: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes_sent += count


class _CountingWriter:
    def __init__(self, inner: BinaryIO, traffic: Traffic) -> None:
        self._inner, self._traffic = inner, traffic

    def write(self, data: bytes) -> int:
        self._traffic.add_bytes(len(data))
        return self._inner.write(data)

    def flush(self) -> None:
        self._inner.flush()

    def __getattr__(self, name: str) -> Any:  # closed, close…: the wrapped writer's
        return getattr(self._inner, name)


class _MediaHandler(SimpleHTTPRequestHandler):
    server: _MediaHttpServer

    def setup(self) -> None:
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self.server.traffic)  # type: ignore[assignment]

    def do_GET(self) -> None:
        self.server.traffic.record(self.path)
        if self.path.startswith("/redirect-to-private"):
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.7/speech.mp4")
            self.end_headers()
            return
        if self.path.startswith("/chunked/"):
            self._send_body(self.path.removeprefix("/chunked/"), chunked=True)
            return
        if self.path.startswith("/trickle/"):
            self._send_body(self.path.removeprefix("/trickle/"), trickle=True)
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        self.server.traffic.record(f"HEAD {self.path}")
        super().do_HEAD()

    def _send_body(self, name: str, *, chunked: bool = False, trickle: bool = False) -> None:
        """``name``'s bytes without a Content-Length (chunked), or with one but a byte at a time."""
        body = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if chunked:
                for start in range(0, len(body), 4096):
                    piece = body[start : start + 4096]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(TRICKLE_INTERVAL_SECONDS)
        except OSError:
            pass  # the client gave up on us, which is what a limit is for

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


class _MediaHttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a trickling response must not hold up the test run's exit

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.traffic = Traffic()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # yt-dlp probes a direct URL and hangs up mid-body before downloading: expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass(frozen=True)
class MediaServer:
    base_url: str
    traffic: Traffic = field(default_factory=Traffic, compare=False)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@contextmanager
def serving(root: Path, host: str = "127.0.0.1") -> Iterator[MediaServer]:
    """Serve ``root`` on ``host`` (a second loopback address such as 127.0.0.2 stands in for an
    internal host)."""
    server = _MediaHttpServer((host, 0), functools.partial(_MediaHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield MediaServer(f"http://{host}:{server.server_address[1]}", server.traffic)
    finally:
        server.shutdown()
        server.server_close()
