"""Local front under concurrent clients: wsgiref's single-threaded server vs the threaded front.

Both servers serve the same app (the local API Gateway with the real handlers, in-process moto)
in a process of their own, started one after the other in this run. For 1, 8, 32 and 64
concurrent clients, each client sends GET /v1/jobs on a fresh connection, again and again, for a
few seconds; then 24 clients send POST /v1/jobs with one shared Idempotency-Key at the same
instant. Printed per server: requests answered, requests with no HTTP answer (reset, refused,
timed out), req/s and p50/p95 latency, and the new/old ratios side by side.
Target (DESIGN §9): 64 concurrent clients are all answered.

Run: ``make bench`` (or ``python -m bench.local_front``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler, make_server

from infra.local.serve import LOCAL_ENV, make_front_server

CLIENTS = (1, 8, 32, 64)
SECONDS_PER_LEVEL = 3.0
IDEMPOTENT_CLIENTS = 24
CLIENT_TIMEOUT_S = 10.0
SEEDED_JOBS = 5


class SilentHandler(WSGIRequestHandler):
    """No request log, for either server: printing is not what is measured."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(kind: str) -> None:
    """The server process: fresh in-process AWS, a tenant, and one of the two servers."""
    for name, value in LOCAL_ENV.items():
        os.environ.setdefault(name, value)
    warnings.filterwarnings("ignore", message="No application metrics to publish")  # metrics are off here
    import boto3
    from moto import mock_aws

    from infra.local import resources
    from infra.local.api_gateway import LocalApiGateway
    from infra.local.moto_patches import serialize_dynamodb_transactions
    from vidscope import dependencies
    from vidscope.settings import get_settings
    from vidscope.tenants import onboard

    serialize_dynamodb_transactions()
    with mock_aws():
        settings = get_settings()
        os.environ.update(
            resources.create_data_and_events(
                cast("Callable[[str], Any]", boto3.client),
                table_name=settings.table_name,
                bucket_name=settings.bucket_name,
                bus_name=settings.event_bus_name,
            )
        )
        dependencies.reset()
        created = onboard(
            dependencies.tenants_repository(),
            dependencies.webhook_secrets(),
            name="Bench",
            plan="pro",
            rate_limit_per_minute=1_000_000,
            initial_credits=10_000_000,
            now=datetime.now(UTC),
        )
        app = LocalApiGateway()
        if kind == "old":
            server: Any = make_server("127.0.0.1", 0, app, handler_class=SilentHandler)
        else:
            server = make_front_server("127.0.0.1", 0, app, handler_class=SilentHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(json.dumps({"port": server.server_port, "api_key": created.key.api_key}), flush=True)
        sys.stdin.read()  # until the bench closes our stdin
        server.shutdown()
        server.server_close()


@dataclass
class Level:
    answered: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return self.answered / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100)[q - 1]


def request(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(port: int, api_key: str, clients: int) -> Level:
    """``clients`` threads send GET /v1/jobs back to back for SECONDS_PER_LEVEL."""
    level = Level()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    headers = {"X-Api-Key": api_key}

    def client() -> None:
        start.wait()
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                status, _ = request(port, "GET", "/v1/jobs?limit=10", headers)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    level.failed += 1
                    level.errors[type(error).__name__] = level.errors.get(type(error).__name__, 0) + 1
                continue
            took = time.perf_counter() - began
            with lock:
                level.answered += 1
                level.statuses[status] = level.statuses.get(status, 0) + 1
                level.latencies.append(took)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + SECONDS_PER_LEVEL
    start.wait()
    for thread in threads:
        thread.join()
    level.elapsed = time.perf_counter() - began
    return level


def idempotent_burst(port: int, api_key: str) -> tuple[int, int, int, dict[int, int]]:
    """IDEMPOTENT_CLIENTS POSTs with one key at once: (answered, no answer, distinct job ids, statuses)."""
    body = json.dumps({"url": "http://127.0.0.1:9/bench.mp4", "capabilities": ["transcription"]})
    headers = {"X-Api-Key": api_key, "Content-Type": "application/json", "Idempotency-Key": "bench-burst"}
    start = threading.Barrier(IDEMPOTENT_CLIENTS)
    results: list[tuple[int, bytes] | None] = [None] * IDEMPOTENT_CLIENTS

    def client(i: int) -> None:
        start.wait()
        try:
            results[i] = request(port, "POST", "/v1/jobs", headers, body)
        except (OSError, http.client.HTTPException):
            results[i] = None

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(IDEMPOTENT_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = [r for r in results if r is not None]
    statuses: dict[int, int] = {}
    job_ids = set()
    for status, payload in answered:
        statuses[status] = statuses.get(status, 0) + 1
        if 200 <= status < 300:
            job_ids.add(json.loads(payload)["data"]["job_id"])
    return len(answered), IDEMPOTENT_CLIENTS - len(answered), len(job_ids), statuses


def measure(kind: str) -> tuple[dict[int, Level], tuple[int, int, int, dict[int, int]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.local_front", "--serve", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        info = json.loads(process.stdout.readline())
        port, api_key = info["port"], info["api_key"]
        seed = {"url": "http://127.0.0.1:9/seed.mp4", "capabilities": ["transcription"]}
        for _ in range(SEEDED_JOBS):  # a page with jobs on it, and every handler imported
            request(
                port, "POST", "/v1/jobs", {"X-Api-Key": api_key, "Content-Type": "application/json"}, json.dumps(seed)
            )
        request(port, "GET", "/v1/jobs?limit=10", {"X-Api-Key": api_key})
        levels = {clients: load(port, api_key, clients) for clients in CLIENTS}
        burst = idempotent_burst(port, api_key)
        process.stdin.close()
        process.wait(timeout=30)
        return levels, burst
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def ratio(new: float, old: float) -> str:
    return f"{new / old:.2f}" if old else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", choices=["old", "new"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    old, old_burst = measure("old")
    new, new_burst = measure("new")
    print(f"Local front: GET /v1/jobs, fresh connection per request, {SECONDS_PER_LEVEL:.0f} s per level")
    print("old = wsgiref single-threaded (backlog 5); new = threaded front (backlog 1024)")
    print(
        f"{'clients':>7} | {'answered':>8} {'no-ans':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} (old) |"
        f" {'answered':>8} {'no-ans':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} (new) | req/s new/old"
    )
    for clients in CLIENTS:
        o, n = old[clients], new[clients]
        print(
            f"{clients:>7} | {o.answered:>8} {o.failed:>6} {o.rate:>6.1f} {o.percentile(50) * 1000:>7.0f}"
            f" {o.percentile(95) * 1000:>7.0f}       | {n.answered:>8} {n.failed:>6} {n.rate:>6.1f}"
            f" {n.percentile(50) * 1000:>7.0f} {n.percentile(95) * 1000:>7.0f}       | {ratio(n.rate, o.rate)}"
        )
        for name, level in (("old", o), ("new", n)):
            unexpected = {s: c for s, c in level.statuses.items() if s != 200}
            if level.errors or unexpected:
                print(f"{'':>7}   {name}: no answer {level.errors or '{}'}, non-200 answers {unexpected or '{}'}")
    for name, (answered, failed, jobs, statuses) in (("old", old_burst), ("new", new_burst)):
        print(
            f"{IDEMPOTENT_CLIENTS} concurrent POST /v1/jobs, one Idempotency-Key ({name}): answered {answered},"
            f" no answer {failed}, statuses {dict(sorted(statuses.items()))}, distinct job ids {jobs}"
        )
    failures = new[max(CLIENTS)].failed + new_burst[1]
    print(
        f"64 concurrent clients all answered by the new front: {'yes' if failures == 0 else f'NO ({failures} failed)'}"
    )


if __name__ == "__main__":
    main()
