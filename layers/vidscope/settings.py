"""Runtime configuration, read once from the environment into a typed model.

Each field is read from ``VIDSCOPE_<FIELD>`` (any case), as pydantic-settings reads them: the
text goes to the model's lax validation ("true", "30", …), and a list-valued field's is JSON.
A plain reading, not pydantic-settings, whose import (dotenv, argparse, its CLI and cloud
sources) costs every function's cold start more than the whole model does (DESIGN §9)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from vidscope import catalog

ENV_PREFIX = "VIDSCOPE_"


class Settings(BaseModel):
    """Everything a function needs from its environment, validated at first use."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings that ``VIDSCOPE_*`` variables (any case) give, defaults for the rest."""
        found = {key.lower(): value for key, value in (os.environ if environ is None else environ).items()}
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            raw = found.get(f"{ENV_PREFIX}{name}".lower())
            if raw is None:
                continue
            if _holds_json(field.annotation):
                try:
                    values[name] = json.loads(raw)
                except ValueError as exc:
                    raise ValueError(f"{ENV_PREFIX}{name.upper()} is not valid JSON") from exc
            else:
                values[name] = raw
        return cls.model_validate(values)

    table_name: str = "vidscope"
    bucket_name: str = "vidscope-media"
    state_machine_arn: str | None = None
    aws_endpoint_url: str | None = None
    # Signs pagination cursors. Deployed stacks inject it from Secrets Manager; the default only
    # serves local runs and tests, where a forged cursor harms nothing.
    cursor_secret: str = Field(default="local-development-cursor-secret", min_length=16)
    # Deployed: the Secrets Manager secret holding it (read once per warm function, never an env value).
    cursor_secret_name: str | None = None
    # DESIGN §7: loopback media/webhook URLs are allowed only in local and test settings.
    allow_loopback_urls: bool = False
    service_name: str = "vidscope"

    # --- workflow -------------------------------------------------------------------------
    max_media_seconds: int = Field(default=catalog.MAX_MEDIA_SECONDS, gt=0, le=catalog.MAX_MEDIA_SECONDS)
    max_media_bytes: int = Field(default=catalog.MAX_MEDIA_BYTES, gt=0)
    download_timeout_seconds: float = 30.0
    # The whole ingestion download, whatever the server does (the timeout above is per read);
    # below ingest_media's 900-s Lambda timeout.
    download_budget_seconds: float = Field(default=600.0, gt=0, lt=900)
    # Step Functions fails the transcription task (States.HeartbeatTimeout) when this long passes
    # without a heartbeat: how a crashed worker is noticed. Step Functions has one HeartbeatSeconds
    # per task and its clock starts at RunTask, so the window also has to cover everything before
    # the worker's first beat: on GPU capacity at zero, scale-out, instance boot and the image
    # pull, which take minutes (see the Transcribe state's Comment). Hence 15 minutes, not 60 s.
    # create_job puts it in the execution input; the ASL hands it to the worker, so the window
    # the worker beats against is the one Step Functions enforces.
    heartbeat_seconds: int = Field(default=15 * 60, ge=1)
    # How often the worker beats (from its first second; at most a third of the window): also how
    # soon a worker whose task Step Functions gave up on learns it, and stops.
    heartbeat_interval_seconds: float = Field(default=10.0, gt=0)
    # The most a transcription or vision task is given, whatever the media: each task's own budget
    # is proportional to the billed duration (catalog.time_budgets, computed by ingestion) and
    # capped here. Deployed, the formula stays under both for the longest media allowed; tests
    # shorten them to provoke a task running out of its time.
    transcription_timeout_seconds: int = Field(default=3 * 60 * 60, ge=1)
    vision_timeout_seconds: int = Field(default=60 * 60, ge=1)
    # Local runtime only: the local ECS agent waits this long between RunTask and starting the
    # worker, as placement on capacity at zero and the image pull do in the cloud (DESIGN §10).
    local_task_start_delay_seconds: float = Field(default=0.0, ge=0)
    # How often the worker writes progress (and so notices a cancelled job).
    progress_interval_seconds: float = Field(default=2.0, gt=0)
    # faster-whisper: a model name (large-v3, fetched into the image at build time) or a local
    # path; "bundled:base" (multilingual, the local default) and "bundled:tiny.en" (English only,
    # ~3x faster on CPU) ship in registry packages (vidscope.pipeline.whisper_models).
    whisper_model: str = "bundled:base"
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    # > 0: faster-whisper's BatchedInferencePipeline with this batch size; 0: sequential decoding.
    whisper_batch_size: int = Field(default=8, ge=0)
    summary_provider: Literal["extractive", "bedrock"] = "extractive"
    bedrock_model_id: str = "amazon.nova-lite-v1:0"
    # The translation engine: Amazon Translate in the cloud, the local language model otherwise.
    translation_provider: Literal["local", "amazon"] = "local"
    # Where the local models are assembled once (the language model for local translation).
    model_cache_dir: str = ""

    # --- events and webhooks --------------------------------------------------------------
    event_bus_name: str = "vidscope"
    webhook_queue_url: str | None = None
    webhook_dlq_url: str | None = None
    webhook_secret_prefix: str = "vidscope/webhook-secrets/"  # noqa: S105 - a name, not a secret
    # A receiver gets this long to answer each attempt: one deadline for the whole exchange
    # (connect, send, status and headers), not per read. Kept well inside the dispatcher's
    # Lambda timeout (functions.py), which a batch of attempts side by side must fit.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=30)
    # Delay before each attempt, from the previous one: the Standard Webhooks schedule
    # (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h). Tests shorten it here.
    webhook_retry_schedule_seconds: list[int] = Field(
        default=[0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400], min_length=1
    )
    # Each delay grows by up to this share, so receivers that failed together are not retried together.
    webhook_retry_jitter: float = Field(default=0.1, ge=0, le=1)


def _holds_json(annotation: Any) -> bool:
    """Whether a field's variable is JSON, as pydantic-settings reads "complex" fields: a list,
    tuple, set, dict or model (or an optional one, however spelled); text otherwise."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_holds_json(arg) for arg in get_args(annotation) if arg is not type(None))
    kind = origin or annotation
    return isinstance(kind, type) and issubclass(kind, (list, tuple, set, frozenset, dict, BaseModel))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()
