"""boto3 clients, created once per process and lazily, so importing a handler stays cheap."""

from __future__ import annotations

from functools import cache
from typing import Any

from vidscope.settings import get_settings


@cache
def client(service: str) -> Any:
    import boto3  # deferred: boto3 costs ~0.3 s to import and not every cold path needs it
    from botocore.config import Config

    # the service name is a plain str here; boto3-stubs' overloads want one literal per service
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=get_settings().aws_endpoint_url,
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh moto backend per test)."""
    client.cache_clear()
