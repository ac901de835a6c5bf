"""Per-job webhooks: what is sent and how it is signed and retried (delivery), the attempt log in the
table (attempts), and tenants' signing secrets."""
