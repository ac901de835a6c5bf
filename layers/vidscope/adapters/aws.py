"""boto3 clients, created once per process and lazily, so importing a handler stays cheap."""

from __future__ import annotations

import threading
from typing import Any

from vidscope.settings import get_settings

_clients: dict[str, Any] = {}
# Creating clients from boto3's default session is not thread-safe (it can fail with "dictionary
# changed size during iteration"); Lambda runs one thread, but the local runtime runs functions
# side by side in one process (the analysis Map's branches), so creation takes turns.
_lock = threading.Lock()


def client(service: str) -> Any:
    existing = _clients.get(service)
    if existing is not None:
        return existing
    with _lock:
        if service not in _clients:
            import boto3  # deferred: boto3 costs ~0.3 s to import and not every cold path needs it
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 3})
            if service == "s3":
                # botocore still presigns with SigV2 unless told otherwise, which signs no header
                # (so no length) and which S3 refuses on buckets made since June 2020 (DESIGN §7).
                config = config.merge(Config(signature_version="s3v4"))
            # the service name is a plain str here; boto3-stubs' overloads want one literal per service
            _clients[service] = boto3.client(  # type: ignore[call-overload]
                service, endpoint_url=get_settings().aws_endpoint_url, config=config
            )
        return _clients[service]


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh moto backend per test)."""
    with _lock:
        _clients.clear()
