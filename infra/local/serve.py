"""``make serve`` (``python -m infra.local.serve``): all of Vidscope on 127.0.0.1, moto as AWS.

The local stack (``infra.local.stack``: moto server, the real state machine, stage handlers,
event pollers and the transcription worker) with the local API Gateway front on top, which turns
each request into a proxy event for the real API handlers. Loopback media and webhook URLs are
allowed here, and only here. ``--persist`` keeps jobs, media and tenants in the data directory
across restarts (``infra.local.persistence``). Ctrl-C or SIGTERM stops every process it started;
SIGUSR1 prints where every thread is (``kill -USR1 <pid>``), for a server that seems stuck.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import shlex
import signal
import socketserver
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "VIDSCOPE_TABLE_NAME": "vidscope-local",
    "VIDSCOPE_BUCKET_NAME": "vidscope-local-media",
    "VIDSCOPE_ALLOW_LOOPBACK_URLS": "true",
    "POWERTOOLS_SERVICE_NAME": "vidscope",
    "POWERTOOLS_METRICS_NAMESPACE": "Vidscope",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
# Answers only on the local front (it is no API route, and nothing deployed serves it): where
# this stack's AWS is, so `vidscope tenants create` with VIDSCOPE_URL set can reach its table.
LOCAL_INFO_PATH = "/_local/aws"
# A 23-second speech video (espeak-ng, made by tests/support/make_fixtures.py) that the printed
# curl submits, so the first job completes even on a machine without internet. The tests use it
# (and its script and timings beside it) as their speech fixture.
SAMPLE_PATH = "/_local/sample.mp4"
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_FILE = SAMPLE_DIR / "speech.mp4"
_DEMO_FILE = "demo-tenant.json"


# Connections the kernel queues for the front before accepting them (``listen()``'s backlog;
# Linux caps it at net.core.somaxconn, 4096 by default). wsgiref's default of 5 reset clients
# as soon as a few more than 5 arrived at once.
LISTEN_BACKLOG = 1024


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", flush=True)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref's server, one daemon thread per connection, with a listen backlog for bursts.

    Concurrency reaches the functions as it does in Lambda: each function has a bounded pool of
    execution environments, each running one invocation at a time (``infra.local.lambda_runtime``);
    requests beyond the pool wait for a free environment (and are throttled only past the
    function's timeout) instead of being refused at the socket.
    """

    daemon_threads = True  # a client that never finishes its request does not hold up Ctrl-C
    block_on_close = False  # server_close() does not wait for the request threads
    request_queue_size = LISTEN_BACKLOG


def make_front_server(
    host: str, port: int, app: Any, handler_class: type[WSGIRequestHandler] = QuietHandler
) -> ThreadingWSGIServer:
    """The local front's HTTP server: threaded, with a large listen backlog, logging each request."""
    return make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=handler_class)


class LocalFront:
    """The local API Gateway, plus the local-only description of the stack's AWS."""

    def __init__(self, api: Any, info: dict[str, str]) -> None:
        self._api = api
        self._info = json.dumps(info).encode()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == LOCAL_INFO_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [self._info]
        if environ.get("PATH_INFO") == SAMPLE_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            body = SAMPLE_FILE.read_bytes()
            start_response("200 OK", [("Content-Type", "video/mp4"), ("Content-Length", str(len(body)))])
            return [body] if environ["REQUEST_METHOD"] == "GET" else []
        result: Iterable[bytes] = self._api(environ, start_response)
        return result


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data-dir", type=Path, default=Path(".vidscope-local"), help="state and logs")
    parser.add_argument("--persist", action="store_true", help="keep jobs and tenants across restarts")
    parser.add_argument("--credits", type=int, default=10_000, help="credits of the demo tenant")
    args = parser.parse_args(argv)
    for name, value in LOCAL_ENV.items():
        os.environ.setdefault(name, value)
    _stop_on_sigterm()
    faulthandler.register(signal.SIGUSR1, all_threads=True)

    from infra.local import persistence, stack
    from infra.local.api_gateway import LocalApiGateway
    from vidscope import dependencies
    from vidscope.settings import get_settings
    from vidscope.tenancy.tenants import onboard

    data_dir: Path = args.data_dir.resolve()
    state_dir = data_dir / "state"

    def restore(local: stack.LocalStack) -> None:
        if args.persist:
            settings = get_settings()
            count = persistence.load(
                local.client, state_dir, table_name=settings.table_name, bucket_name=settings.bucket_name
            )
            if count:
                print(f"Restored {count} items from {state_dir}", flush=True)

    with stack.running(port=None, log_dir=data_dir / "worker-logs", before_events=restore) as local:
        settings = get_settings()
        demo_file = data_dir / _DEMO_FILE
        if args.persist and demo_file.exists():
            demo = json.loads(demo_file.read_text())
        else:
            created = onboard(
                dependencies.tenants_repository(),
                dependencies.webhook_secrets(),
                name="Demo",
                plan="pro",
                rate_limit_per_minute=600,
                initial_credits=args.credits,
                now=datetime.now(UTC),
            )
            demo = {
                "tenant_id": created.tenant.tenant_id,
                "api_key": created.key.api_key,
                "webhook_secret": created.webhook_secret,
            }
            data_dir.mkdir(parents=True, exist_ok=True)
            demo_file.write_text(json.dumps(demo))
            demo_file.chmod(0o600)
        if args.persist:
            for job_id in persistence.resume_unfinished_jobs(state_dir):
                print(f"Resumed unfinished job {job_id}", flush=True)

        front = LocalFront(
            LocalApiGateway(),
            {"endpoint_url": local.endpoint_url, "table_name": settings.table_name, "region": "us-east-1"},
        )
        server = make_front_server("127.0.0.1", args.port, front)
        base = f"http://127.0.0.1:{server.server_port}"
        body = json.dumps({"url": f"{base}{SAMPLE_PATH}", "capabilities": ["transcription", "summary", "brands"]})
        print(f"Vidscope is running at {base} (docs: {base}/docs, console: {base}/console)", flush=True)
        print(f"Demo tenant {demo['tenant_id']}, API key: {demo['api_key']}", flush=True)
        print(f"Webhook signing secret (Standard Webhooks): {demo['webhook_secret']}", flush=True)
        print("Try:", flush=True)
        print(
            f"  curl -s -X POST {base}/v1/jobs -H 'X-Api-Key: {demo['api_key']}' -H 'Content-Type: application/json' "
            f"-d {shlex.quote(body)}",
            flush=True,
        )
        print("Ctrl-C stops it.", flush=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            # Woken twice a second, not parked in one join: a signal is delivered to whichever
            # thread the kernel picks, and only the main thread's next wake-up runs the Python
            # handler, so a main thread blocked in join() may never see Ctrl-C.
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            print("stopping", flush=True)
        finally:
            server.shutdown()
            server.server_close()
            if args.persist:
                persistence.save(
                    local.client,
                    state_dir,
                    table_name=settings.table_name,
                    bucket_name=settings.bucket_name,
                    secret_prefix=settings.webhook_secret_prefix,
                )
                print(f"State saved to {state_dir}", flush=True)


if __name__ == "__main__":
    main()
