"""The error contract, checked against what the API really answered: every error the local front
(``infra.local.api_gateway``) sends back is recorded with its route, and each recorded code must
be listed in the OpenAPI document under that route and status.

Recording wraps the front's WSGI entry, so it sees what a client sees: the functions' answers and
the front's own (a Lambda that failed or was throttled), never an unknown route's (no route).
The recording is in memory: only requests served in this process count (the integration tests).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from infra.local.api_gateway import LocalApiGateway
from vidscope.api.http import JSON
from vidscope.functions import API_FUNCTIONS

# The routes the document describes (the public ones, /openapi.json and /docs, are left out of it).
_ROUTES = Map(
    [
        Rule(route.resolver_path, methods=[route.method], endpoint=route.path)
        for spec in API_FUNCTIONS
        if not spec.public
        for route in spec.routes
    ],
    strict_slashes=False,
    merge_slashes=False,
)
NO_ERROR_ENVELOPE = "(no error envelope)"


@dataclass(frozen=True, order=True)
class ErrorAnswer:
    """An error response as the client got it: the route it was sent to, its status and code."""

    method: str
    path: str  # the route, as the document spells it: /v1/jobs/{job_id}
    status: int
    code: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {self.code}"


_recorded: set[ErrorAnswer] = set()
_lock = threading.Lock()


def recorded() -> set[ErrorAnswer]:
    with _lock:
        return set(_recorded)


def _route(environ: dict[str, Any]) -> tuple[str, str] | None:
    try:
        path, _ = _ROUTES.bind_to_environ(environ).match()
    except HTTPException:  # not a documented route (or not one at all)
        return None
    return str(environ["REQUEST_METHOD"]).upper(), str(path)


def _code(body: bytes) -> str:
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, TypeError, KeyError):
        return NO_ERROR_ENVELOPE
    return str(code)


@contextmanager
def recording() -> Iterator[None]:
    """Record every error the local front answers while inside (from any instance, any thread)."""
    original = LocalApiGateway.__call__

    def recording_call(self: LocalApiGateway, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        statuses: list[int] = []

        def capturing(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        answer = original(self, environ, capturing)
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        route = _route(environ)
        if route is not None and statuses and statuses[0] >= 400:
            with _lock:
                _recorded.add(ErrorAnswer(*route, statuses[0], _code(body)))
        return [body]

    LocalApiGateway.__call__ = recording_call  # type: ignore[method-assign]
    try:
        yield
    finally:
        LocalApiGateway.__call__ = original  # type: ignore[method-assign]


def documented_codes(document: dict[str, Any], method: str, path: str, status: int) -> set[str]:
    """The codes the document lists for ``status`` under the route: one example per code, in the
    response for that status, or else in its range (``5XX``)."""
    responses = document.get("paths", {}).get(path, {}).get(method.lower(), {}).get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or {}
    examples = response.get("content", {}).get(JSON, {}).get("examples", {})
    return {str(example["value"]["error"]["code"]) for example in examples.values()}


def undocumented(answers: Iterable[ErrorAnswer], document: dict[str, Any]) -> list[ErrorAnswer]:
    """The answers whose code the document does not list under their route and status."""
    return sorted(a for a in answers if a.code not in documented_codes(document, a.method, a.path, a.status))
