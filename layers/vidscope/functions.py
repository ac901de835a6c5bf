"""The list of functions: name, routes and what each may touch. Declared once; the CDK app
builds functions and least-privilege grants from it and the local runtime routes by it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Access(StrEnum):
    """What a function may touch; CDK turns each into the narrowest grant that allows it."""

    AUTHENTICATE = "authenticate"  # read API-key and tenant items, count rate limits
    READ_JOBS = "jobs:read"
    WRITE_JOBS = "jobs:write"  # job items, credit holds, ledger, idempotency records
    DELETE_MEDIA = "media:delete"
    START_WORKFLOW = "workflow:start"
    STOP_WORKFLOW = "workflow:stop"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway form: /v1/jobs/{job_id}

    @property
    def resolver_path(self) -> str:
        """The same path in Powertools' form: /v1/jobs/<job_id>."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    description: str
    routes: tuple[Route, ...]
    access: frozenset[Access]
    public: bool = False  # no API key needed (documentation)
    memory_mb: int = 512

    @property
    def module(self) -> str:
        return f"functions.{self.name}.handler"

    @property
    def route(self) -> Route:
        return self.routes[0]


_AUTH = frozenset({Access.AUTHENTICATE})

API_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "create_job",
        "Create a job (idempotent, holds credits)",
        (Route("POST", "/v1/jobs"),),
        _AUTH | {Access.READ_JOBS, Access.WRITE_JOBS, Access.START_WORKFLOW},
    ),
    FunctionSpec("list_jobs", "List jobs, newest first", (Route("GET", "/v1/jobs"),), _AUTH | {Access.READ_JOBS}),
    FunctionSpec("get_job", "Get one job", (Route("GET", "/v1/jobs/{job_id}"),), _AUTH | {Access.READ_JOBS}),
    FunctionSpec(
        "cancel_job",
        "Cancel a pending or processing job",
        (Route("POST", "/v1/jobs/{job_id}/cancel"),),
        _AUTH | {Access.READ_JOBS, Access.WRITE_JOBS, Access.STOP_WORKFLOW},
    ),
    FunctionSpec(
        "delete_job",
        "Delete a finished job and its stored media",
        (Route("DELETE", "/v1/jobs/{job_id}"),),
        _AUTH | {Access.READ_JOBS, Access.WRITE_JOBS, Access.DELETE_MEDIA},
    ),
    FunctionSpec("get_account", "Tenant, plan, balance and limits", (Route("GET", "/v1/account"),), _AUTH),
    FunctionSpec(
        "api_docs",
        "OpenAPI document and docs page",
        (Route("GET", "/openapi.json"), Route("GET", "/docs")),
        _AUTH,
        public=True,
        memory_mb=256,
    ),
)


def api_function(name: str) -> FunctionSpec:
    return next(f for f in API_FUNCTIONS if f.name == name)
