"""Tenants (accounts), their API keys, and authentication of a request's key.

Keys are stored only as SHA-256 digests; the plaintext is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from vidscope.adapters import table
from vidscope.adapters.dynamo import from_attributes, to_attributes
from vidscope.clock import epoch_seconds, iso_ms
from vidscope.errors import TenantNotFound, Unauthorized
from vidscope.ids import new_key_id, new_tenant_id
from vidscope.tenancy import credits


class WebhookSecretIssuer(Protocol):
    """Issues a new tenant's webhook signing secret (``vidscope.webhooks.secrets``, whose Secrets
    Manager client would cost every authenticating function ~0.25 s of import)."""

    def create(self, tenant_id: str) -> str: ...


API_KEY_PREFIX = "sk_live_"
# Revoked keys stay readable (so a request with one is refused as revoked) and are then removed.
REVOKED_KEY_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from the API key on every request."""

    tenant_id: str
    key_id: str
    rate_limit_per_minute: int
    # Decides the tenant's ceiling of concurrent jobs (``catalog.MAX_ACTIVE_JOBS``).
    plan: str = "free"


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    plan: str
    rate_limit_per_minute: int
    credit_balance: int
    created_at: str


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    api_key: str  # plaintext, never stored


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def extract_api_key(headers: Mapping[str, str]) -> str | None:
    """The key from ``X-Api-Key`` or ``Authorization: Bearer …`` (header names any case)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("x-api-key"):
        return lowered["x-api-key"].strip()
    scheme, _, token = (lowered.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


@dataclass(frozen=True)
class NewTenant:
    """A tenant just created, with the secrets shown to it once: its API key and its webhook
    signing secret."""

    tenant: Tenant
    key: IssuedKey
    webhook_secret: str


def onboard(
    repo: TenantsRepository,
    webhook_secrets: WebhookSecretIssuer,
    *,
    name: str,
    plan: str,
    rate_limit_per_minute: int,
    initial_credits: int,
    now: datetime,
) -> NewTenant:
    """Create a tenant with its first API key and its webhook signing secret."""
    tenant = repo.create_tenant(
        name=name, plan=plan, rate_limit_per_minute=rate_limit_per_minute, initial_credits=initial_credits, now=now
    )
    key = repo.issue_api_key(tenant.tenant_id, now)
    return NewTenant(tenant, key, webhook_secrets.create(tenant.tenant_id))


class TenantsRepository:
    """Tenant, API-key and ledger items in the single table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create_tenant(
        self, *, name: str, plan: str, rate_limit_per_minute: int, initial_credits: int, now: datetime
    ) -> Tenant:
        tenant = Tenant(
            tenant_id=new_tenant_id(),
            name=name,
            plan=plan,
            rate_limit_per_minute=rate_limit_per_minute,
            credit_balance=initial_credits,
            created_at=iso_ms(now),
        )
        item = {
            table.PARTITION_KEY: table.tenant_pk(tenant.tenant_id),
            table.SORT_KEY: table.TENANT_SK,
            "entity": "tenant",
            **tenant.__dict__,
        }
        # The tenant and the ledger entry of its starting balance are written together, so the
        # balance equals the sum of the ledger from the first moment.
        self._client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_attributes(item),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                *credits.opening_grant(self._table, tenant.tenant_id, initial_credits, now),
            ]
        )
        return tenant

    def get_tenant(self, tenant_id: str) -> Tenant:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.TENANT_SK}),
            ConsistentRead=True,
        )
        if "Item" not in response:
            raise TenantNotFound(tenant_id)
        values = from_attributes(response["Item"])
        return Tenant(**{f: values[f] for f in Tenant.__dataclass_fields__})

    def issue_api_key(self, tenant_id: str, now: datetime) -> IssuedKey:
        self.get_tenant(tenant_id)
        issued = IssuedKey(key_id=new_key_id(), api_key=API_KEY_PREFIX + secrets.token_urlsafe(32))
        self._client.put_item(
            TableName=self._table,
            Item=to_attributes(
                {
                    table.PARTITION_KEY: table.api_key_pk(hash_api_key(issued.api_key)),
                    table.SORT_KEY: table.API_KEY_SK,
                    "entity": "api_key",
                    "key_id": issued.key_id,
                    "tenant_id": tenant_id,
                    "status": "active",
                    "created_at": iso_ms(now),
                }
            ),
            ConditionExpression="attribute_not_exists(PK)",
        )
        return issued

    def revoke_api_key(self, api_key: str, now: datetime) -> None:
        revoke_until = epoch_seconds(now + REVOKED_KEY_RETENTION)
        self._client.update_item(
            TableName=self._table,
            Key=to_attributes(
                {table.PARTITION_KEY: table.api_key_pk(hash_api_key(api_key)), table.SORT_KEY: table.API_KEY_SK}
            ),
            UpdateExpression="SET #status = :revoked, revoked_at = :now, #ttl = :ttl",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#status": "status", "#ttl": table.TTL_ATTRIBUTE},
            ExpressionAttributeValues=to_attributes({":revoked": "revoked", ":now": iso_ms(now), ":ttl": revoke_until}),
        )

    def authenticate(self, api_key: str | None) -> Principal:
        """The principal behind ``api_key``; ``Unauthorized`` for a missing, unknown or revoked key."""
        if not api_key:
            raise Unauthorized("missing API key: send X-Api-Key or Authorization: Bearer")
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attributes(
                {table.PARTITION_KEY: table.api_key_pk(hash_api_key(api_key)), table.SORT_KEY: table.API_KEY_SK}
            ),
        )
        key = from_attributes(response.get("Item", {}))
        if key.get("status") != "active":
            raise Unauthorized("invalid or revoked API key")
        try:
            tenant = self.get_tenant(key["tenant_id"])
        except TenantNotFound as exc:
            raise Unauthorized("invalid or revoked API key") from exc
        return Principal(
            tenant_id=tenant.tenant_id,
            key_id=key["key_id"],
            rate_limit_per_minute=tenant.rate_limit_per_minute,
            plan=tenant.plan,
        )

    def ledger(self, tenant_id: str) -> list[dict[str, Any]]:
        """Every ledger entry of a tenant, oldest first."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=to_attributes({":pk": table.tenant_pk(tenant_id), ":prefix": "LEDGER#"}),
            ConsistentRead=True,
        )
        return [from_attributes(item) for page in pages for item in page["Items"]]
