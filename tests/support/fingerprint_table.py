"""An in-memory stand-in for the three table calls the fingerprint index makes (Query,
BatchGetItem, BatchWriteItem) and the one read it makes by key (GetItem): for the benchmark,
whose 10,000 stored prints moto's Query would walk item by item, and for the unit tests of the
index's own bookkeeping. A bucket read costs the items it returns, as DynamoDB's does."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


class MemoryTable:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        for requests in RequestItems.values():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    self.items[item["PK"]["S"]][item["SK"]["S"]] = item
                else:
                    key = request["DeleteRequest"]["Key"]
                    self.items[key["PK"]["S"]].pop(key["SK"]["S"], None)
        return {}

    def query(self, **params: Any) -> dict[str, Any]:
        bucket = self.items.get(params["ExpressionAttributeValues"][":pk"]["S"], {})
        found = [{"SK": {"S": sk}} for sk in sorted(bucket)[: params["Limit"]]]
        return {"Items": found, "ScannedCount": len(found)}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        [(name, request)] = RequestItems.items()
        found = [self._get(k) for k in request["Keys"]]
        return {"Responses": {name: [item for item in found if item is not None]}}

    def get_item(self, **params: Any) -> dict[str, Any]:
        item = self._get(params["Key"])
        return {} if item is None else {"Item": item}

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        return self.items.get(key["PK"]["S"], {}).get(key["SK"]["S"])

    def entries(self) -> list[tuple[str, str]]:
        """Every (PK, SK) stored."""
        return [(pk, sk) for pk, bucket in self.items.items() for sk in bucket]
