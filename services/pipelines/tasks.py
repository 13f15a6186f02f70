"""The pipelines domain's queue tasks: a run, and one webhook delivery. Workers import this module."""

from __future__ import annotations

from procrastinate import JobContext

from services.core.queue import queue
from services.pipelines import runner, webhooks
from services.pipelines.runs import RUN_QUEUE, RUN_TASK


@queue.task(name=RUN_TASK, queue=RUN_QUEUE, pass_context=True)
def run_pipeline(context: JobContext, job_run_id: str) -> str:
    """Execute one pipeline run."""
    return runner.execute(job_run_id, worker=context.worker_name or "")


@queue.task(name=webhooks.DELIVER_TASK, queue=webhooks.DELIVER_QUEUE)
def deliver_webhook(delivery_id: int) -> str:
    """Send one run summary to its webhook."""
    return webhooks.deliver(delivery_id)
