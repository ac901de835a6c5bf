"""The list of functions: name, routes and what each may touch. Declared once; the CDK app
builds functions and least-privilege grants from it and the local runtime routes by it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Literal

from vidscope.access import Access


class ImageRole(StrEnum):
    """The image a function runs from, named after the package extra it installs (pyproject.toml):
    one image per role, not per function, because the functions of a role import the same code
    and the same distributions and differ only in their command; one per role also means five
    Lambda images to build and push, not seventeen. tests/unit/test_dependency_roles.py proves
    each role's set holds what its code imports and nothing it must not."""

    API = "api"  # the core only: no X-Ray SDK, media, ML, CLI or CDK code
    WORKFLOW = "workflow"  # merging, failure and the event publisher: the core and the X-Ray SDK
    WEBHOOKS = "webhooks"  # the dispatcher: an HTTP client and Standard Webhooks signing
    INGEST = "ingest"  # yt-dlp and PyAV
    ANALYSIS = "analysis"  # the text analyses' libraries
    WORKER = "worker"  # the transcription container: faster-whisper and PyAV (no CDK)
    VISION = "vision"  # the vision container: PyAV, PySceneDetect, OpenCV (headless) and RapidOCR


@dataclass(frozen=True)
class EventSource:
    """What a function is fed from, by a Lambda event source mapping that reports partial batch
    failures (``ReportBatchItemFailures``)."""

    kind: Literal["table-stream", "webhook-queue"]
    batch_size: int
    # Stream sources only: retries of a failing batch before Lambda gives up on it and sends its
    # position (not its records) to the on-failure destination and moves on. None: retry until
    # the records expire (queues leave this to the queue's redrive policy instead).
    retry_attempts: int | None = None


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
    # /tmp (Lambda's default 512 MB): the functions that hold the media there need room for the
    # largest allowed file (catalog.MAX_MEDIA_BYTES) and what they make of it.
    ephemeral_mb: int = 512
    timeout_seconds: int = 29  # API Gateway's own limit for the API functions
    # Workflow functions: the ASL placeholder their ARN substitutes (${IngestMediaFunctionArn}).
    placeholder: str | None = None
    event_source: EventSource | None = None
    image: ImageRole = ImageRole.API

    @property
    def module(self) -> str:
        return f"functions.{self.name}.handler"

    @property
    def route(self) -> Route:
        return self.routes[0]


# What every function's environment holds besides its resources' names (infra.lambdas), and what
# the cold-import benchmark runs with.
LAMBDA_ENVIRONMENT: dict[str, str] = {
    "POWERTOOLS_SERVICE_NAME": "vidscope",
    "POWERTOOLS_METRICS_NAMESPACE": "Vidscope",
    # pydantic looks for plugins in every installed distribution's entry points when it builds
    # its first model, a cold-start cost; Vidscope uses none.
    "PYDANTIC_DISABLE_PLUGINS": "__all__",
}

_PUBLIC = frozenset({Access.RATE_LIMIT})
_AUTH = _PUBLIC | {Access.AUTHENTICATE}

API_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "create_job",
        "Create a job (idempotent, holds credits)",
        (Route("POST", "/v1/jobs"),),
        # Reads a job's upload (its record, and the stored object's size).
        _AUTH | {Access.READ_JOBS, Access.PUT_JOBS, Access.UPDATE_JOBS, Access.START_WORKFLOW, Access.READ_UPLOADS},
    ),
    FunctionSpec(
        "list_jobs",
        "List jobs, newest first",
        (Route("GET", "/v1/jobs"),),
        _AUTH | {Access.QUERY_JOBS, Access.FETCH_JOBS, Access.READ_CURSOR_SECRET},
    ),
    FunctionSpec(
        "get_job",
        "Get one job",
        (Route("GET", "/v1/jobs/{job_id}"),),
        _AUTH | {Access.READ_JOBS, Access.READ_RESULTS},
    ),
    FunctionSpec(
        "get_transcript",
        "Download a completed job's transcript as json, txt, srt or vtt",
        (Route("GET", "/v1/jobs/{job_id}/transcript"),),
        _AUTH | {Access.READ_JOBS, Access.READ_RESULTS},
    ),
    FunctionSpec(
        "get_job_results",
        "A page of one capability's result (the job cuts list-valued results to their first items)",
        (Route("GET", "/v1/jobs/{job_id}/results/{capability}"),),
        _AUTH | {Access.READ_JOBS, Access.READ_RESULTS},
    ),
    FunctionSpec(
        "cancel_job",
        "Cancel a pending or processing job",
        (Route("POST", "/v1/jobs/{job_id}/cancel"),),
        _AUTH | {Access.READ_JOBS, Access.PUT_JOBS, Access.UPDATE_JOBS, Access.STOP_WORKFLOW},
    ),
    FunctionSpec(
        "delete_job",
        "Delete a finished job and its stored media",
        (Route("DELETE", "/v1/jobs/{job_id}"),),
        # The file a job was made from goes with it (its key is known: no listing of uploads/).
        _AUTH
        | {
            Access.READ_JOBS,
            Access.QUERY_JOBS,
            Access.DELETE_JOBS,
            Access.DELETE_MEDIA,
            Access.DELETE_RESULTS,
            Access.DELETE_UPLOADS,
            Access.REMOVE_FINGERPRINTS,  # its job's print leaves the tenant's index with it
        },
    ),
    FunctionSpec(
        "list_webhook_deliveries",
        "The delivery attempts of a job's webhook",
        (Route("GET", "/v1/jobs/{job_id}/webhook_deliveries"),),
        _AUTH | {Access.READ_JOBS, Access.QUERY_JOBS},
    ),
    FunctionSpec(
        "redeliver_webhook",
        "Send a finished job's webhook again (same webhook-id)",
        (Route("POST", "/v1/jobs/{job_id}/webhook/redeliver"),),
        _AUTH | {Access.READ_JOBS, Access.UPDATE_JOBS, Access.DELETE_JOBS, Access.QUEUE_WEBHOOKS},
    ),
    FunctionSpec("get_account", "Tenant, plan, balance and limits", (Route("GET", "/v1/account"),), _AUTH),
    FunctionSpec(
        "create_upload",
        "Start an upload: a presigned URL the file goes to straight",
        (Route("POST", "/v1/uploads"),),
        # Reads the tenant's open uploads and puts them back with the upload's record, in its
        # partition; signs the PUT, which S3 authorizes as this role's write when the client
        # sends the file.
        _AUTH | {Access.READ_JOBS, Access.PUT_JOBS, Access.WRITE_UPLOADS},
    ),
    FunctionSpec(
        "api_docs",
        "OpenAPI document, docs page and the web console",
        (
            Route("GET", "/openapi.json"),
            Route("GET", "/docs"),
            # The console's page and its two assets (vidscope.api.console), fixed paths: no route
            # reads a file by a name the caller picks.
            Route("GET", "/console"),
            Route("GET", "/console/app.js"),
            Route("GET", "/console/app.css"),
        ),
        _PUBLIC,  # anonymous: counted against the caller's address
        public=True,
        memory_mb=256,
    ),
)


_STAGE = frozenset({Access.READ_JOBS, Access.UPDATE_JOBS})
# Merging deletes what it wrote under tenants/ when its job was cancelled or deleted meanwhile,
# reads (and copies) the results of the job whose results it reuses (READ_RESULTS), and reads by
# key the jobs a result's list names (FETCH_JOBS: Capability.names_jobs), in the partitions it
# already reads job items of.
_MERGE_ACCESS = _STAGE | {
    Access.PUT_JOBS,
    Access.FETCH_JOBS,
    Access.READ_STAGED,
    Access.READ_RESULTS,
    Access.WRITE_RESULTS,
    Access.DELETE_RESULTS,
}


@cache
def _workflow_functions() -> tuple[FunctionSpec, ...]:
    """The workflow's functions. Built on first use: the analysis function's grants come from the
    capability registry, which the API functions (that import this module for their own spec)
    never need to load (DESIGN §9: their cold import is budgeted)."""
    from vidscope.capabilities import REGISTRY, STEP_ACCESS
    from vidscope.capabilities.base import RunsIn

    def access_of(runs_in: RunsIn) -> frozenset[Access]:
        """The step's own (it fetches the media for any capability that reads it) and the extra of
        each capability computed on that function: the other function refuses it unread."""
        declared = {access for c in REGISTRY.values() if c.runs_in is runs_in for access in c.access}
        return STEP_ACCESS | declared

    analysis_access = access_of(RunsIn.ANALYSIS)
    return (
        FunctionSpec(
            "ingest_media",
            "Ingestion stage: probe and price the media, download it with yt-dlp into S3, check its limits",
            (),
            # Raising the hold to the media's real price is an update of the job, the balance and a
            # new ledger entry (credits.raise_hold): no PutItem for the parser of hostile media.
            # An uploaded file is read from uploads/ instead of downloaded.
            # The reuse reads: the content records of the tenant's completed jobs (a Query of its partition).
            _STAGE | {Access.WRITE_MEDIA, Access.READ_UPLOADS, Access.FIND_REUSABLE},
            memory_mb=2048,
            ephemeral_mb=4096,  # the download (at most 2 GiB) and yt-dlp's fragments
            timeout_seconds=900,
            placeholder="IngestMediaFunctionArn",
            image=ImageRole.INGEST,
        ),
        FunctionSpec(
            "analyze",
            "Analysis: one requested capability, computed through the capability registry",
            (),
            # Reads the stage outputs it needs, stages its result; plus what each capability declares.
            frozenset({Access.READ_STAGED, Access.WRITE_STAGED}) | analysis_access,
            memory_mb=1024,
            ephemeral_mb=6144,  # the media (at most 2 GiB) and its re-packaged copy or clips
            timeout_seconds=300,
            placeholder="AnalyzeFunctionArn",
            image=ImageRole.ANALYSIS,
        ),
        FunctionSpec(
            "render",
            "Analysis that encodes video (RunsIn.RENDER: style): the analysis function's code with the CPUs and "
            "the time for a 10-minute 720p render",
            (),
            # The same registry and stage code with the grants of the capabilities it renders, and
            # the job's progress: a render runs for minutes and reports its steps (Capability.steps).
            frozenset({Access.UPDATE_JOBS, Access.READ_STAGED, Access.WRITE_STAGED}) | access_of(RunsIn.RENDER),
            # 10 GB buys Lambda's 6 vCPUs: decoding, the LUT's tables and x264's threads run side by side.
            memory_mb=10240,
            ephemeral_mb=10240,  # the media and a template (at most 2 GiB each) and the rendered copy
            timeout_seconds=900,
            placeholder="RenderFunctionArn",
            image=ImageRole.ANALYSIS,
        ),
        FunctionSpec(
            "merge_results",
            "Merging stage: assemble results, charge credits, complete the job",
            (),
            _MERGE_ACCESS,
            timeout_seconds=120,
            placeholder="MergeResultsFunctionArn",
            image=ImageRole.WORKFLOW,
        ),
        FunctionSpec(
            "fail_job",
            "Failure path: mark the job failed with its code and refund the hold",
            (),
            _STAGE | {Access.PUT_JOBS},
            timeout_seconds=60,
            placeholder="FailJobFunctionArn",
            image=ImageRole.WORKFLOW,
        ),
    )


EVENT_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "publish_job_events",
        "Put an event on the bus for every committed change of a job (from the table's stream)",
        (),
        frozenset({Access.READ_JOB_CHANGES, Access.PUT_EVENTS}),
        memory_mb=256,
        timeout_seconds=60,
        event_source=EventSource("table-stream", batch_size=100, retry_attempts=20),
        image=ImageRole.WORKFLOW,
    ),
    FunctionSpec(
        "dispatch_webhooks",
        "POST signed webhooks of finished jobs; schedule retries; park exhausted ones in the DLQ",
        (),
        frozenset(
            {
                Access.READ_JOBS,
                Access.CHECK_JOBS,  # an attempt is logged only while its job exists
                Access.PUT_JOBS,
                Access.UPDATE_JOBS,
                Access.READ_RESULTS,
                Access.CONSUME_WEBHOOKS,
                Access.QUEUE_WEBHOOKS,
                Access.PARK_WEBHOOKS,
                Access.READ_WEBHOOK_SECRETS,
            }
        ),
        # A batch's attempts run side by side, each under the 10-s webhook deadline, so a batch
        # takes about one deadline plus its table and queue calls; 60 s leaves room for slow name
        # lookups and AWS retries. The queue's visibility (6x this) is how long the other messages
        # of a batch that crashed wait, so it is kept no longer than that needs.
        timeout_seconds=60,
        event_source=EventSource("webhook-queue", batch_size=10),
        image=ImageRole.WEBHOOKS,
    ),
)


@dataclass(frozen=True)
class ContainerSpec:
    """A container task of the workflow (a media stage's worker)."""

    name: str
    description: str
    module: str  # the entrypoint: python -m <module>
    access: frozenset[Access]
    image: ImageRole
    cluster_placeholder: str
    task_definition_placeholder: str
    container_name_placeholder: str
    # Fargate tasks (awsvpc) are placed in one of these subnets (one per zone), with a security
    # group, as the ASL names them.
    subnet_placeholders: tuple[str, ...] = ()
    security_group_placeholder: str | None = None


TRANSCRIBER = ContainerSpec(
    name="transcriber",
    description="Transcription stage: faster-whisper on a GPU",
    module="functions.transcriber.main",
    access=_STAGE | {Access.READ_MEDIA, Access.WRITE_STAGED, Access.TASK_CALLBACK},
    image=ImageRole.WORKER,
    cluster_placeholder="TranscriberClusterArn",
    task_definition_placeholder="TranscriberTaskDefinitionArn",
    container_name_placeholder="TranscriberContainerName",
)

VISION = ContainerSpec(
    name="vision",
    description="Vision stage: shots, keyframes and on-screen text, on Fargate (CPU)",
    module="functions.vision.main",
    access=_STAGE | {Access.READ_MEDIA, Access.WRITE_STAGED, Access.TASK_CALLBACK},
    image=ImageRole.VISION,
    cluster_placeholder="VisionClusterArn",
    task_definition_placeholder="VisionTaskDefinitionArn",
    container_name_placeholder="VisionContainerName",
    subnet_placeholders=("VisionSubnetA", "VisionSubnetB"),  # the VPC's two zones (infra.transcriber)
    security_group_placeholder="VisionSecurityGroup",
)

CONTAINERS: tuple[ContainerSpec, ...] = (TRANSCRIBER, VISION)

if TYPE_CHECKING:
    WORKFLOW_FUNCTIONS: tuple[FunctionSpec, ...]
    ALL_FUNCTIONS: tuple[FunctionSpec, ...]


def __getattr__(name: str) -> tuple[FunctionSpec, ...]:
    # WORKFLOW_FUNCTIONS and ALL_FUNCTIONS, read by CDK, the local runtime and the tests.
    if name == "WORKFLOW_FUNCTIONS":
        return _workflow_functions()
    if name == "ALL_FUNCTIONS":
        return API_FUNCTIONS + _workflow_functions() + EVENT_FUNCTIONS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def api_function(name: str) -> FunctionSpec:
    return next(f for f in API_FUNCTIONS if f.name == name)


def function(name: str) -> FunctionSpec:
    return next(f for f in (*API_FUNCTIONS, *_workflow_functions(), *EVENT_FUNCTIONS) if f.name == name)
