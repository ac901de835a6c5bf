"""Local front under concurrent clients, with a mixed workload.

The threaded front serves the local API Gateway (real handlers in their pools of execution
environments, in-process moto) in a process of its own, a fresh one per level: moto copies the
whole table in every transaction, so a table grown by earlier levels would slow the later ones.
For 1, 8, 32 and 64 concurrent clients, REQUESTS_PER_LEVEL requests are shared out among the
clients, each on a fresh connection, in a fixed mix: GET /v1/jobs, GET /v1/jobs/{id}, POST
/v1/jobs without a key and POST /v1/jobs with one Idempotency-Key shared by all of the level's
clients. Printed per level: req/s, p50/p95 latency, connection errors (no HTTP answer: reset,
refused, timed out), the answers by status, how many jobs the shared key made (must be 1) and
how many execution environments list_jobs, get_job and create_job started.
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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler

from infra.local.serve import LOCAL_ENV, make_front_server

CLIENTS = (1, 8, 32, 64)
REQUESTS_PER_LEVEL = 400
# One in ten requests of each kind of POST: 40 jobs per level, under the enterprise plan's 50 active.
MIX = ("list", "get", "list", "get", "list", "get", "list", "get", "create", "create with the shared key")
SHARED_KEY = "bench-shared-key"
CLIENT_TIMEOUT_S = 60.0


class SilentHandler(WSGIRequestHandler):
    """No request log: printing is not what is measured."""

    def log_message(self, format: str, *args: object) -> None:
        pass


MEASURED_FUNCTIONS = ("list_jobs", "get_job", "create_job")


def serve() -> None:
    """The server process: fresh in-process AWS, a tenant and the front. Prints the port and the
    tenant's key; once its stdin is closed, the environments each measured function started."""
    # Answers go out on the original stdout; the handlers' logs (stdout) join stderr, errors only.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for name, value in LOCAL_ENV.items():
        os.environ.setdefault(name, value)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # a create without a state machine warns each time
    warnings.filterwarnings("ignore", message="No application metrics to publish")  # metrics are off here
    import boto3
    from moto import mock_aws

    from infra.local import resources
    from infra.local.api_gateway import LocalApiGateway
    from infra.local.lambda_runtime import RUNTIME
    from infra.local.moto_patches import serialize_dynamodb_transactions
    from vidscope import dependencies
    from vidscope.functions import function
    from vidscope.settings import get_settings
    from vidscope.tenancy.tenants import onboard

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
            plan="enterprise",  # 50 active jobs: every job a level creates
            rate_limit_per_minute=1_000_000,
            initial_credits=10_000_000,
            now=datetime.now(UTC),
        )
        server = make_front_server("127.0.0.1", 0, LocalApiGateway(), handler_class=SilentHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(json.dumps({"port": server.server_port, "api_key": created.key.api_key}), file=answers, flush=True)
        sys.stdin.read()  # until the bench closes our stdin
        server.shutdown()
        server.server_close()
        started = {name: RUNTIME.pool(function(name)).started for name in MEASURED_FUNCTIONS}
        print(json.dumps(started), file=answers, flush=True)


@dataclass
class Level:
    clients: int
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    shared_key_jobs: set[str] = field(default_factory=set)
    elapsed: float = 0.0
    environments: dict[str, int] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.answered / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000


def send(port: int, method: str, path: str, headers: dict[str, str], body: str | None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_level(port: int, api_key: str, clients: int) -> Level:
    """``clients`` threads send REQUESTS_PER_LEVEL requests of the mix between them."""
    headers = {"X-Api-Key": api_key}
    post_headers = {**headers, "Content-Type": "application/json"}
    body = json.dumps({"url": "http://127.0.0.1:9/bench.mp4", "capabilities": ["transcription"]})
    _, seeded = send(port, "POST", "/v1/jobs", post_headers, body)  # a job to GET
    job_path = f"/v1/jobs/{json.loads(seeded)['data']['job_id']}"
    requests = {
        "list": ("GET", "/v1/jobs?limit=10", headers, None),
        "get": ("GET", job_path, headers, None),
        "create": ("POST", "/v1/jobs", post_headers, body),
        "create with the shared key": ("POST", "/v1/jobs", {**post_headers, "Idempotency-Key": SHARED_KEY}, body),
    }
    level = Level(clients)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    next_request = iter(range(REQUESTS_PER_LEVEL))

    def client() -> None:
        start.wait()
        while True:
            with lock:
                index = next(next_request, None)
            if index is None:
                return
            kind = MIX[index % len(MIX)]
            began = time.perf_counter()
            try:
                status, payload = send(port, *requests[kind])
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    level.errors[type(error).__name__] += 1
                continue
            took = time.perf_counter() - began
            with lock:
                level.latencies.append(took)
                level.statuses[(kind, status)] += 1
                if kind == "create with the shared key" and status in (200, 202):
                    level.shared_key_jobs.add(json.loads(payload)["data"]["job_id"])

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    level.elapsed = time.perf_counter() - began
    return level


def measure(clients: int) -> Level:
    """One level against a server process of its own."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.local_front", "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        server = json.loads(process.stdout.readline())
        level = run_level(server["port"], server["api_key"], clients)
        process.stdin.close()
        level.environments = json.loads(process.stdout.readline())
        process.wait(timeout=30)
        return level
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_args().serve:
        serve()
        return
    print(
        f"Local front, mixed workload: {REQUESTS_PER_LEVEL} requests per level, fresh connection per request"
        " (GET list 40%, GET job 40%, POST 10%, POST with one shared Idempotency-Key 10%)"
    )
    print(
        f"{'clients':>7} | {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} | {'conn errors':>11} | {'key jobs':>8} |"
        f" {'environments':>12} | statuses"
    )
    failures = 0
    for clients in CLIENTS:
        level = measure(clients)
        by_status: Counter[int] = Counter()
        for (_, status), count in level.statuses.items():
            by_status[status] += count
        environments = "/".join(str(level.environments[name]) for name in MEASURED_FUNCTIONS)
        print(
            f"{clients:>7} | {level.rate:>6.1f} {level.percentile_ms(50):>7.0f} {level.percentile_ms(95):>7.0f}"
            f" | {sum(level.errors.values()):>11} | {len(level.shared_key_jobs):>8} | {environments:>12}"
            f" | {dict(sorted(by_status.items()))}",
            flush=True,
        )
        if level.errors:
            print(f"{'':>7}   connection errors: {dict(level.errors)}")
        unexpected = {f"{kind} {status}": count for (kind, status), count in level.statuses.items() if status >= 400}
        if unexpected:
            print(f"{'':>7}   error answers: {unexpected}")
        failures += sum(level.errors.values())
    print("key jobs: jobs the shared Idempotency-Key made (must be 1); environments: list_jobs/get_job/create_job")
    print(f"64 concurrent clients all answered: {'yes' if failures == 0 else f'NO ({failures} connection errors)'}")


if __name__ == "__main__":
    main()
