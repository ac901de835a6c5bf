"""Per-stage names and sizes, chosen with ``cdk deploy -c stage=prod`` (default ``dev``). The
one place a deployment's shape is set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from aws_cdk import aws_logs as logs

from infra.concurrency import DEV_FUNCTION_CONCURRENCY, PROD_FUNCTION_CONCURRENCY


@dataclass(frozen=True)
class StageConfig:
    name: str
    production: bool
    log_retention: logs.RetentionDays
    # Transcription: GPU instance types, in order of preference (same class: one 24 GB GPU, 4 vCPUs,
    # 16 GiB, so the task fits each), how many may run at once, the model baked in.
    gpu_instance_types: tuple[str, ...]
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
    # Spot for the GPU instances above that floor (the floor itself is always on demand): any of
    # gpu_instance_types, in the pools with the most spare capacity. An interrupted instance's
    # task stops beating and the Transcribe state's Retry runs it once more (States.HeartbeatTimeout).
    # Auto Scaling refuses a warm pool on a group that launches Spot: with Spot, no warm pool.
    gpu_spot: bool = False

    def __post_init__(self) -> None:
        if self.gpu_spot and self.gpu_warm_pool_instances:
            raise ValueError(f"{self.name}: an Auto Scaling group with Spot instances cannot have a warm pool")


_DEV = StageConfig(
    name="dev",
    production=False,
    log_retention=logs.RetentionDays.ONE_MONTH,
    # L4 first (on demand it is the cheaper), then A10G: two Spot pools per zone instead of one.
    gpu_instance_types=("g6.xlarge", "g5.xlarge"),
    max_gpu_instances=1,
    whisper_model="large-v3",
    api_rate_limit=50,
    api_burst_limit=100,
    firewall_requests_per_ip=None,
    media_expiry_days=7,
    function_concurrency=DEV_FUNCTION_CONCURRENCY,
    # Dev: Spot for every instance (its floor is zero); an interruption costs a test job one retry.
    gpu_spot=True,
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
    function_concurrency=PROD_FUNCTION_CONCURRENCY,
    # One instance always on, on demand (g6.xlarge first, about $0.80 an hour, ~$590 a month): a public
    # API's first job after a quiet night should not wait minutes for a GPU to boot and pull a
    # multi-GB image, which that instance keeps cached, and Spot must not take it away. Every
    # instance above it is Spot (about 55 % less: bench/prices.py). That rules out the warm pool
    # of stopped instances that bursts used to start from: a burst instance now boots from the
    # AMI, about 0.5 to 2 minutes more of a start that the image pull dominates anyway
    # (bench/cold_start.md: a pooled instance never had the image either).
    min_gpu_instances=1,
)
STAGES: dict[str, StageConfig] = {config.name: config for config in (_DEV, _PROD)}


def for_stage(
    name: str, *, domain_name: str | None = None, certificate_arn: str | None = None, alarm_email: str | None = None
) -> StageConfig:
    """The stage's configuration, with the optional context values (``-c domain_name=…``)."""
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    return replace(STAGES[name], domain_name=domain_name, certificate_arn=certificate_arn, alarm_email=alarm_email)
