"""Per-job webhooks: when an answer is retried and how long to wait (retry_policy), signing and
POSTing one attempt (sender), the queue's tasks and the DLQ (delivery_queue), the dispatcher that
makes one attempt per message (dispatcher), redelivery on request (redelivery), the attempt log
in the table (attempts), and tenants' signing secrets (secrets)."""
