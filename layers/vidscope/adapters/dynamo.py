"""Conversion between plain Python values and DynamoDB's attribute-value format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

TransactItem = dict[str, Any]


def _to_dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_dynamo_value(v) for v in value]
    return value


def _from_dynamo_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo_value(v) for v in value]
    return value


def to_attributes(values: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {k: serializer.serialize(_to_dynamo_value(v)) for k, v in values.items()}


def from_attributes(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: _from_dynamo_value(deserializer.deserialize(v)) for k, v in item.items()}


def cancellation_codes(error: Exception) -> list[str]:
    """Per-item reason codes of a cancelled TransactWriteItems, in request order."""
    reasons = getattr(error, "response", {}).get("CancellationReasons") or []
    return [r.get("Code", "None") for r in reasons]


def is_error(error: Exception, code: str) -> bool:
    return bool(getattr(error, "response", {}).get("Error", {}).get("Code") == code)


def set_clause(fields: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``SET #f0 = :v0, …`` for ``fields``, with its attribute names and (plain) values."""
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":v{i}": value for i, value in enumerate(fields.values())}
    return "SET " + ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True)), names, values
