"""Table stream consumer: puts an event on the bus for each committed change of a job."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies
from vidscope.events.publisher import stream_records
from vidscope.observability import logger, traced_handler


@logger.inject_lambda_context(clear_state=True)
@traced_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failed = dependencies.event_publisher().publish_stream(stream_records(event.get("Records", [])))
    # ReportBatchItemFailures: Lambda resumes the shard from the first failed record.
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in failed]}
