"""Job events: the contract with EventBridge subscribers, the publisher from the table's stream, and
how events are routed past the bus."""
