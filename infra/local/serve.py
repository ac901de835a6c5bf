"""``make serve``: Vidscope's API on 127.0.0.1 with moto as AWS, in one process.

The local stack (``infra.local.stack``: moto server, the real state machine, stage handlers and
transcription worker) with the local API Gateway front on top, which turns each request into a
proxy event for the real API handlers. Loopback media and webhook URLs are allowed here, and
only here.
"""

from __future__ import annotations

import argparse
import os
import shlex
import threading
from datetime import UTC, datetime
from wsgiref.simple_server import WSGIRequestHandler, make_server

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


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--credits", type=int, default=10_000, help="credits of the demo tenant")
    args = parser.parse_args(argv)
    for name, value in LOCAL_ENV.items():
        os.environ.setdefault(name, value)

    from infra.local import stack
    from infra.local.api_gateway import LocalApiGateway
    from vidscope import dependencies
    from vidscope.tenants import onboard

    with stack.running():
        demo = onboard(
            dependencies.tenants_repository(),
            dependencies.webhook_secrets(),
            name="Demo",
            plan="pro",
            rate_limit_per_minute=600,
            initial_credits=args.credits,
            now=datetime.now(UTC),
        )
        key = demo.key.api_key
        server = make_server("127.0.0.1", args.port, LocalApiGateway(), handler_class=QuietHandler)
        base = f"http://127.0.0.1:{server.server_port}"
        body = '{"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "capabilities": ["transcription"]}'
        print(f"Vidscope is running at {base} (docs: {base}/docs)", flush=True)
        print(f"Demo tenant {demo.tenant.tenant_id}, API key: {key}", flush=True)
        print(f"Webhook signing secret (Standard Webhooks): {demo.webhook_secret}", flush=True)
        print("Try:", flush=True)
        print(
            f"  curl -s -X POST {base}/v1/jobs -H 'X-Api-Key: {key}' -H 'Content-Type: application/json' "
            f"-d {shlex.quote(body)}",
            flush=True,
        )
        print("Ctrl-C stops it.", flush=True)
        worker = threading.Thread(target=server.serve_forever, daemon=True)
        worker.start()
        try:
            worker.join()
        except KeyboardInterrupt:
            print("stopping", flush=True)
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
