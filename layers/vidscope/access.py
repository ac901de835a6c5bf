"""What a function may touch, by name: the function list (``vidscope.functions``) and the
capabilities (``vidscope.capabilities``) declare it, CDK turns each into the narrowest grant."""

from __future__ import annotations

from enum import StrEnum


class Access(StrEnum):
    """What a function may touch; CDK turns each into the narrowest grant that allows it."""

    # Each is exercised by some recorded call of every function that holds it:
    # tests/infra/test_iam_conformance.py fails on one that no call needs.
    RATE_LIMIT = "ratelimit"  # read and count the caller's rate-limit windows (every API route)
    AUTHENTICATE = "authenticate"  # read API-key and tenant items
    READ_JOBS = "jobs:read"  # GetItem in the tenant's partition
    QUERY_JOBS = "jobs:query"  # Query the tenant's partition and the status index (lists)
    FETCH_JOBS = "jobs:fetch"  # BatchGetItem the tenant's jobs that a list names (a list page, a result's)
    PUT_JOBS = "jobs:put"  # put items in the tenant's partition: jobs, credit holds, ledger, idempotency records
    UPDATE_JOBS = "jobs:update"  # update items in the tenant's partition (status, progress, balances)
    DELETE_JOBS = "jobs:delete"  # delete items in the tenant's partition
    # The tenant's fingerprint index (FPRINT# partitions, vidscope.fingerprints.index): looked up
    # and added to by the fingerprint analysis (which also takes back what it added when its job
    # was deleted meanwhile), and removed with a deleted job.
    MATCH_FINGERPRINTS = "fingerprints:match"  # Query the key buckets, BatchGetItem the candidates' prints
    STORE_FINGERPRINTS = "fingerprints:store"  # BatchWriteItem the key entries and the print
    REMOVE_FINGERPRINTS = "fingerprints:remove"  # GetItem the print, BatchWriteItem its deletions
    # Query the tenant's partition (content records: the reuse decision), never the status index.
    FIND_REUSABLE = "jobs:content"
    CHECK_JOBS = "jobs:check"  # a transaction's ConditionCheck on an item in the tenant's partition
    # Objects: downloaded media (media/, which ingestion, the parser of hostile input, writes)
    # apart from results (tenants/), so no role holds both without needing both.
    DELETE_MEDIA = "media:delete"  # delete (and list) anything under media/
    DELETE_RESULTS = "results:delete"  # delete (and list) anything under tenants/
    START_WORKFLOW = "workflow:start"
    STOP_WORKFLOW = "workflow:stop"
    READ_MEDIA = "media:read"  # read a job's downloaded media object (media/…/source*)
    WRITE_MEDIA = "media:write"  # store a job's downloaded media object (media/…/source*)
    READ_RESULTS = "results:read"  # read objects under tenants/ (transcripts, analyses, results)
    WRITE_RESULTS = "results:write"  # store objects under tenants/
    # What the stages hand on until merging keeps it (media/…/stage/*: the worker's transcript,
    # each analysis's result), apart from the download so ingestion can write neither.
    READ_STAGED = "stage-output:read"
    WRITE_STAGED = "stage-output:write"
    # Files clients upload for their jobs (uploads/), written only through presigned URLs: the
    # signer must hold the write, create_job and ingestion read them, and a job's deletion
    # deletes the one it was made from.
    WRITE_UPLOADS = "uploads:write"
    READ_UPLOADS = "uploads:read"
    DELETE_UPLOADS = "uploads:delete"
    TASK_CALLBACK = "workflow:callback"  # states:SendTaskSuccess/Failure/Heartbeat
    INVOKE_MODEL = "bedrock:invoke"
    TRANSLATE = "translate:text"  # translate:TranslateText (the translation capability's cloud engine)
    READ_JOB_CHANGES = "jobs:stream"  # the table's change stream
    PUT_EVENTS = "events:put"  # events:PutEvents on the Vidscope bus
    QUEUE_WEBHOOKS = "webhooks:queue"  # sqs:SendMessage to the webhook queue
    PARK_WEBHOOKS = "webhooks:park"  # sqs:SendMessage to the webhook DLQ (deliveries that exhausted the schedule)
    CONSUME_WEBHOOKS = "webhooks:consume"  # the webhook queue as an event source
    READ_WEBHOOK_SECRETS = "webhook-secrets:read"
    READ_CURSOR_SECRET = "cursor-secret:read"  # noqa: S105 - a permission name: read the cursor-signing key
