"""Webhook queue consumer: one delivery attempt per message, the batch's attempts side by side,
partial batch failures reported through Powertools' batch processor (a message whose handling
raised is retried by SQS).

Attempts run at once, each in a thread of its own under its own deadline, so a receiver that
answers slowly (or trickles its answer) costs only its own attempt: every other message of the
batch, whoever's it is, is delivered in its own time, and the batch ends with the slowest
attempt's deadline instead of the sum of them.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies
from vidscope.functions import function
from vidscope.observability import logger, metrics, traced_handler

processor = AsyncBatchProcessor(event_type=EventType.SQS)
_event_source = function("dispatch_webhooks").event_source
assert _event_source is not None
# One thread per message of the largest batch: no attempt waits for another to free a thread.
_attempts = ThreadPoolExecutor(max_workers=_event_source.batch_size, thread_name_prefix="webhook-attempt")


async def record_handler(record: SQSRecord) -> None:
    # Taken on the event loop's thread, so the attempt threads never race to build it.
    dispatcher = dependencies.webhook_dispatcher()
    await asyncio.get_running_loop().run_in_executor(_attempts, dispatcher.handle_message, record.body)


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return async_process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
