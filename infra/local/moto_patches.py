"""Where moto departs from AWS in ways that matter to Vidscope, and the smallest fix for each.

Every function here names the moto internal it touches and why; nothing else in the project
reaches into moto.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.Lock()
_applied = False


def serialize_dynamodb_transactions() -> None:
    """Make moto's TransactWriteItems atomic across threads, as DynamoDB's are.

    ``moto.dynamodb.models.DynamoDBBackend.transact_write_items`` (moto 5.2) deep-copies each
    table it touches before applying the items and, when one fails its condition, restores that
    copy, without a lock. Two concurrent transactions can therefore undo each other's committed
    writes: a job answered with 202 disappears when another request's cancelled transaction puts
    back the older copy. DynamoDB serializes conflicting transactions (cancelling the loser with
    TransactionConflict), so holding one lock around the call gives moto the same guarantee.
    """
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(self, *args, **kwargs)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _applied = True
