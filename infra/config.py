"""Per-stage names and sizes, chosen with ``cdk deploy -c stage=prod`` (default ``dev``). The
one place a deployment's shape is set."""

from __future__ import annotations

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
    # Optional: a custom domain (with an ACM certificate ARN in the same region) and alarm e-mail.
    domain_name: str | None = None
    certificate_arn: str | None = None
    alarm_email: str | None = None


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
)
STAGES: dict[str, StageConfig] = {config.name: config for config in (_DEV, _PROD)}


def for_stage(
    name: str, *, domain_name: str | None = None, certificate_arn: str | None = None, alarm_email: str | None = None
) -> StageConfig:
    """The stage's configuration, with the optional context values (``-c domain_name=…``)."""
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    return replace(STAGES[name], domain_name=domain_name, certificate_arn=certificate_arn, alarm_email=alarm_email)
