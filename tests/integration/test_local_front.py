"""The local front (``make serve``'s HTTP server) answers many concurrent clients, and the
local Lambda runtime behind it runs each invocation alone in one of a bounded pool of execution
environments.

The real threaded server listens on 127.0.0.1 around the local API Gateway (real handlers,
in-process moto); clients open their connections at the same instant. Every one must get an
HTTP answer (no reset, no refused connection), and one Idempotency-Key sent by many clients at
once still makes exactly one job. A pool of one environment makes a second concurrent request
wait for it, or throttles it as API Gateway answers a throttled Lambda when it cannot wait.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from infra.local.api_gateway import INVOCATION_REFUSED, LocalApiGateway
from infra.local.lambda_runtime import (
    EnvironmentPool,
    Handler,
    LambdaRuntime,
    TooManyRequestsException,
    fresh_handler,
    fresh_module,
)
from infra.local.serve import LISTEN_BACKLOG, ThreadingWSGIServer, make_front_server
from tests.integration.conftest import TenantHandle, job_body
from vidscope.functions import FunctionSpec, function
from vidscope.jobs.repository import JobsRepository

pytestmark = pytest.mark.timeout(120)
CLIENT_TIMEOUT_S = 60.0
SHARED_KEY = "shared-key"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer
    body: bytes
    error: str = ""

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@contextmanager
def serving(app: LocalApiGateway) -> Iterator[ThreadingWSGIServer]:
    """The real front around ``app`` on a free port, in a thread."""
    server = make_front_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def front(aws: None) -> Iterator[ThreadingWSGIServer]:
    with serving(LocalApiGateway()) as server:
        yield server


def send(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None) -> Answer:
    """One request on a connection of its own; a reset or refusal is an answer of ``None``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.read())
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, b"", repr(error))
    finally:
        connection.close()


def burst(clients: int, client: Callable[[int], list[Answer]]) -> list[list[Answer]]:
    """``clients`` threads start ``client(i)`` at the same instant; each one's answers."""
    start = threading.Barrier(clients)

    def one(i: int) -> list[Answer]:
        start.wait(timeout=30)
        return client(i)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(clients)))


def in_background(call: Callable[[], Answer]) -> tuple[threading.Thread, list[Answer]]:
    answers: list[Answer] = []
    thread = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    thread.start()
    return thread, answers


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def tenant_jobs(jobs_repo: JobsRepository, tenant: TenantHandle) -> list[str]:
    page = jobs_repo.query(
        tenant.tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=1000
    )
    return [r.job_id for r in page.records]


# --- the front under concurrent clients ---------------------------------------------------------


def test_the_front_listens_with_a_backlog_for_bursts(front: ThreadingWSGIServer) -> None:
    assert front.request_queue_size == LISTEN_BACKLOG >= 64
    assert front.daemon_threads


MIXED = ("list", "get", "create", "create with the shared key")
ROUNDS = 2


def test_sixty_four_concurrent_clients_with_a_mixed_workload_are_all_answered_with_one_job_per_key(
    front: ThreadingWSGIServer, make_tenant: Callable[..., TenantHandle], jobs_repo: JobsRepository
) -> None:
    # Given a tenant whose plan runs every job created here at once, and one job to fetch
    tenant = make_tenant(plan="enterprise")
    json_headers = {**tenant.headers, "Content-Type": "application/json"}
    body = json.dumps(job_body())
    seeded = send(front.server_port, "POST", "/v1/jobs", json_headers, body)
    assert seeded.status == 202, seeded.body
    seeded_id = seeded.json["data"]["job_id"]
    requests: dict[str, tuple[str, str, dict[str, str], str | None]] = {
        "list": ("GET", "/v1/jobs?limit=5", tenant.headers, None),
        "get": ("GET", f"/v1/jobs/{seeded_id}", tenant.headers, None),
        "create": ("POST", "/v1/jobs", json_headers, body),
        "create with the shared key": ("POST", "/v1/jobs", {**json_headers, "Idempotency-Key": SHARED_KEY}, body),
    }

    # When 64 clients send the mix at the same instant, each a few requests in a row
    def client(i: int) -> list[Answer]:
        return [send(front.server_port, *requests[MIXED[(i + r) % len(MIXED)]]) for r in range(ROUNDS)]

    answers = burst(64, client)

    # Then every request got an HTTP answer, each the one its route documents
    by_kind: dict[str, list[Answer]] = {kind: [] for kind in MIXED}
    for i, sent in enumerate(answers):
        for r, answer in enumerate(sent):
            by_kind[MIXED[(i + r) % len(MIXED)]].append(answer)
    assert [a.error for kind in MIXED for a in by_kind[kind] if a.status is None] == []
    assert {a.status for a in by_kind["list"]} == {200}
    assert {a.status for a in by_kind["get"]} == {200}
    assert {a.status for a in by_kind["create"]} == {202}
    keyed = by_kind["create with the shared key"]
    assert {a.status for a in keyed} <= {200, 202, 409}  # 409: the key's first request still in flight
    assert [a.status for a in keyed].count(202) == 1
    # And the shared key made exactly one job, which every answer naming a job names
    keyed_jobs = {a.json["data"]["job_id"] for a in keyed if a.status in (200, 202)}
    assert len(keyed_jobs) == 1
    created = {a.json["data"]["job_id"] for a in by_kind["create"]}
    assert len(created) == len(by_kind["create"])
    assert sorted(tenant_jobs(jobs_repo, tenant)) == sorted({seeded_id} | created | keyed_jobs)


# --- the pool of execution environments ----------------------------------------------------------


class Gate:
    """Loads real handlers whose first invocation holds its environment until ``release``."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        self.invocations = 0

    def load(self, spec: FunctionSpec) -> Handler:
        handler = fresh_handler(spec)

        def gated(event: Any, context: Any) -> Any:
            self.invocations += 1
            self.entered.set()
            assert self.released.wait(timeout=30)
            return handler(event, context)

        return gated

    def release(self) -> None:
        self.released.set()


LIST_JOBS = function("list_jobs")


def test_a_request_beyond_a_pool_of_one_waits_for_the_busy_environment(aws: None, tenant: TenantHandle) -> None:
    # Given list_jobs with one execution environment, busy with a first request
    gate = Gate()
    runtime = LambdaRuntime(max_environments=1, load_handler=gate.load)
    with serving(LocalApiGateway(runtime=runtime)) as server:
        first, first_answer = in_background(lambda: send(server.server_port, "GET", "/v1/jobs", tenant.headers))
        assert gate.entered.wait(timeout=30)

        # When a second request arrives
        second, second_answer = in_background(lambda: send(server.server_port, "GET", "/v1/jobs", tenant.headers))

        # Then it waits for that environment, without running anywhere meanwhile
        pool = runtime.pool(LIST_JOBS)
        assert eventually(lambda: pool.waiting == 1)
        assert second.is_alive() and gate.invocations == 1
        # And once the first returns, it runs in the same environment and both are answered
        gate.release()
        first.join(timeout=30)
        second.join(timeout=30)
    assert [a.status for a in first_answer + second_answer] == [200, 200]
    assert (pool.size, pool.started, gate.invocations) == (1, 1, 2)


@pytest.mark.parametrize("wait_seconds", [0, 0.2], ids=["no wait", "wait timed out"])
def test_a_request_beyond_a_pool_of_one_is_throttled_as_api_gateway_answers_a_throttled_lambda(
    aws: None, tenant: TenantHandle, wait_seconds: float
) -> None:
    # Given list_jobs with one execution environment, busy with a first request
    gate = Gate()
    runtime = LambdaRuntime(max_environments=1, wait_seconds=wait_seconds, load_handler=gate.load)
    with serving(LocalApiGateway(runtime=runtime)) as server:
        first, first_answer = in_background(lambda: send(server.server_port, "GET", "/v1/jobs", tenant.headers))
        assert gate.entered.wait(timeout=30)

        # When a second request finds no environment free within its wait
        throttled = send(server.server_port, "GET", "/v1/jobs", tenant.headers)
        gate.release()
        first.join(timeout=30)

    # Then API Gateway's answer to a Lambda that refused the invocation: 500, its 5xx envelope
    assert throttled.status == INVOCATION_REFUSED == 500
    assert throttled.json["error"]["message"] == "Internal server error"
    assert throttled.json["meta"]["request_id"]
    # And the request holding the environment was not disturbed
    assert [a.status for a in first_answer] == [200]
    assert gate.invocations == 1


def test_concurrent_invocations_never_share_an_environment() -> None:
    # Given a pool of four environments whose handlers note when two invocations overlap in one,
    # and meet at a barrier of four (passed only when four invocations run at the same time)
    together = threading.Barrier(4)
    overlaps: list[str] = []
    handlers: list[Handler] = []

    def load(spec: FunctionSpec) -> Handler:
        busy = threading.Lock()

        def handler(event: Any, context: Any) -> dict[str, int]:
            if not busy.acquire(blocking=False):
                overlaps.append(context.aws_request_id)
                return {"environment": len(handlers)}
            try:
                together.wait(timeout=10)
                return {"environment": handlers.index(handler)}
            finally:
                busy.release()

        handlers.append(handler)
        return handler

    runtime = LambdaRuntime(max_environments=4, load_handler=load)
    spec = function("get_job")

    # When 32 invocations arrive at once
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lambda _: runtime.invoke(spec, {}), range(32)))

    # Then four environments served them all, four at a time, never two in one
    assert overlaps == []
    assert not together.broken
    environments: EnvironmentPool = runtime.pool(spec)
    assert (environments.size, environments.started, len(handlers)) == (4, 4, 4)
    assert sorted({r["environment"] for r in results}) == [0, 1, 2, 3]


def test_an_invocation_that_finds_no_free_environment_in_time_gets_lambdas_throttle() -> None:
    # Given a pool of one environment, held by an invocation
    release = threading.Event()

    def load(spec: FunctionSpec) -> Handler:
        return lambda event, context: release.wait(timeout=30)

    runtime = LambdaRuntime(max_environments=1, wait_seconds=0.05, load_handler=load)
    spec = function("get_job")
    holder = threading.Thread(target=runtime.invoke, args=(spec, {}), daemon=True)
    holder.start()
    assert eventually(lambda: runtime.pool(spec).started == 1)

    # When another invocation comes, Lambda's throttle is what it gets (named for ASL Retry)
    with pytest.raises(TooManyRequestsException) as raised:
        runtime.invoke(spec, {})
    release.set()
    holder.join(timeout=10)
    assert raised.value.error_type == "Lambda.TooManyRequestsException"


def test_a_request_reads_its_own_event_while_another_function_serves_another(aws: None, tenant: TenantHandle) -> None:
    # Given get_job's environments hold each request, once its resolver has it, until told to go on
    held, go_on = threading.Event(), threading.Event()
    seen: list[str] = []

    def hold_then_note_the_event(app: Any, next_middleware: Callable[[Any], Any]) -> Any:
        held.set()
        assert go_on.wait(timeout=30)
        seen.append(app.current_event.path)
        return next_middleware(app)

    def load(spec: FunctionSpec) -> Handler:
        module = fresh_module(spec)
        if spec.name == "get_job":
            module.app.use([hold_then_note_the_event])
        handler: Handler = module.lambda_handler
        return handler

    json_headers = {**tenant.headers, "Content-Type": "application/json"}
    with serving(LocalApiGateway(runtime=LambdaRuntime(load_handler=load))) as server:
        port = server.server_port
        job_id = send(port, "POST", "/v1/jobs", json_headers, json.dumps(job_body())).json["data"]["job_id"]
        getting, got = in_background(lambda: send(port, "GET", f"/v1/jobs/{job_id}", tenant.headers))
        assert held.wait(timeout=30)

        # When another function resolves another request meanwhile
        other = send(port, "POST", "/v1/jobs", json_headers, json.dumps(job_body()))
        go_on.set()
        getting.join(timeout=30)

    # Then each request was resolved against its own event
    assert other.status == 202
    assert seen == [f"/v1/jobs/{job_id}"]
    assert [a.status for a in got] == [200]
    assert got[0].json["data"]["job_id"] == job_id


def test_each_environment_holds_its_own_instance_of_the_handler_module() -> None:
    spec = function("create_job")
    first, second = fresh_module(spec), fresh_module(spec)
    # The resolver keeps the request it serves on its app: no two environments share one
    assert first.app is not second.app
    assert first.router is not second.router
    assert first.lambda_handler is not second.lambda_handler
    imported = sys.modules.get(spec.module)
    assert imported is None or imported.app not in (first.app, second.app)
