"""The data-quality domain's queue task: one run of a table's tests. Workers import this module."""

from __future__ import annotations

from services.core.queue import queue
from services.quality import runs


@queue.task(name=runs.RUN_TASK, queue=runs.RUN_QUEUE)
def run_table_tests(dq_run_id: str) -> str:
    """Run one queued data-quality run."""
    return runs.execute(dq_run_id)
