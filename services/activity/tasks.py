"""The activity domain's queue task: one alert notification. Workers import this module."""

from __future__ import annotations

from services.activity import event_webhooks, notify
from services.core.queue import queue


@queue.task(name=notify.DELIVER_TASK, queue=notify.DELIVER_QUEUE)
def deliver_alert(delivery_id: int) -> str:
    """Send one alert notification."""
    return notify.deliver(delivery_id)


@queue.task(name=event_webhooks.DELIVER_TASK, queue=event_webhooks.DELIVER_QUEUE)
def deliver_event_webhook(delivery_id: int) -> str:
    """POST one event to a subscribed webhook."""
    return event_webhooks.deliver(delivery_id)
