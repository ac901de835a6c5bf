"""Webhook delivery state in the single table: the job's ``webhook`` status, the attempt log,
and the URLs a receiver switched off with 410 Gone.

One attempt at a time per job: an attempt is *claimed* on the job item before the POST
(``webhook_claim`` + a lease) and *recorded* after it. A duplicate message finds the claim or a
higher attempt count and does nothing; a dispatcher that died mid-attempt leaves a claim whose
lease runs out, and the redelivered message takes it over. ``webhook_run`` counts redelivery
requests: messages of an older run stop at their next claim.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from vidscope.adapters import table
from vidscope.adapters.dynamo import cancellation_codes, from_attributes, to_attributes
from vidscope.clock import iso_ms
from vidscope.jobs.repository import JobRecord, job_key
from vidscope.models import TERMINAL_STATUSES, WebhookAttempt, WebhookState, WebhookStatus


class RedeliveryConflict(Exception):
    """The job changed under the redelivery request (an attempt started or finished)."""


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


class WebhookDeliveries:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def claim(self, tenant_id: str, job_id: str, *, run: int, attempt: int, lease_until: int, now: int) -> bool:
        """Take attempt ``attempt`` of run ``run``; False when it is not this message's to make."""
        claim = f"{run}:{attempt}"
        try:
            self._client.update_item(
                TableName=self._table,
                Key=job_key(tenant_id, job_id),
                UpdateExpression="SET #w.#attempts = :attempt, webhook_claim = :claim, webhook_lease_until = :lease",
                ConditionExpression=(
                    "webhook_run = :run AND ((#w.#attempts = :previous AND attribute_not_exists(webhook_claim))"
                    " OR (webhook_claim = :claim AND webhook_lease_until < :now))"
                ),
                ExpressionAttributeNames={"#w": "webhook", "#attempts": "attempts"},
                ExpressionAttributeValues=to_attributes(
                    {
                        ":attempt": attempt,
                        ":previous": attempt - 1,
                        ":claim": claim,
                        ":lease": lease_until,
                        ":run": run,
                        ":now": now,
                    }
                ),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def record(
        self, tenant_id: str, job_id: str, attempt: WebhookAttempt | None, status: WebhookStatus, *, run: int
    ) -> bool:
        """Log the attempt (if one was made) and set the job's webhook status, releasing the
        claim; False when a redelivery superseded this run (the attempt is still logged) or the
        job was deleted meanwhile (then nothing is logged)."""
        if attempt is not None and not self._log_attempt(tenant_id, job_id, attempt):
            return False
        try:
            self._client.update_item(
                TableName=self._table,
                Key=job_key(tenant_id, job_id),
                UpdateExpression="SET #w = :status REMOVE webhook_claim, webhook_lease_until",
                ConditionExpression="webhook_run = :run",
                ExpressionAttributeNames={"#w": "webhook"},
                ExpressionAttributeValues=to_attributes(
                    {":status": status.model_dump(mode="json", exclude_none=True), ":run": run}
                ),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _log_attempt(self, tenant_id: str, job_id: str, attempt: WebhookAttempt) -> bool:
        """Write the attempt's log item only while its job exists (a ConditionCheck on the job
        item in the same transaction): an attempt that was under way when the job was deleted
        must not bring a piece of it back. False when the job is gone."""
        item = {
            table.PARTITION_KEY: table.tenant_pk(tenant_id),
            table.SORT_KEY: table.webhook_attempt_sk(job_id, attempt.attempt),
            "entity": "webhook_attempt",
            "job_id": job_id,
            **attempt.model_dump(mode="json", exclude_none=True),
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._table, "Item": to_attributes(item)}},
                    {
                        "ConditionCheck": {
                            "TableName": self._table,
                            "Key": job_key(tenant_id, job_id),
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                ]
            )
        except self._client.exceptions.TransactionCanceledException as exc:
            if cancellation_codes(exc)[1:2] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def attempts(self, tenant_id: str, job_id: str) -> list[WebhookAttempt]:
        """Every attempt of the job's webhook, oldest first."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=to_attributes(
                {":pk": table.tenant_pk(tenant_id), ":prefix": f"{table.WEBHOOK_ATTEMPT_SK_PREFIX}{job_id}#"}
            ),
            ConsistentRead=True,
        )
        return [WebhookAttempt.model_validate(from_attributes(item)) for page in pages for item in page["Items"]]

    def delete_attempts(self, tenant_id: str, job_id: str) -> None:
        for attempt in self.attempts(tenant_id, job_id):
            self._client.delete_item(
                TableName=self._table,
                Key=to_attributes(
                    {
                        table.PARTITION_KEY: table.tenant_pk(tenant_id),
                        table.SORT_KEY: table.webhook_attempt_sk(job_id, attempt.attempt),
                    }
                ),
            )

    def start_redelivery(self, job: JobRecord, now: datetime) -> int:
        """Open a new delivery run for a finished job; its number. ``RedeliveryConflict`` when
        an attempt is under way or the job's webhook changed since ``job`` was read."""
        assert job.webhook is not None
        run = job.webhook_run + 1
        status = job.webhook.model_copy(update={"status": WebhookState.PENDING, "next_attempt_at": iso_ms(now)})
        terminal = {f":t{i}": s.value for i, s in enumerate(sorted(TERMINAL_STATUSES))}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=job_key(job.tenant_id, job.job_id),
                UpdateExpression="SET #w = :status, webhook_run = :run",
                ConditionExpression=(
                    f"#status IN ({', '.join(terminal)}) AND webhook_run = :seen_run"
                    " AND #w.#attempts = :seen_attempts AND attribute_not_exists(webhook_claim)"
                ),
                ExpressionAttributeNames={"#w": "webhook", "#attempts": "attempts", "#status": "status"},
                ExpressionAttributeValues=to_attributes(
                    {
                        ":status": status.model_dump(mode="json", exclude_none=True),
                        ":run": run,
                        ":seen_run": job.webhook_run,
                        ":seen_attempts": job.webhook.attempts,
                        **terminal,
                    }
                ),
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise RedeliveryConflict(job.job_id) from exc
        return run

    def _url_key(self, tenant_id: str, url: str) -> dict[str, Any]:
        return to_attributes(
            {
                table.PARTITION_KEY: table.tenant_pk(tenant_id),
                table.SORT_KEY: table.disabled_webhook_sk(url_digest(url)),
            }
        )

    def is_disabled(self, tenant_id: str, url: str) -> bool:
        response = self._client.get_item(TableName=self._table, Key=self._url_key(tenant_id, url), ConsistentRead=True)
        return "Item" in response

    def disable(self, tenant_id: str, url: str, now: datetime) -> None:
        """The receiver answered 410 Gone: no more deliveries to ``url`` for this tenant."""
        item = from_attributes(self._url_key(tenant_id, url))
        self._client.put_item(
            TableName=self._table,
            Item=to_attributes({**item, "entity": "disabled_webhook_url", "url": url, "disabled_at": iso_ms(now)}),
        )

    def enable(self, tenant_id: str, url: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._url_key(tenant_id, url))
