"""Wiring: builds each adapter once per process from the settings. Tests call ``reset()``."""

from __future__ import annotations

import random
from functools import cache
from typing import TYPE_CHECKING

from vidscope.adapters import aws
from vidscope.clock import utc_now
from vidscope.settings import get_settings

if TYPE_CHECKING:
    # Each adapter is imported where it is built, not here: every API handler imports this
    # module and each needs two or three of them; the rest (media download, summaries, the
    # workflow's event models, httpx and Powertools' parameters behind webhooks) would add to
    # every API function's cold start for nothing (DESIGN §9: at most 1.5 times import boto3).
    from vidscope.adapters.media_store import MediaStore
    from vidscope.adapters.workflow import WorkflowClient
    from vidscope.events.publisher import EventPublisher
    from vidscope.fingerprints.index import FingerprintIndex
    from vidscope.jobs.pagination import CursorCodec
    from vidscope.jobs.repository import JobsRepository
    from vidscope.jobs.uploads import Uploads
    from vidscope.pipeline.container_task import TaskRuntime
    from vidscope.pipeline.ingestion import Downloader
    from vidscope.pipeline.transcription import WhisperConfig
    from vidscope.ssrf import UrlGuard
    from vidscope.tenancy.ratelimit import RateLimiter
    from vidscope.tenancy.tenants import TenantsRepository
    from vidscope.text.extraction import Extractor
    from vidscope.text.summarizers import Summarizer
    from vidscope.text.translators import Translator
    from vidscope.webhooks.attempts import WebhookDeliveries
    from vidscope.webhooks.delivery_queue import WebhookQueue
    from vidscope.webhooks.dispatcher import Dispatcher
    from vidscope.webhooks.secrets import WebhookSecrets


@cache
def jobs_repository() -> JobsRepository:
    from vidscope.jobs.repository import JobsRepository

    return JobsRepository(aws.client("dynamodb"), get_settings().table_name)


@cache
def uploads() -> Uploads:
    from vidscope.jobs.uploads import Uploads

    settings = get_settings()
    return Uploads(aws.client("dynamodb"), settings.table_name, media_store(), max_bytes=settings.max_media_bytes)


@cache
def tenants_repository() -> TenantsRepository:
    from vidscope.tenancy.tenants import TenantsRepository

    return TenantsRepository(aws.client("dynamodb"), get_settings().table_name)


@cache
def rate_limiter() -> RateLimiter:
    from vidscope.tenancy.ratelimit import RateLimiter

    return RateLimiter(aws.client("dynamodb"), get_settings().table_name, utc_now)


@cache
def cursor_codec() -> CursorCodec:
    from vidscope.jobs.pagination import CursorCodec

    settings = get_settings()
    if settings.cursor_secret_name:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        secret = SecretsProvider(boto3_client=aws.client("secretsmanager")).get(settings.cursor_secret_name)
        return CursorCodec(str(secret))
    return CursorCodec(settings.cursor_secret)


@cache
def url_guard() -> UrlGuard:
    from vidscope.ssrf import UrlGuard

    return UrlGuard(allow_loopback=get_settings().allow_loopback_urls)


@cache
def workflow_client() -> WorkflowClient:
    from vidscope.adapters.workflow import WorkflowClient

    return WorkflowClient(aws.client("stepfunctions"), get_settings().state_machine_arn)


@cache
def media_store() -> MediaStore:
    from vidscope.adapters.media_store import MediaStore

    return MediaStore(aws.client("s3"), get_settings().bucket_name)


@cache
def downloader() -> Downloader:
    from vidscope.pipeline.ingestion import Downloader, Limits

    settings = get_settings()
    return Downloader(
        url_guard(),
        Limits(
            settings.max_media_seconds,
            settings.max_media_bytes,
            settings.download_timeout_seconds,
            budget_seconds=settings.download_budget_seconds,
        ),
    )


@cache
def summarizer() -> Summarizer:
    from vidscope.text.summarizers import BedrockSummarizer, ExtractiveSummarizer

    settings = get_settings()
    if settings.summary_provider == "bedrock":
        return BedrockSummarizer(aws.client("bedrock-runtime"), settings.bedrock_model_id)
    return ExtractiveSummarizer()


@cache
def fingerprint_index() -> FingerprintIndex:
    """The tenants' fingerprint index (in the single table)."""
    from vidscope.fingerprints.index import FingerprintIndex

    return FingerprintIndex(aws.client("dynamodb"), get_settings().table_name)


@cache
def extractor() -> Extractor:
    """The extraction engine: Bedrock where the deployment's model provider is Bedrock (the same
    setting and model as summaries), the local deterministic one otherwise."""
    from vidscope.text.extractors import BedrockExtractor, LocalExtractor

    settings = get_settings()
    if settings.summary_provider == "bedrock":
        return BedrockExtractor(aws.client("bedrock-runtime"), settings.bedrock_model_id)
    return LocalExtractor()


@cache
def translator() -> Translator:
    """The translation engine: Amazon Translate where the deployment says so, the shared local
    language model (Gemma-3-270M) otherwise."""
    from vidscope.text.translators import AmazonTranslator, LocalTranslator

    settings = get_settings()
    if settings.translation_provider == "amazon":
        return AmazonTranslator(aws.client("translate"))
    from pathlib import Path

    from vidscope.pipeline.whisper_models import default_cache_dir
    from vidscope.text.language_model import local_language_model

    cache_dir = Path(settings.model_cache_dir) if settings.model_cache_dir else default_cache_dir()
    return LocalTranslator(lambda: local_language_model(cache_dir))


def task_runtime() -> TaskRuntime:
    """What a media stage's container task works with (the transcription and vision workers)."""
    from vidscope.pipeline.container_task import TaskRuntime

    settings = get_settings()
    return TaskRuntime(
        repo=jobs_repository(),
        media=media_store(),
        sfn=aws.client("stepfunctions"),
        clock=utc_now,
        heartbeat_seconds=settings.heartbeat_seconds,
        heartbeat_interval_seconds=settings.heartbeat_interval_seconds,
    )


def whisper_config() -> WhisperConfig:
    from vidscope.pipeline.transcription import WhisperConfig

    settings = get_settings()
    return WhisperConfig(
        model=settings.whisper_model,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        batch_size=settings.whisper_batch_size,
    )


@cache
def event_publisher() -> EventPublisher:
    from vidscope.events.publisher import EventPublisher

    return EventPublisher(aws.client("events"), get_settings().event_bus_name)


@cache
def webhook_deliveries() -> WebhookDeliveries:
    from vidscope.webhooks.attempts import WebhookDeliveries

    return WebhookDeliveries(aws.client("dynamodb"), get_settings().table_name)


@cache
def webhook_secrets() -> WebhookSecrets:
    from vidscope.webhooks.secrets import WebhookSecrets

    return WebhookSecrets(aws.client("secretsmanager"), get_settings().webhook_secret_prefix)


@cache
def webhook_queue() -> WebhookQueue:
    from vidscope.webhooks.delivery_queue import WebhookQueue

    settings = get_settings()
    if not settings.webhook_queue_url or not settings.webhook_dlq_url:
        raise RuntimeError("VIDSCOPE_WEBHOOK_QUEUE_URL and VIDSCOPE_WEBHOOK_DLQ_URL must be set")
    return WebhookQueue(aws.client("sqs"), settings.webhook_queue_url, settings.webhook_dlq_url)


@cache
def webhook_dispatcher() -> Dispatcher:
    from vidscope.webhooks.dispatcher import Dispatcher
    from vidscope.webhooks.retry_policy import RetryPolicy
    from vidscope.webhooks.sender import WebhookSender

    settings = get_settings()
    return Dispatcher(
        jobs=jobs_repository(),
        deliveries=webhook_deliveries(),
        secrets=webhook_secrets(),
        media=media_store(),
        queue=webhook_queue(),
        sender=WebhookSender(url_guard(), settings.webhook_timeout_seconds),
        policy=RetryPolicy(tuple(settings.webhook_retry_schedule_seconds), settings.webhook_retry_jitter),
        timeout_seconds=settings.webhook_timeout_seconds,
        clock=utc_now,
        rng=random.Random(),
    )


# Captured here so reset() clears the real caches even while a test overrides a factory.
_FACTORIES = (
    jobs_repository,
    uploads,
    tenants_repository,
    rate_limiter,
    cursor_codec,
    url_guard,
    workflow_client,
    media_store,
    downloader,
    summarizer,
    extractor,
    fingerprint_index,
    translator,
    event_publisher,
    webhook_deliveries,
    webhook_secrets,
    webhook_queue,
    webhook_dispatcher,
)


def reset() -> None:
    for factory in _FACTORIES:
        factory.cache_clear()
    get_settings.cache_clear()
    aws.reset_clients()
