"""Per-stage names and sizes, chosen with ``cdk deploy -c stage=prod`` (default ``dev``). The
one place a deployment's shape is set."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageConfig:
    name: str
    production: bool
    log_retention_days: int
    # Transcription: GPU instance type (g5/g6 family), how many may run at once, the model baked in.
    gpu_instance_type: str
    max_gpu_instances: int
    whisper_model: str
    # API Gateway's own throttling: a second line behind the per-key limits in the app.
    api_rate_limit: int
    api_burst_limit: int
    # Optional: a custom domain (with an ACM certificate ARN in the same region) and alarm e-mail.
    domain_name: str | None = None
    certificate_arn: str | None = None
    alarm_email: str | None = None


STAGES: dict[str, StageConfig] = {
    "dev": StageConfig(
        name="dev",
        production=False,
        log_retention_days=30,
        gpu_instance_type="g6.xlarge",
        max_gpu_instances=1,
        whisper_model="large-v3",
        api_rate_limit=50,
        api_burst_limit=100,
    ),
    "prod": StageConfig(
        name="prod",
        production=True,
        log_retention_days=365,
        gpu_instance_type="g6.xlarge",
        max_gpu_instances=8,
        whisper_model="large-v3",
        api_rate_limit=500,
        api_burst_limit=1000,
    ),
}


def for_stage(
    name: str, *, domain_name: str | None = None, certificate_arn: str | None = None, alarm_email: str | None = None
) -> StageConfig:
    """The stage's configuration, with the optional context values (``-c domain_name=…``)."""
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")
    base = STAGES[name]
    return StageConfig(
        **{**base.__dict__, "domain_name": domain_name, "certificate_arn": certificate_arn, "alarm_email": alarm_email}
    )
