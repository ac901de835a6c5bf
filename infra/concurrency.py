"""Each Lambda function's reserved concurrency per stage, by its name in vidscope.functions. Apart
from infra.config (which imports CDK) so that the local runtime, which sizes each function's pool
of execution environments by it, needs no CDK."""

from __future__ import annotations

# Reserved concurrency: the most copies of a function that may run at once. A flood of requests
# (or a loop) is throttled at this ceiling instead of running up an unbounded bill, and no one
# function can take the whole account's pool from the others. Reserving takes from that pool
# (1,000 per region by default, of which Lambda keeps 100 unreserved): prod's 390 and dev's 84
# together leave 526 unreserved in an account that holds both stages.
# Sizes: a warm API call takes about 0.1 s, so API Gateway's stage limit (500 requests/s in
# prod, 50 in dev) keeps about 50 (prod) or 5 (dev) copies busy if it all lands on one route:
# the hot routes (submitting, polling a job) get that much, the others less. Pipeline tasks run
# once per job and stage; Step Functions retries a throttled task for about 15 s before the job
# fails, so ingest_media's ceiling is how many jobs may download at once (transcription, at most
# max_gpu_instances at a time, paces the stages after it). The stream publisher needs one copy
# per stream shard; the webhook dispatcher's queue poller is held to its ceiling
# (infra.events), so the queue never meets a throttle.
PROD_FUNCTION_CONCURRENCY = {
    "create_job": 50,
    "create_upload": 25,
    "get_job": 50,
    "list_jobs": 25,
    "get_transcript": 25,
    "get_job_results": 25,
    "cancel_job": 10,
    "delete_job": 10,
    "list_webhook_deliveries": 10,
    "redeliver_webhook": 10,
    "get_account": 10,
    "api_docs": 5,
    "ingest_media": 50,
    "analyze": 40,
    # A render holds 10 GB for minutes (a 10-minute 720p video): ten at once bound what a flood costs.
    "render": 10,
    "merge_results": 20,
    "fail_job": 10,
    "publish_job_events": 10,
    "dispatch_webhooks": 20,
}
DEV_FUNCTION_CONCURRENCY = {
    **{name: 5 for name in PROD_FUNCTION_CONCURRENCY},
    "api_docs": 2,
    "publish_job_events": 2,
}
