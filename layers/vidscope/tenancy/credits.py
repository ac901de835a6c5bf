"""Credit holds, refunds and grants, each written as a balance change plus a ledger entry.

The balance lives on the tenant item and never goes negative (a conditional update); every
change is paired with a ledger entry in the same transaction, so the balance always equals the
sum of the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ulid import ULID

from vidscope.adapters import table
from vidscope.adapters.dynamo import TransactItem, set_clause, to_attributes
from vidscope.clock import iso_ms


class BalanceShort(Exception):
    """The balance cannot cover a hold."""


def _ledger_key(tenant_id: str, now: datetime) -> dict[str, Any]:
    return {
        table.PARTITION_KEY: table.tenant_pk(tenant_id),
        table.SORT_KEY: table.ledger_sk(str(ULID.from_datetime(now))),
    }


def _ledger_fields(amount: int, reason: str, job_id: str | None, now: datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {"entity": "ledger", "amount": amount, "reason": reason, "created_at": iso_ms(now)}
    if job_id is not None:
        fields["job_id"] = job_id
    return fields


def _ledger_put(
    table_name: str, tenant_id: str, amount: int, reason: str, job_id: str | None, now: datetime
) -> TransactItem:
    entry = {**_ledger_key(tenant_id, now), **_ledger_fields(amount, reason, job_id, now)}
    return {"Put": {"TableName": table_name, "Item": to_attributes(entry)}}


def _balance_update(table_name: str, tenant_id: str, delta: int, *, must_cover: bool) -> TransactItem:
    update: TransactItem = {
        "TableName": table_name,
        "Key": to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.TENANT_SK}),
        "UpdateExpression": "ADD credit_balance :delta",
        "ConditionExpression": "attribute_exists(PK)",
        "ExpressionAttributeValues": to_attributes({":delta": delta}),
    }
    if must_cover:
        update["ConditionExpression"] = "credit_balance >= :needed"
        update["ExpressionAttributeValues"] = to_attributes({":delta": delta, ":needed": -delta})
    return {"Update": update}


def _ledger_update(
    table_name: str, tenant_id: str, amount: int, reason: str, job_id: str, now: datetime
) -> TransactItem:
    """The same ledger entry, written as an UpdateItem that creates it: for ingestion, the parser
    of hostile media, which holds no PutItem (its UpdateItem in the tenant partition is the grant
    it already has for the job's progress)."""
    expression, names, values = set_clause(_ledger_fields(amount, reason, job_id, now))
    return {
        "Update": {
            "TableName": table_name,
            "Key": to_attributes(_ledger_key(tenant_id, now)),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_not_exists(PK)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_attributes(values),
        }
    }


def raise_hold(table_name: str, tenant_id: str, job_id: str, amount: int, now: datetime) -> list[TransactItem]:
    """Take ``amount`` more from the balance for a job whose real price is now known; the first
    item fails if the balance is short."""
    return [
        _balance_update(table_name, tenant_id, -amount, must_cover=True),
        _ledger_update(table_name, tenant_id, -amount, "hold", job_id, now),
    ]


def hold(table_name: str, tenant_id: str, job_id: str, amount: int, now: datetime) -> list[TransactItem]:
    """Take ``amount`` from the balance for a job; the first item fails if the balance is short."""
    return [
        _balance_update(table_name, tenant_id, -amount, must_cover=True),
        _ledger_put(table_name, tenant_id, -amount, "hold", job_id, now),
    ]


def release(
    table_name: str, tenant_id: str, job_id: str, amount: int, reason: str, now: datetime
) -> list[TransactItem]:
    """Give ``amount`` of a job's hold back (refund on failure/cancel, remainder on completion)."""
    if amount == 0:
        return []
    return [
        _balance_update(table_name, tenant_id, amount, must_cover=False),
        _ledger_put(table_name, tenant_id, amount, reason, job_id, now),
    ]


def grant(table_name: str, tenant_id: str, amount: int, now: datetime) -> list[TransactItem]:
    """Add purchased or promotional credits to an existing tenant."""
    return [
        _balance_update(table_name, tenant_id, amount, must_cover=False),
        *opening_grant(table_name, tenant_id, amount, now),
    ]


def opening_grant(table_name: str, tenant_id: str, amount: int, now: datetime) -> list[TransactItem]:
    """The ledger entry for a new tenant's starting balance, written with the tenant item."""
    return [_ledger_put(table_name, tenant_id, amount, "grant", None, now)] if amount else []
