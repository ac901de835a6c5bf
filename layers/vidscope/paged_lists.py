"""A result's paged list, named by its field ("" when the result is the list itself): read by
merging, the result pages and the client alike. Apart from the capabilities so that the API
functions that page results need not load them (DESIGN §9)."""

from __future__ import annotations

from typing import Any


def items_of(result: Any, field: str) -> list[Any] | None:
    """The list ``field`` names in a result (JSON), or None when there is none."""
    items = result if field == "" else result.get(field) if isinstance(result, dict) else None
    return items if isinstance(items, list) else None


def with_items(result: Any, field: str, items: list[Any]) -> Any:
    """The result (JSON) with ``items`` as the list ``field`` names."""
    return items if field == "" else {**result, field: items}
