"""The runtime's queue task: the nightly backup. Workers import this module."""

from __future__ import annotations

from services.core.queue import queue
from services.runtime import backup


@queue.task(name=backup.BACKUP_TASK, queue=backup.BACKUP_QUEUE)
def run_nightly_backup() -> str:
    """One backup into WORKBENCH_BACKUP_DIR, pruned to WORKBENCH_BACKUP_KEEP."""
    return backup.nightly_backup()
