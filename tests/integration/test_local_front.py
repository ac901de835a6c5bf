"""The local front (``vidscope serve``'s HTTP server) answers many concurrent clients.

The real threaded server listens on 127.0.0.1 around the local API Gateway (real handlers,
in-process moto); clients open their connections at the same instant. Every one must get an
HTTP answer (no reset, no refused connection), and one Idempotency-Key sent by many clients at
once still makes exactly one job.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from infra.local.api_gateway import LocalApiGateway
from infra.local.serve import LISTEN_BACKLOG, ThreadingWSGIServer, make_front_server
from tests.integration.conftest import TenantHandle, job_body
from vidscope.jobs_repository import JobsRepository

pytestmark = pytest.mark.timeout(240)
CLIENT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer
    body: bytes
    error: str = ""


@pytest.fixture
def front(aws: None) -> Iterator[ThreadingWSGIServer]:
    server = make_front_server("127.0.0.1", 0, LocalApiGateway())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def burst(
    server: ThreadingWSGIServer, clients: int, request: Callable[[http.client.HTTPConnection], None]
) -> list[Answer]:
    """``clients`` threads, each with its own connection, send one request at the same instant."""
    start = threading.Barrier(clients)

    def one(_: int) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=CLIENT_TIMEOUT_S)
        try:
            start.wait(timeout=30)
            request(connection)
            response = connection.getresponse()
            return Answer(response.status, response.read())
        except (OSError, http.client.HTTPException) as error:
            return Answer(None, b"", repr(error))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(clients)))


def test_the_front_listens_with_a_backlog_for_bursts(front: ThreadingWSGIServer) -> None:
    assert front.request_queue_size == LISTEN_BACKLOG >= 64
    assert front.daemon_threads


def test_sixty_four_concurrent_clients_are_all_answered(front: ThreadingWSGIServer, tenant: TenantHandle) -> None:
    answers = burst(front, 64, lambda c: c.request("GET", "/v1/jobs?limit=5", headers=tenant.headers))
    assert [a.error for a in answers if a.status is None] == []
    assert [a.status for a in answers] == [200] * 64


def test_one_idempotency_key_from_24_concurrent_clients_makes_one_job(
    front: ThreadingWSGIServer, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    body = json.dumps(job_body())
    headers = {**tenant.headers, "Content-Type": "application/json", "Idempotency-Key": "burst-1"}
    answers = burst(front, 24, lambda c: c.request("POST", "/v1/jobs", body=body, headers=headers))
    assert [a.error for a in answers if a.status is None] == []
    assert sorted(a.status or 0 for a in answers) == [200] * 23 + [202]
    job_ids = {json.loads(a.body)["data"]["job_id"] for a in answers}
    page = jobs_repo.query(
        tenant.tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=100
    )
    assert len(job_ids) == 1
    assert [r.job_id for r in page.records] == list(job_ids)
