"""Per-stage names and sizes, chosen with ``cdk deploy -c stage=prod`` (default ``dev``). The
one place a deployment's shape is set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from aws_cdk import aws_logs as logs


@dataclass(frozen=True)
class StageConfig:
    name: str
    production: bool
    log_retention: logs.RetentionDays
    # Transcription: GPU instance type (g5/g6 family), how many may run at once, the model baked in.
    gpu_instance_type: str
    max_gpu_instances: int
    whisper_model: str
    # API Gateway's own throttling: a second line behind the per-key limits in the app.
    api_rate_limit: int
    api_burst_limit: int
    # The web application firewall in front of the API (AWS IP reputation and known-bad-input
    # rules, and a per-IP request ceiling over 5 minutes); None: no firewall.
    firewall_requests_per_ip: int | None
    # Downloaded media are deleted this many days after upload (results stay with their job).
    media_expiry_days: int
    # Each Lambda function's reserved concurrency, by its name in vidscope.functions (see below).
    function_concurrency: Mapping[str, int]
    # Optional: a custom domain (with an ACM certificate ARN in the same region) and alarm e-mail.
    domain_name: str | None = None
    certificate_arn: str | None = None
    alarm_email: str | None = None
    # GPU instances kept running when no job needs them (the group's minimum), and instances kept
    # booted-then-stopped in an Auto Scaling warm pool (paying for their volume only). A job that
    # finds neither waits minutes for an instance boot and the image pull before its worker starts
    # (the Transcribe state's heartbeat window is sized for that, see its Comment).
    min_gpu_instances: int = 0
    gpu_warm_pool_instances: int = 0


# Reserved concurrency: the most copies of a function that may run at once. A flood of requests
# (or a loop) is throttled at this ceiling instead of running up an unbounded bill, and no one
# function can take the whole account's pool from the others. Reserving takes from that pool
# (1,000 per region by default, of which Lambda keeps 100 unreserved): prod's 355 and dev's 79
# together leave 566 unreserved in an account that holds both stages.
# Sizes: a warm API call takes about 0.1 s, so API Gateway's stage limit (500 requests/s in
# prod, 50 in dev) keeps about 50 (prod) or 5 (dev) copies busy if it all lands on one route:
# the hot routes (submitting, polling a job) get that much, the others less. Pipeline tasks run
# once per job and stage; Step Functions retries a throttled task for about 15 s before the job
# fails, so ingest_media's ceiling is how many jobs may download at once (transcription, at most
# max_gpu_instances at a time, paces the stages after it). The stream publisher needs one copy
# per stream shard; the webhook dispatcher's queue poller is held to its ceiling
# (infra.events), so the queue never meets a throttle.
_PROD_FUNCTION_CONCURRENCY = {
    "create_job": 50,
    "get_job": 50,
    "list_jobs": 25,
    "get_transcript": 25,
    "cancel_job": 10,
    "delete_job": 10,
    "list_webhook_deliveries": 10,
    "redeliver_webhook": 10,
    "get_account": 10,
    "api_docs": 5,
    "ingest_media": 50,
    "summarize": 20,
    "detect_brands": 20,
    "merge_results": 20,
    "fail_job": 10,
    "publish_job_events": 10,
    "dispatch_webhooks": 20,
}
_DEV_FUNCTION_CONCURRENCY = {
    **{name: 5 for name in _PROD_FUNCTION_CONCURRENCY},
    "api_docs": 2,
    "publish_job_events": 2,
}

_DEV = StageConfig(
    name="dev",
    production=False,
    log_retention=logs.RetentionDays.ONE_MONTH,
    gpu_instance_type="g6.xlarge",
    max_gpu_instances=1,
    whisper_model="large-v3",
    api_rate_limit=50,
    api_burst_limit=100,
    firewall_requests_per_ip=None,
    media_expiry_days=7,
    function_concurrency=_DEV_FUNCTION_CONCURRENCY,
)
# Production differs from dev only in these.
_PROD = replace(
    _DEV,
    name="prod",
    production=True,
    log_retention=logs.RetentionDays.ONE_YEAR,
    max_gpu_instances=8,
    api_rate_limit=500,
    api_burst_limit=1000,
    firewall_requests_per_ip=6000,
    function_concurrency=_PROD_FUNCTION_CONCURRENCY,
    # One instance always on (g6.xlarge, about $0.80 an hour on demand, ~$590 a month): a public
    # API's first job after a quiet night should not wait minutes for a GPU to boot and pull a
    # multi-GB image, which that instance keeps cached. Two more wait stopped in the warm pool:
    # a burst starts them instead of booting fresh instances from the AMI.
    min_gpu_instances=1,
    gpu_warm_pool_instances=2,
)
STAGES: dict[str, StageConfig] = {config.name: config for config in (_DEV, _PROD)}


def for_stage(
    name: str, *, domain_name: str | None = None, certificate_arn: str | None = None, alarm_email: str | None = None
) -> StageConfig:
    """The stage's configuration, with the optional context values (``-c domain_name=…``)."""
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    return replace(STAGES[name], domain_name=domain_name, certificate_arn=certificate_arn, alarm_email=alarm_email)
