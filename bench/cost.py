"""What a media minute costs: resource use measured on the local stack x us-east-1 list prices.

Runs a job mix through the whole local pipeline (real handlers, the real state machine, the
container workers as processes): speech, transcription only; speech, transcription + summary +
brands; a 720p video with that speech, every capability. For each job it collects what ran
(``bench.accounting``): Lambda GB-seconds per function and capability, state transitions,
DynamoDB read/write units, S3 requests and bytes stored, EventBridge and SQS requests, container
seconds, and prices them (``bench.prices``). Per workload it prints the resources and two lines:

- steady: the jobs' own compute (containers busy, Lambda environments warm), the GPU seconds priced
  as the prod stage buys them: its GPU pool at its maximum, the on-demand floor
  (``min_gpu_instances``) on demand and the instances above it Spot (``gpu_spot``), beside the
  all-on-demand figure;
- low volume: the same plus each function's cold start, and the GPU instances kept on
  (``min_gpu_instances`` of the prod stage) spread over a month's media minutes.

Then credits charged against cost per capability, and which figures are measured here, which are
published and which are assumed.

The transcription container here runs tiny.en on 2 CPU cores; the cloud runs large-v3 on a GPU. Its
GPU seconds are therefore: the task's seconds measured here beyond inference (process start,
imports, download, progress writes, upload) + the large-v3 load (assumed) + the media's seconds x
the published real-time factor of large-v3 on a GPU (``bench.prices.CLOUD_MODEL``), until
``make bench-gpu`` measures it on a device.

Run: ``python -m bench.cost [--minutes 10]`` (default 2; the media are built once into bench/.cache/).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import accounting, prices
from bench.local_environment import use_local_stack_environment
from tests.support.required_options import required_options

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GOAL_PER_MINUTE = 0.0005
GIB = 1024**3
MONTH_DAYS = 30.4
MONTH_HOURS = 730

use_local_stack_environment()


@dataclass(frozen=True)
class Workload:
    name: str
    media: str  # speech (audio only) | video (720p pictures with the same speech)
    capabilities: tuple[str, ...]


def workloads() -> tuple[Workload, ...]:
    from vidscope.capabilities import REGISTRY

    return (
        Workload("transcription", "speech", ("transcription",)),
        Workload("transcription + summary + brands", "speech", ("transcription", "summary", "brands")),
        Workload("every capability", "video", tuple(REGISTRY)),
    )


@dataclass(frozen=True)
class Shape:
    """The deployed stack's sizes the prices need (read once: the CDK modules start a Node process)."""

    media_expiry_days: int
    min_gpu_instances: int
    vision_vcpus: float
    vision_gb: float
    max_gpu_instances: int = 1
    gpu_spot: bool = False  # Spot above the on-demand floor (infra.transcriber's mixed instances policy)

    @property
    def spot_share(self) -> float:
        """The share of GPU instance time bought as Spot at steady load: the pool busy at its
        maximum, ``min_gpu_instances`` of it on demand and the rest Spot."""
        if not self.gpu_spot or self.max_gpu_instances <= 0:
            return 0.0
        return max(0, self.max_gpu_instances - self.min_gpu_instances) / self.max_gpu_instances


def stack_shape() -> Shape:
    from infra.config import STAGES
    from infra.vision import CPU_UNITS, MEMORY_MIB

    prod = STAGES["prod"]
    return Shape(
        prod.media_expiry_days,
        prod.min_gpu_instances,
        CPU_UNITS / 1024,
        MEMORY_MIB / 1024,
        prod.max_gpu_instances,
        prod.gpu_spot,
    )


@dataclass(frozen=True)
class Assumptions:
    """What is neither measured here nor published: parameters, printed with the figures."""

    gpu: str = "g6.xlarge"
    gpu_load_seconds: float = 8.0  # large-v3 float16 (3 GB) read and put on the GPU, per task
    fargate_pull_seconds: float = 15.0  # Fargate bills from the image pull's start
    results_retention_days: float = 30.0  # results live as long as their job (no lifecycle rule)
    monthly_minutes: float = 100_000.0  # media minutes a month, for the low-volume line
    credit_price: float = 0.005  # USD a credit
    shape: Shape = field(default_factory=stack_shape)


# --- Media ---------------------------------------------------------------------------------------


def speech_media(minutes: float) -> Path:
    """Speech, audio only (an m4a): what a podcast or a call is."""
    from bench.e2e_pipeline import speech_script
    from tests.support.media import remux, speech_mp4

    spoken = CACHE / f"speech-{minutes:g}min.mp4"
    if not spoken.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        speech_mp4(speech_script(minutes), spoken)
    audio = CACHE / f"speech-{minutes:g}min.m4a"
    if not audio.exists():
        remux(audio, audio=spoken)
    return audio


def video_media(minutes: float) -> Path:
    """bench.vision's 720p video (cuts, dissolves, flashes, captions) under the same speech."""
    from bench.vision import build
    from tests.support.media import remux

    path = CACHE / f"cost-video-{minutes:g}min.mp4"
    if not path.exists():
        build(minutes)
        speech_media(minutes)
        remux(path, video=CACHE / f"vision-{minutes:g}min-720p.mp4", audio=CACHE / f"speech-{minutes:g}min.mp4")
    return path


# --- One job's resource use ----------------------------------------------------------------------


@dataclass
class StageUse:
    gb_seconds: float = 0.0
    requests: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    s3_put: int = 0
    s3_get: int = 0
    events: int = 0
    sqs: int = 0


@dataclass
class JobUse:
    workload: Workload
    media_seconds: float
    credits: dict[str, int]
    stages: dict[str, StageUse] = field(default_factory=lambda: defaultdict(StageUse))
    functions: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # GB-s by actor
    transitions: Counter[str] = field(default_factory=Counter)
    stored: Counter[str] = field(default_factory=Counter)  # bytes by prefix
    tasks: dict[str, float] = field(default_factory=dict)  # container → seconds here
    cold_functions: frozenset[str] = frozenset()

    @property
    def minutes(self) -> float:
        return self.media_seconds / 60


_STAGE_OF = {
    "ingest_media": "ingestion",
    "transcriber": "transcription",
    "vision": "vision",
    "merge_results": "merging",
    "publish_job_events": "events",
    "fail_job": "failure",
    "dispatch_webhooks": "webhooks",
}


def stage_of(actor: str) -> str:
    """The stage an actor's use belongs to: an analysis by its capability, the API functions as api."""
    function, _, capability = actor.partition("/")
    if function == "analyze":
        return f"analysis:{capability}" if capability else "analysis"
    return _STAGE_OF.get(function, "api")


class Bench:
    """The local stack, a tenant and the collectors, for running jobs one at a time."""

    def __init__(self, local: Any, media_server: Any, usage_path: Path, timer: accounting.LambdaTimer) -> None:
        from werkzeug.test import Client

        from infra.local.api_gateway import LocalApiGateway
        from vidscope import dependencies

        self.local, self.media_server, self.usage_path, self.timer = local, media_server, usage_path, timer
        self.units = accounting.DynamoUnits()
        self.units.install()
        dependencies.reset()
        tenants = dependencies.tenants_repository()
        now = datetime.now(UTC)
        tenant = tenants.create_tenant(
            name="bench-cost", plan="pro", rate_limit_per_minute=1000, initial_credits=10**6, now=now
        )
        self.headers = {"X-Api-Key": tenants.issue_api_key(tenant.tenant_id, now).api_key}
        self.api = Client(LocalApiGateway())

    def run(self, workload: Workload, media: Path) -> JobUse:
        s3, bucket = self.local.client("s3"), self.local.resources.bucket_name
        stored_before = accounting.stored_bytes(s3, bucket)
        invoked_before = len(self.timer.invocations)
        started = time.time()
        # reuse off: each workload is measured computing, not copying an earlier one's results
        body: dict[str, Any] = {
            "url": self.media_server.url(media.name),
            "capabilities": list(workload.capabilities),
            "options": required_options(workload.capabilities),
            "reuse": False,
        }
        created = self.api.post("/v1/jobs", json=body, headers=self.headers).get_json()
        assert "data" in created, created
        job_id = created["data"]["job_id"]
        while self.local.execution_status(job_id) == "RUNNING":
            time.sleep(0.25)  # Step Functions' own status: the bench's polling costs the job nothing
        job = self.api.get(f"/v1/jobs/{job_id}", headers=self.headers).get_json()["data"]
        assert job["status"] == "completed", job.get("error")
        ended = self._drained(invoked_before)
        use = JobUse(workload, float(job["media"]["duration_seconds"]), dict(job["cost_breakdown"]))
        self._collect(use, invoked_before, started, ended)
        use.stored = accounting.stored_bytes(s3, bucket)
        use.stored.subtract(stored_before)
        use.transitions = accounting.transitions_by_state(
            self.local.client("stepfunctions"), _execution_arn(self.local, job_id)
        )
        use.tasks = {
            task.process.args[3]: (task.ended or time.monotonic()) - task.started
            for task in self.local.agent.launched_for_job(job_id)
        }
        return use

    def _drained(self, invoked_before: int, quiet: float = 1.5, limit: float = 20.0) -> float:
        """When the job's last work ended: its events published from the table's stream, no
        invocation and no billed call for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            time.sleep(0.5)
            latest = max([i.ended for i in self.timer.since(invoked_before)] or [0.0])
            calls = accounting.read_calls(self.usage_path, time.time() - quiet, time.time())
            if time.time() - latest >= quiet and not calls.last:
                break
        return time.time()

    def _collect(self, use: JobUse, invoked_before: int, start: float, end: float) -> None:
        for invocation in self.timer.since(invoked_before):
            stage = use.stages[stage_of(invocation.actor)]
            stage.gb_seconds += invocation.gb_seconds
            stage.requests += 1
            use.functions[invocation.actor] += invocation.gb_seconds
        use.cold_functions = frozenset(i.function for i in self.timer.since(invoked_before))
        for units in self.units.between(start, end):
            stage = use.stages[stage_of(units.actor)]
            stage.read_units += units.read
            stage.write_units += units.write
        calls = accounting.read_calls(self.usage_path, start, end)
        for counter, name in ((calls.s3_put, "s3_put"), (calls.s3_get, "s3_get"), (calls.events, "events")):
            for actor, count in counter.items():
                setattr(use.stages[stage_of(actor)], name, getattr(use.stages[stage_of(actor)], name) + count)
        for actor, count in calls.sqs.items():
            use.stages[stage_of(actor)].sqs += count


def _execution_arn(local: Any, job_id: str) -> str:
    from vidscope.adapters.workflow import execution_arn

    return execution_arn(local.resources.state_machine_arn, job_id)


# --- Inference time here, to tell the worker's overhead from its model's work --------------------


def bare_inference_seconds(media: Path) -> float:
    """faster-whisper on ``media`` in this process with the worker's own configuration and code,
    the model loaded beforehand: the part of the task's seconds that a GPU model replaces."""
    from vidscope import dependencies
    from vidscope.pipeline import transcription

    config = dependencies.whisper_config()
    transcription._model(config)
    started = time.perf_counter()
    transcription.transcribe(media, config)
    return time.perf_counter() - started


# --- Prices ----------------------------------------------------------------------------------------


@dataclass
class Priced:
    by_stage: dict[str, float]
    gpu_seconds: float
    fargate_seconds: float
    total: float


def gpu_seconds(use: JobUse, overhead_here: float, assume: Assumptions) -> float:
    """The transcription task's seconds on the cloud GPU (0 when the job did not transcribe)."""
    if "transcriber" not in use.tasks:
        return 0.0
    return overhead_here + assume.gpu_load_seconds + use.media_seconds * prices.CLOUD_MODEL.real_time_factor


def price(use: JobUse, overhead_here: float, assume: Assumptions, *, spot_share: float = 0.0) -> Priced:
    """The job's cost, its GPU seconds ``spot_share`` at the Spot price and the rest on demand."""
    by_stage: dict[str, float] = defaultdict(float)
    for name, stage in use.stages.items():
        by_stage[name] += (
            prices.LAMBDA_ARM_GB_SECOND.per(stage.gb_seconds)
            + prices.LAMBDA_REQUEST.per(stage.requests)
            + prices.DDB_READ_UNIT.per(stage.read_units)
            + prices.DDB_WRITE_UNIT.per(stage.write_units)
            + prices.S3_PUT_CLASS.per(stage.s3_put)
            + prices.S3_GET_CLASS.per(stage.s3_get)
            + prices.EVENTBRIDGE_EVENT.per(stage.events)
            + prices.SQS_REQUEST.per(stage.sqs)
        )
    by_stage["workflow"] += prices.SFN_TRANSITION.per(sum(use.transitions.values()))
    media_days = assume.shape.media_expiry_days
    gb_months = (
        use.stored["media/"] / GIB * media_days + use.stored["tenants/"] / GIB * assume.results_retention_days
    ) / MONTH_DAYS
    by_stage["storage"] += prices.S3_GB_MONTH.per(gb_months)
    instance = prices.GPU_INSTANCES[assume.gpu]
    gpu = gpu_seconds(use, overhead_here, assume)
    by_stage["transcription"] += instance.spot.per(gpu * spot_share) + instance.on_demand.per(gpu * (1 - spot_share))
    fargate = 0.0
    if "vision" in use.tasks:
        fargate = max(prices.FARGATE_MINIMUM_SECONDS, assume.fargate_pull_seconds + use.tasks["vision"])
        by_stage["vision"] += prices.FARGATE_VCPU_SECOND.per(
            fargate * assume.shape.vision_vcpus
        ) + prices.FARGATE_GB_SECOND.per(fargate * assume.shape.vision_gb)
    return Priced(dict(by_stage), gpu, fargate, sum(by_stage.values()))


def low_volume_extra(use: JobUse, inits: dict[str, float], assume: Assumptions) -> float:
    """Per media minute on top of steady: every function of the job starting cold, and the GPU
    instances kept on all month spread over the month's media minutes."""
    cold = sum(prices.LAMBDA_ARM_GB_SECOND.per(inits.get(name, 0.0)) for name in use.cold_functions)
    floor = assume.shape.min_gpu_instances * MONTH_HOURS * 3600 * prices.GPU_INSTANCES[assume.gpu].on_demand.usd
    return cold / use.minutes + floor / assume.monthly_minutes


def median_inits(timer: accounting.LambdaTimer) -> dict[str, float]:
    """GB-seconds of one cold start, per function (median of those seen in the run)."""
    seen: dict[str, list[float]] = defaultdict(list)
    for init in timer.inits:
        seen[init.function].append(init.gb_seconds)
    return {name: statistics.median(values) for name, values in seen.items()}


# --- Capabilities: cost against credits -------------------------------------------------------------


def by_capability(use: JobUse, priced: Priced) -> dict[str, float]:
    """Each capability's share of the job's cost: its own analysis; the media stages it reads,
    split evenly among the capabilities that read them; the rest by its share of the credits."""
    from vidscope.capabilities import REGISTRY, requirements
    from vidscope.capabilities.base import PRODUCED_BY

    options = required_options(use.workload.capabilities)
    readers: dict[str, list[str]] = defaultdict(list)
    for name in use.workload.capabilities:
        for stage in {PRODUCED_BY[need] for need in requirements(REGISTRY[name], options)}:
            readers[stage].append(name)
    shares: dict[str, float] = defaultdict(float)
    credits = sum(use.credits.values()) or 1
    for stage, cost in priced.by_stage.items():
        if stage.startswith("analysis:"):
            shares[stage.split(":", 1)[1]] += cost
        elif stage in ("transcription", "vision") and readers.get(stage):
            for name in readers[stage]:
                shares[name] += cost / len(readers[stage])
        else:
            for name in use.workload.capabilities:
                shares[name] += cost * use.credits.get(name, 0) / credits
    return dict(shares)


# --- Output ----------------------------------------------------------------------------------------


def _money(usd: float) -> str:
    return f"${usd:.5f}" if usd < 0.1 else f"${usd:.2f}"


def print_resources(use: JobUse, priced: Priced, inference_here: float, overhead: float) -> None:
    total = StageUse()
    for stage in use.stages.values():
        for name in ("gb_seconds", "requests", "read_units", "write_units", "s3_put", "s3_get", "events", "sqs"):
            setattr(total, name, getattr(total, name) + getattr(stage, name))
    functions = ", ".join(f"{name} {gbs:.2f}" for name, gbs in sorted(use.functions.items()))
    print(f"  Lambda          {total.gb_seconds:.2f} GB-s in {total.requests} invocations ({functions})")
    transitions = ", ".join(f"{name} {count}" for name, count in use.transitions.items())
    print(f"  Step Functions  {sum(use.transitions.values())} state transitions ({transitions})")
    print(f"  DynamoDB        {total.write_units:g} write units, {total.read_units:g} read units")
    stored = ", ".join(f"{prefix} {size / 2**20:.1f} MiB" for prefix, size in sorted(use.stored.items()) if size)
    print(
        f"  S3              {total.s3_put} PUT-class, {total.s3_get} GET-class requests; stored {stored or 'nothing'}"
    )
    print(f"  EventBridge     {total.events} events;  SQS {total.sqs} requests")
    if "transcriber" in use.tasks:
        print(
            f"  GPU task        {use.tasks['transcriber']:.1f} s here (tiny.en on CPU, {inference_here:.1f} s of "
            f"inference alone) -> {priced.gpu_seconds:.1f} s on the cloud GPU ({overhead:.1f} s per task measured here "
            f"+ model load + inference at the published rate)"
        )
    if "vision" in use.tasks:
        print(f"  Fargate task    {use.tasks['vision']:.1f} s here (2 cores) -> {priced.fargate_seconds:.0f} s billed")
    costs = ", ".join(f"{stage} {_money(usd)}" for stage, usd in sorted(priced.by_stage.items(), key=lambda kv: -kv[1]))
    print(f"  cost per job    {_money(priced.total)}: {costs}")


def print_margins(uses: list[tuple[JobUse, Priced]], assume: Assumptions) -> None:
    """Credits charged against cost, per capability, each from the first workload that asks for it."""
    from vidscope.capabilities import REGISTRY

    print(
        f"\nCredits charged vs cost per capability (a credit at ${assume.credit_price:g}; per media minute, "
        "the credits of started minutes; steady, the deployed GPU mix)"
    )
    print(f"  {'capability':<16}{'workload':<34}{'credits/min':>12}{'charged/min':>13}{'cost/min':>11}{'margin':>8}")
    seen: set[str] = set()
    for use, priced in uses:
        for name, cost in sorted(by_capability(use, priced).items()):
            if name in seen:
                continue
            seen.add(name)
            charged = use.credits.get(name, 0) * assume.credit_price / use.minutes
            per_minute = cost / use.minutes
            margin = (charged - per_minute) / charged
            print(
                f"  {name:<16}{use.workload.name:<34}{REGISTRY[name].credits_per_minute:>12}"
                f"{_money(charged):>13}{_money(per_minute):>11}{margin:>8.0%}"
            )


def print_sources(assume: Assumptions) -> None:
    instance = prices.GPU_INSTANCES[assume.gpu]
    model = prices.CLOUD_MODEL
    print("\nMeasured here (this run, 2 CPU cores, local stack):")
    print("  Lambda handler and init durations (x the configured memory), state transitions, DynamoDB units")
    print("  (item sizes by AWS's rules; moto's ReturnConsumedCapacity is a constant), S3/EventBridge/SQS")
    print("  requests, bytes stored, the container tasks' seconds, and tiny.en's inference time on CPU.")
    print("Published, not measured here:")
    print(f"  {model.model} {model.setting} on {model.hardware}: real-time factor {model.real_time_factor:.4f}")
    print(f"    ({model.source}); used for large-v3 on the {instance.gpu} of a {instance.name}")
    for other in prices.PUBLISHED_THROUGHPUT[1:]:
        print(
            f"    also: {other.model} {other.setting}, {other.hardware}: {other.real_time_factor:.4f} ({other.source})"
        )
    print(f"  every price in bench/prices.py, {prices.AS_OF}; each with its page")
    print("Assumed (parameters):")
    print(
        f"  large-v3 load {assume.gpu_load_seconds:g} s per task, "
        f"Fargate image pull {assume.fargate_pull_seconds:g} s, "
        f"results kept {assume.results_retention_days:g} days, {assume.monthly_minutes:,.0f} media minutes a month, "
        f"Spot at the indicative {instance.name} level"
    )
    print(
        f"  steady load: the prod GPU pool busy at its maximum ({_gpu_mix(assume.shape)}); capacity-optimized "
        f"Spot may launch another listed type (infra.config gpu_instance_types), priced here as a {instance.name}"
    )


def _gpu_mix(shape: Shape) -> str:
    if not shape.gpu_spot:
        return "all on demand"
    return (
        f"{shape.min_gpu_instances} of {shape.max_gpu_instances} instances on demand, the rest Spot: "
        f"{shape.spot_share:.0%} of GPU time Spot"
    )


def explain(use: JobUse, priced: Priced, steady: float, spot: float, assume: Assumptions) -> None:
    """Which resource holds the steady figure above the goal, and what would lower it."""
    if steady <= GOAL_PER_MINUTE:
        print(
            f"\n{use.workload.name}: {_money(steady)} per media minute is within the goal ({_money(GOAL_PER_MINUTE)})."
        )
        return
    top, cost = max(priced.by_stage.items(), key=lambda kv: kv[1])
    print(f"\nAbove the goal ({_money(GOAL_PER_MINUTE)}): {use.workload.name} costs {_money(steady)} per media minute;")
    print(f"  {top} holds it there: {_money(cost / use.minutes)} of it per minute.")
    if top == "transcription":
        inference = use.media_seconds * prices.CLOUD_MODEL.real_time_factor
        fixed = priced.gpu_seconds - inference
        print(
            f"  Of {priced.gpu_seconds:.1f} GPU-seconds a job, {inference:.1f} s are inference (published RTF) and "
            f"{fixed:.1f} s are per task ({assume.gpu_load_seconds:g} s of it the assumed model load, the rest process "
            "start, imports, download and upload measured here): a task per job pays them every time."
        )
        spot_now = (
            f"Spot is already deployed above the on-demand floor ({_gpu_mix(assume.shape)}; all Spot: "
            f"{_money(spot)} per minute). "
            if assume.shape.gpu_spot
            else f"Lower it with Spot capacity for the GPU pool ({_money(spot)} per minute at the indicative price; "
            "an interrupted task is retried by the existing Retry), "
        )
        print(
            f"  {spot_now}Lower it further with a worker that keeps the model loaded across jobs, "
            "longer media per task, or large-v3-turbo (published RTF about 2.7x lower than large-v3)."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--minutes", type=float, default=2.0, help="length of each media (default 2; 10 for the full run)"
    )
    parser.add_argument("--gpu", choices=sorted(prices.GPU_INSTANCES), default=Assumptions.gpu)
    parser.add_argument("--gpu-load-seconds", type=float, default=Assumptions.gpu_load_seconds)
    parser.add_argument("--monthly-minutes", type=float, default=Assumptions.monthly_minutes)
    parser.add_argument("--credit-price", type=float, default=Assumptions.credit_price)
    parser.add_argument("--results-retention-days", type=float, default=Assumptions.results_retention_days)
    args = parser.parse_args()
    assume = Assumptions(
        gpu=args.gpu,
        gpu_load_seconds=args.gpu_load_seconds,
        monthly_minutes=args.monthly_minutes,
        credit_price=args.credit_price,
        results_retention_days=args.results_retention_days,
    )
    media = {"speech": speech_media(args.minutes), "video": video_media(args.minutes)}
    inference_here = bare_inference_seconds(media["speech"])
    uses = run_jobs(media)
    report(uses, inference_here, assume)


def run_jobs(media: dict[str, Path]) -> tuple[list[JobUse], dict[str, float]]:
    from infra.local import stack
    from infra.local.lambda_runtime import RUNTIME
    from tests.support.media_server import serving

    timer = accounting.LambdaTimer()
    timer.install(RUNTIME)
    uses = []
    with (
        tempfile.TemporaryDirectory(prefix="vidscope-cost-") as tmp,
        accounting.usage_log(Path(tmp) / "usage.jsonl") as log,
        serving(CACHE) as media_server,
        stack.running() as local,
    ):
        bench = Bench(local, media_server, log, timer)
        for workload in workloads():
            print(f"running {workload.name} on {media[workload.media].name} ...", flush=True)
            uses.append(bench.run(workload, media[workload.media]))
    return uses, median_inits(timer)


def task_overhead(uses: list[JobUse], inference_here: float) -> float:
    """The transcription task's seconds here beyond inference, from the jobs whose task had the
    cores to itself (no vision task beside it: in the cloud they run on different machines)."""
    alone = [use.tasks["transcriber"] - inference_here for use in uses if set(use.tasks) == {"transcriber"}]
    return max(0.0, statistics.median(alone)) if alone else 0.0


def report(run: tuple[list[JobUse], dict[str, float]], inference_here: float, assume: Assumptions) -> None:
    uses, inits = run
    overhead = task_overhead(uses, inference_here)
    print(
        f"\nCost per media minute: resource use measured on the local stack x us-east-1 list prices ({assume.gpu} GPU)"
    )
    priced_uses = []
    shape = assume.shape
    for use in uses:
        # As deployed: at steady load the pool runs at its maximum, the floor on demand, the rest Spot.
        priced = price(use, overhead, assume, spot_share=shape.spot_share)
        steady = priced.total / use.minutes
        on_demand = price(use, overhead, assume).total / use.minutes
        spot = price(use, overhead, assume, spot_share=1.0).total / use.minutes
        # At low volume the jobs land on the floor instance, which is on demand.
        low = on_demand + low_volume_extra(use, inits, assume)
        print(
            f"\n{use.workload.name} ({use.workload.media}, {use.minutes:g} min, {sum(use.credits.values())} credits):"
        )
        print_resources(use, priced, inference_here, overhead)
        print(f"{use.workload.name}: {_money(steady)} per media minute (steady)")
        print(
            f"  (steady, GPU as the stack deploys it: {_gpu_mix(shape)}; all on demand: {_money(on_demand)}, "
            f"all Spot: {_money(spot)} per media minute)"
        )
        print(
            f"{use.workload.name}: {_money(low)} per media minute (low volume: cold starts, "
            f"{assume.shape.min_gpu_instances} x {assume.gpu} always on over "
            f"{assume.monthly_minutes:,.0f} media minutes a month)"
        )
        priced_uses.append((use, priced))
        if use.workload.name == "transcription + summary + brands":
            explain(use, priced, steady, spot, assume)
    print_margins(priced_uses, assume)
    print_sources(assume)


if __name__ == "__main__":
    main()
