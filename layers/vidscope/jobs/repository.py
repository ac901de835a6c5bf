"""Job items in the single table: creation (with hold and idempotency record, atomically),
reads scoped to a tenant, key-condition-only listing, and conditional status transitions."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import model_validator

from vidscope.adapters import table
from vidscope.adapters.dynamo import TransactItem, cancellation_codes, from_attributes, set_clause, to_attributes
from vidscope.clock import iso_ms
from vidscope.errors import InsufficientCredits, TooManyActiveJobs
from vidscope.jobs import idempotency
from vidscope.models import Job, JobStatus, Progress, Stage
from vidscope.tenancy import credits, failed_compute


class JobRecord(Job):
    """A job as stored: the public fields plus what only the service sees."""

    tenant_id: str
    # Counts the job's changes (status and progress): events carry it, so a subscriber can order
    # them and drop a duplicate. Webhook bookkeeping does not count: it is not the job changing.
    version: int = 1
    # Bumped by each redelivery request: attempts of an older run stop when they see a newer one.
    webhook_run: int = 0
    credits_held: int
    execution_arn: str | None = None
    idempotency_digest: str | None = None
    media_duration_seconds: float | None = None
    # The capabilities whose results merging stored (media_store.result_key).
    result_capabilities: list[str] | None = None
    # Each stored result's list that GET bounds and /results pages (the capability's ``paged``: a
    # field, or "" for the result itself), recorded when merging so that reading a job needs no
    # capability registry; None for jobs completed before it was recorded.
    result_lists: dict[str, str] | None = None
    # Jobs completed before each result was stored on its own kept them in one document and the
    # transcript beside it; read back as they are (jobs.stored_results).
    results_key: str | None = None
    transcript_key: str | None = None
    # Counted in the tenant's active jobs when created; its move to a terminal state uncounts it.
    # Jobs created before the ceiling existed were never counted, so they are never uncounted.
    counts_as_active: bool = False
    # The content hash of the media (pipeline.content), when ingestion computed one: the key of
    # the job's content record, which deleting the job deletes.
    content_hash: str | None = None
    # The uploads the job consumed at creation as capabilities' second media (a style's
    # template): only these can be read as such, and they are deleted with the job.
    second_uploads: list[str] | None = None

    @property
    def uploads(self) -> list[str]:
        """Every upload the job consumed: the one it was made from, then its second media."""
        return [*([self.upload_id] if self.upload_id else []), *(self.second_uploads or [])]

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages of the job's plan, from its capabilities (vidscope.jobs.plan)."""
        from vidscope.jobs.plan import plan_for  # the registry: only the stages need it, not a job's reader

        return plan_for(self.capabilities, self.options).stages

    @model_validator(mode="after")
    def _options_of_jobs_created_before_options(self) -> JobRecord:
        if not self.options:  # every requested capability's defaults, and the older return_proof
            from vidscope import capabilities  # only for jobs stored before options existed

            self.options = {
                name: capabilities.get(name).options().model_dump(mode="json") for name in self.capabilities
            }
            if "brands" in self.options:
                # As they ran then: the flag of the time, and the speech alone (no vision stage).
                self.options["brands"].update(return_proof=self.return_proof, sources=["speech"])
        return self

    def to_public(self, results: dict[str, Any] | None = None, totals: dict[str, int] | None = None) -> Job:
        """The client's view: progress only while processing, results only when completed."""
        job = Job.model_validate(self.model_dump(include=set(Job.model_fields) - {"results"}))
        job.progress = self.progress if self.status is JobStatus.PROCESSING else None
        if self.status is JobStatus.COMPLETED and results is not None:
            job.results = results
            job.result_totals = totals or None
        if self.status.is_terminal and self.completed_at is not None:
            elapsed = datetime.fromisoformat(self.completed_at) - datetime.fromisoformat(self.created_at)
            job.processing_time_seconds = round(elapsed.total_seconds(), 3)
        return job


class IdempotencyRecordExists(Exception):
    """The key's record was written by another request (the job creation lost the race)."""


class WriteConflict(Exception):
    """DynamoDB cancelled the transaction because another one touched the same items."""


class TransitionRefused(Exception):
    """The job was not in a state this transition may start from."""


class JoinedWriteRefused(Exception):
    """A write made with the job (``create``'s ``joined_writes``, e.g. consuming its upload) failed
    its condition: another request took what it claims first."""


@dataclass(frozen=True)
class JobPage:
    """What one list query read: the jobs (none for a capability's list, whose items are markers),
    the ids of the jobs listed, in order, and DynamoDB's count of items read."""

    records: list[JobRecord]
    listed: list[str]
    scanned_count: int
    raw_items: list[dict[str, Any]]


def job_key(tenant_id: str, job_id: str) -> dict[str, Any]:
    """The job item's key, as DynamoDB attribute values."""
    return to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.job_sk(job_id)})


def _versioned_set_clause(fields: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``set_clause`` that also counts the change in the job's ``version``."""
    expression, names, values = set_clause(fields)
    expression += ", #version = if_not_exists(#version, :zero) + :one"
    return expression, {**names, "#version": "version"}, {**values, ":zero": 0, ":one": 1}


def _active_jobs_key(tenant_id: str) -> dict[str, Any]:
    return to_attributes({table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.ACTIVE_JOBS_SK})


def count_active_job(table_name: str, tenant_id: str, ceiling: int) -> TransactItem:
    """One more active job for the tenant; fails the transaction at the ceiling. A counter item
    written with the job, not a Query or Scan of its jobs: the check costs one item whatever the
    tenant has, and the transaction makes count and job agree however requests race."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": _active_jobs_key(tenant_id),
            "UpdateExpression": "SET entity = :entity ADD active_jobs :one",
            "ConditionExpression": "attribute_not_exists(active_jobs) OR active_jobs < :ceiling",
            "ExpressionAttributeValues": to_attributes({":entity": "active_jobs", ":one": 1, ":ceiling": ceiling}),
        }
    }


def uncount_active_job(table_name: str, tenant_id: str) -> TransactItem:
    """One active job fewer: written with the job's one move to a terminal state."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": _active_jobs_key(tenant_id),
            "UpdateExpression": "ADD active_jobs :minus_one",
            "ExpressionAttributeValues": to_attributes({":minus_one": -1}),
        }
    }


# Content records read per reuse decision: the newest few jobs on one content.
CONTENT_SOURCES_READ = 10


def content_record(table_name: str, record: JobRecord, content_hash: str, computed: list[str]) -> TransactItem:
    """The Put of a completing job's content record: what it computed, with which options."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": to_attributes(
                {
                    table.PARTITION_KEY: table.tenant_pk(record.tenant_id),
                    table.SORT_KEY: table.content_sk(content_hash, record.job_id),
                    "entity": "content",
                    "job_id": record.job_id,
                    "computed": computed,
                    "options": {name: record.options.get(name, {}) for name in computed},
                }
            ),
        }
    }


def job_item(record: JobRecord) -> dict[str, Any]:
    """The stored form of a job: its fields plus the base-table and status-index keys."""
    return {
        table.PARTITION_KEY: table.tenant_pk(record.tenant_id),
        table.SORT_KEY: table.job_sk(record.job_id),
        table.STATUS_INDEX.partition_key: table.status_pk(record.tenant_id, record.status),
        table.STATUS_INDEX.sort_key: table.job_sk(record.job_id),
        "entity": "job",
        **record.model_dump(mode="json", exclude_none=True),
    }


def capability_markers(record: JobRecord) -> list[dict[str, Any]]:
    """The keys of the job's place in each of its capabilities' lists (``table.capability_pk``)."""
    return [
        to_attributes(
            {
                table.PARTITION_KEY: table.capability_pk(record.tenant_id, name),
                table.SORT_KEY: table.job_sk(record.job_id),
            }
        )
        for name in sorted(set(record.capabilities))
    ]


def capability_marker_items(record: JobRecord) -> list[dict[str, Any]]:
    """The markers themselves, as stored (DynamoDB attribute values)."""
    return [{**key, "entity": {"S": "capability_marker"}} for key in capability_markers(record)]


# DynamoDB's BatchGetItem reads at most 100 keys per call; a list page asks for at most LIST_MAX_LIMIT.
_BATCH_GET_KEYS = 100


class JobsRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @property
    def table_name(self) -> str:
        return self._table

    def create(
        self,
        record: JobRecord,
        *,
        idempotency_put: TransactItem | None,
        now: datetime,
        active_jobs_ceiling: int | None = None,
        joined_writes: Sequence[TransactItem] = (),
    ) -> None:
        """Write the job, its credit hold, its place among the tenant's active jobs (when a
        ceiling is given; ``record`` is then marked as counted), ``joined_writes`` (the upload it
        consumes) and (if any) its idempotency record as one transaction."""
        if active_jobs_ceiling is not None:
            record.counts_as_active = True
        items: list[TransactItem] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_attributes(job_item(record)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            *credits.hold(self._table, record.tenant_id, record.job_id, record.credits_held, now),
        ]
        # Written with the job, so a job is in its capabilities' lists exactly when it exists.
        items += [{"Put": {"TableName": self._table, "Item": item}} for item in capability_marker_items(record)]
        counter_index = len(items)
        if active_jobs_ceiling is not None:
            items.append(count_active_job(self._table, record.tenant_id, active_jobs_ceiling))
        joined_index = len(items)
        items += joined_writes
        if idempotency_put is not None:
            items.append(idempotency_put)
        try:
            self._client.transact_write_items(TransactItems=items)
        except self._client.exceptions.TransactionCanceledException as exc:
            codes = cancellation_codes(exc)
            if idempotency_put is not None and codes[-1:] == ["ConditionalCheckFailed"]:
                raise IdempotencyRecordExists from exc
            if "TransactionConflict" in codes:
                raise WriteConflict from exc
            if "ConditionalCheckFailed" in codes[joined_index : joined_index + len(joined_writes)]:
                raise JoinedWriteRefused from exc
            if active_jobs_ceiling is not None and codes[counter_index : counter_index + 1] == [
                "ConditionalCheckFailed"
            ]:
                raise TooManyActiveJobs(
                    f"this account already has {active_jobs_ceiling} jobs pending or processing, as many as"
                    " its plan allows; retry when one of them has ended",
                    [
                        {
                            "field": "active_jobs",
                            "location": "account",
                            "message": f"at most {active_jobs_ceiling} jobs may be pending or processing at once",
                        }
                    ],
                ) from exc
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise InsufficientCredits(
                    f"this job needs {record.credits_held} credits; the balance is lower"
                ) from exc
            raise

    def active_jobs(self, tenant_id: str) -> int:
        """How many of the tenant's (counted) jobs are pending or processing."""
        response = self._client.get_item(TableName=self._table, Key=_active_jobs_key(tenant_id), ConsistentRead=True)
        return int(from_attributes(response.get("Item", {})).get("active_jobs", 0))

    def failed_compute_seconds(self, tenant_id: str, now: datetime) -> int:
        """The seconds the tenant's failures ran in ``now``'s UTC day (vidscope.tenancy.failed_compute)."""
        response = self._client.get_item(
            TableName=self._table, Key=failed_compute.counter_key(tenant_id, now), ConsistentRead=True
        )
        return failed_compute.seconds_spent(from_attributes(response["Item"]) if "Item" in response else None)

    def get(self, tenant_id: str, job_id: str) -> JobRecord | None:
        response = self._client.get_item(TableName=self._table, Key=job_key(tenant_id, job_id), ConsistentRead=True)
        return JobRecord.model_validate(from_attributes(response["Item"])) if "Item" in response else None

    def content_sources(self, tenant_id: str, content_hash: str) -> list[dict[str, Any]]:
        """The content records of the tenant's completed jobs on this content, newest first (at
        most ``CONTENT_SOURCES_READ``): {job_id, computed, options}."""
        answer = self._client.query(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames={"#pk": table.PARTITION_KEY, "#sk": table.SORT_KEY},
            ExpressionAttributeValues=to_attributes(
                {":pk": table.tenant_pk(tenant_id), ":prefix": table.content_sk(content_hash, "")}
            ),
            ScanIndexForward=False,
            Limit=CONTENT_SOURCES_READ,
            ConsistentRead=True,
        )
        return [from_attributes(item) for item in answer.get("Items", [])]

    def get_idempotency_record(self, tenant_id: str, digest: str) -> idempotency.IdempotencyRecord | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attributes(
                {table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.idempotency_sk(digest)}
            ),
            ConsistentRead=True,
        )
        return idempotency.record_from_item(from_attributes(response["Item"])) if "Item" in response else None

    def query(
        self,
        tenant_id: str,
        *,
        status: JobStatus | None,
        sk_from: str,
        sk_to: str,
        start_after_job_id: str | None,
        limit: int,
        capability: str | None = None,
    ) -> JobPage:
        """Newest first, at most ``limit`` items read; only key conditions, so nothing read is
        thrown away. A status filter reads the status index instead of the base table; a
        capability filter reads the capability's markers (``table.capability_pk``), which list
        the jobs without holding them: ``get_many`` fetches those by key."""
        if capability is not None:
            pk_name, pk_value, sk_name = table.PARTITION_KEY, table.capability_pk(tenant_id, capability), table.SORT_KEY
        elif status is None:
            pk_name, pk_value, sk_name = table.PARTITION_KEY, table.tenant_pk(tenant_id), table.SORT_KEY
        else:
            index = table.STATUS_INDEX
            pk_name, pk_value, sk_name = index.partition_key, table.status_pk(tenant_id, status), index.sort_key
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :from AND :to",
            "ExpressionAttributeNames": {"#pk": pk_name, "#sk": sk_name},
            "ExpressionAttributeValues": to_attributes({":pk": pk_value, ":from": sk_from, ":to": sk_to}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if status is not None and capability is None:
            kwargs["IndexName"] = table.STATUS_INDEX.name
        if start_after_job_id is not None:
            # The base table's key, and the index's where an index is read.
            start = {table.PARTITION_KEY: table.tenant_pk(tenant_id), table.SORT_KEY: table.job_sk(start_after_job_id)}
            kwargs["ExclusiveStartKey"] = to_attributes({**start, pk_name: pk_value, sk_name: start[table.SORT_KEY]})
        response = self._client.query(**kwargs)
        items = [from_attributes(i) for i in response["Items"]]
        return JobPage(
            records=[] if capability is not None else [JobRecord.model_validate(i) for i in items],
            listed=[str(i[sk_name]).removeprefix(table.JOB_SK_PREFIX) for i in items],
            scanned_count=int(response["ScannedCount"]),
            raw_items=response["Items"],
        )

    def get_many(self, tenant_id: str, job_ids: Sequence[str]) -> list[JobRecord]:
        """The tenant's jobs ``job_ids`` by key (BatchGetItem), in that order; one deleted since
        it was listed is left out."""
        found: dict[str, JobRecord] = {}
        for start in range(0, len(job_ids), _BATCH_GET_KEYS):
            request: dict[str, Any] = {
                self._table: {"Keys": [job_key(tenant_id, j) for j in job_ids[start : start + _BATCH_GET_KEYS]]}
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    record = JobRecord.model_validate(from_attributes(item))
                    found[record.job_id] = record
                request = answer.get("UnprocessedKeys") or {}
        return [found[j] for j in job_ids if j in found]

    def transition(
        self,
        record: JobRecord,
        *,
        to_status: JobStatus,
        allowed_from: frozenset[JobStatus],
        now: datetime,
        extra_items: Sequence[TransactItem] = (),
        set_fields: dict[str, Any] | None = None,
    ) -> JobRecord:
        """Move a job to ``to_status`` only if it is in ``allowed_from`` and still holds the
        credits ``record`` holds (the credit movements in ``extra_items`` are computed from them,
        and ingestion may raise the hold meanwhile), in one transaction. ``TransitionRefused``
        otherwise: the caller reads the job again and decides."""
        fields = {"status": to_status.value, "updated_at": iso_ms(now), **(set_fields or {})}
        if to_status.is_terminal:
            fields.setdefault("completed_at", iso_ms(now))
        fields[table.STATUS_INDEX.partition_key] = table.status_pk(record.tenant_id, to_status)
        expression, names, values = _versioned_set_clause(fields)
        allowed = {f":from{i}": s.value for i, s in enumerate(sorted(allowed_from))}
        update = {
            "Update": {
                "TableName": self._table,
                "Key": job_key(record.tenant_id, record.job_id),
                "UpdateExpression": expression,
                "ConditionExpression": f"#status IN ({', '.join(allowed)}) AND #held = :held",
                "ExpressionAttributeNames": {**names, "#status": "status", "#held": "credits_held"},
                "ExpressionAttributeValues": to_attributes({**values, **allowed, ":held": record.credits_held}),
            }
        }
        ends_counted_job = (
            record.counts_as_active and to_status.is_terminal and not any(s.is_terminal for s in allowed_from)
        )
        if ends_counted_job:  # exactly once: the update's condition lets one such move commit
            extra_items = [*extra_items, uncount_active_job(self._table, record.tenant_id)]
        try:
            self._client.transact_write_items(TransactItems=[update, *extra_items])
        except self._client.exceptions.TransactionCanceledException as exc:
            if cancellation_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                raise TransitionRefused from exc
            raise
        updated = self.get(record.tenant_id, record.job_id)
        assert updated is not None  # it was just written under a condition that it exists
        return updated

    def raise_hold(self, record: JobRecord, price: int, now: datetime) -> JobRecord:
        """Raise a processing job's hold (and its estimate) to ``price``, taking the difference
        from the balance in the same transaction. ``credits.BalanceShort`` when the balance
        cannot cover it; ``TransitionRefused`` when the job is no longer processing or its hold
        changed since ``record`` was read (so two overlapping calls never take the difference twice)."""
        try:
            return self.transition(
                record,
                to_status=JobStatus.PROCESSING,
                allowed_from=frozenset({JobStatus.PROCESSING}),
                now=now,
                extra_items=credits.raise_hold(
                    self._table, record.tenant_id, record.job_id, price - record.credits_held, now
                ),
                set_fields={"credits_held": price, "credits_estimated": price},
            )
        except self._client.exceptions.TransactionCanceledException as exc:
            if cancellation_codes(exc)[1:2] == ["ConditionalCheckFailed"]:
                raise credits.BalanceShort from exc
            raise

    def update_progress(self, tenant_id: str, job_id: str, progress: Progress, now: datetime, **fields: Any) -> None:
        """Record where a processing job is; ``TransitionRefused`` once it is no longer processing
        (cancelled), which is how a stage learns to stop. Progress never moves back: a write for
        an earlier stage than the one recorded (a worker's last percent landing after the next
        stage began) is dropped."""
        expression, names, values = _versioned_set_clause(
            {"progress": progress.model_dump(mode="json"), "updated_at": iso_ms(now), **fields}
        )
        stages = list(Stage)
        not_later = {f":stage{i}": s.value for i, s in enumerate(stages[: stages.index(progress.stage) + 1])}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=job_key(tenant_id, job_id),
                UpdateExpression=expression,
                ConditionExpression=(
                    f"#status = :processing AND (attribute_not_exists(#progress) OR #progress.#stage IN"
                    f" ({', '.join(not_later)}))"
                ),
                ExpressionAttributeNames={**names, "#status": "status", "#progress": "progress", "#stage": "stage"},
                ExpressionAttributeValues=to_attributes(
                    {**values, ":processing": JobStatus.PROCESSING.value, **not_later}
                ),
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            current = self.get(tenant_id, job_id)
            if current is not None and current.status is JobStatus.PROCESSING:
                return  # a later stage has begun: this progress is stale
            raise TransitionRefused from exc

    def record_execution(self, tenant_id: str, job_id: str, execution_arn: str) -> None:
        """Remember the workflow execution running a job, so cancel can stop it."""
        self._client.update_item(
            TableName=self._table,
            Key=job_key(tenant_id, job_id),
            UpdateExpression="SET execution_arn = :arn",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=to_attributes({":arn": execution_arn}),
        )

    def delete(self, record: JobRecord, *, allowed_from: frozenset[JobStatus]) -> None:
        """Remove a job if it is in ``allowed_from``, with its places in its capabilities' lists
        (one transaction: listed exactly while it exists), then its idempotency record if that
        still names this job (after 48 h the key may have made a newer job: its record stays),
        and the records of the uploads it consumed."""
        allowed = {f":s{i}": s.value for i, s in enumerate(sorted(allowed_from))}
        job_delete: TransactItem = {
            "Delete": {
                "TableName": self._table,
                "Key": job_key(record.tenant_id, record.job_id),
                "ConditionExpression": f"#status IN ({', '.join(allowed)})",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_attributes(allowed),
            }
        }
        markers: list[TransactItem] = [
            {"Delete": {"TableName": self._table, "Key": key}} for key in capability_markers(record)
        ]
        try:
            self._client.transact_write_items(TransactItems=[job_delete, *markers])
        except self._client.exceptions.TransactionCanceledException as exc:
            codes = cancellation_codes(exc)
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise TransitionRefused from exc
            if "TransactionConflict" in codes:
                raise WriteConflict from exc
            raise
        for upload_id in record.uploads:
            # Gone already (its TTL) or never consumed is fine.
            self._delete_if_owned(record, table.upload_sk(upload_id))
        if record.content_hash:  # a deleted job is never a source of reused results
            self._delete_if_owned(record, table.content_sk(record.content_hash, record.job_id))
        if record.idempotency_digest:
            # Not in one transaction with the job: a record another job owns must not stop this
            # delete. A failed condition means it is gone already or names a newer job now.
            self._delete_if_owned(record, table.idempotency_sk(record.idempotency_digest))

    def _delete_if_owned(self, record: JobRecord, sort_key: str) -> None:
        """Delete the tenant's item ``sort_key`` only if it names ``record``'s job."""
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.delete_item(
                TableName=self._table,
                Key=to_attributes({table.PARTITION_KEY: table.tenant_pk(record.tenant_id), table.SORT_KEY: sort_key}),
                ConditionExpression="job_id = :job_id",
                ExpressionAttributeValues=to_attributes({":job_id": record.job_id}),
            )
