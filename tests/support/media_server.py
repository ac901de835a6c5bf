"""A media server on 127.0.0.1 for tests and benchmarks: a directory over HTTP, quietly, plus
the faults ingestion must handle (a redirect to a private address)."""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _MediaHandler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/redirect-to-private"):
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.7/speech.mp4")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


class _MediaHttpServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # yt-dlp probes a direct URL and hangs up mid-body before downloading: expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass(frozen=True)
class MediaServer:
    base_url: str

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@contextmanager
def serving(root: Path) -> Iterator[MediaServer]:
    server = _MediaHttpServer(("127.0.0.1", 0), functools.partial(_MediaHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield MediaServer(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
