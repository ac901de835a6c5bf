"""Jobs as the API drives them: lifecycle, the job items and their repository, idempotency, credits,
cursors, progress and the stage plan. Nothing here imports the pipeline's steps."""
