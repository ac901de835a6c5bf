"""Each tenant's webhook signing secret (``whsec_…``), kept in Secrets Manager.

HMAC signing needs the secret itself, so it cannot be stored hashed like an API key (DESIGN §7
allows hashed or Secrets Manager). One secret per tenant holds the current secret and, during a
rotation, the previous one until its overlap ends: deliveries are signed with both meanwhile, so
receivers can switch without dropping a webhook. Reads go through Powertools' SecretsProvider,
which caches them for a minute per warm Lambda.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from vidscope.clock import iso_ms

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
_CACHE_SECONDS = 60


class WebhookSecretMissing(Exception):
    """The tenant has no webhook secret (created before webhooks existed, or by hand)."""


def new_secret() -> str:
    """24 random bytes, base64, with the Standard Webhooks ``whsec_`` prefix."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookSecrets:
    def __init__(self, client: Any, name_prefix: str) -> None:
        self._client = client
        self._prefix = name_prefix
        self._provider = SecretsProvider(boto3_client=client)

    def name(self, tenant_id: str) -> str:
        return f"{self._prefix}{tenant_id}"

    def create(self, tenant_id: str) -> str:
        """The tenant's first secret; returned once, to be shown to the tenant once."""
        secret = new_secret()
        self._client.create_secret(
            Name=self.name(tenant_id),
            Description=f"Webhook signing secret of tenant {tenant_id}",
            SecretString=json.dumps({"current": secret}),
        )
        return secret

    def rotate(self, tenant_id: str, *, overlap: timedelta, now: datetime) -> str:
        """A new current secret; the old one still signs until ``now + overlap``."""
        stored = self._read(tenant_id, fresh=True)
        secret = new_secret()
        value = {"current": secret, "previous": stored["current"], "previous_until": iso_ms(now + overlap)}
        self._client.put_secret_value(SecretId=self.name(tenant_id), SecretString=json.dumps(value))
        self._read(tenant_id, fresh=True)  # this process signs with both from now; others within a minute
        return secret

    def signing_secrets(self, tenant_id: str, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one
        while its overlap lasts."""
        stored = self._read(tenant_id)
        found = [stored["current"]]
        if stored.get("previous") and stored.get("previous_until", "") > iso_ms(now):
            found.append(stored["previous"])
        return found

    def _read(self, tenant_id: str, *, fresh: bool = False) -> dict[str, Any]:
        try:
            value = self._provider.get(self.name(tenant_id), max_age=_CACHE_SECONDS, force_fetch=fresh)
        except GetParameterError as exc:  # Powertools re-raises the client's error as this (its __context__)
            if isinstance(exc.__context__, ClientError) and _code(exc.__context__) == "ResourceNotFoundException":
                raise WebhookSecretMissing(tenant_id) from exc
            raise
        return dict(json.loads(str(value)))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
