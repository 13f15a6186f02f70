"""The data-quality domain's scheduled job: every few seconds, queue the tests of tables whose schedule is due.
The scheduler leader only enqueues; workers run them."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from services.core.scheduler import ScheduledJob
from services.quality import schedules

SCHEDULE_JOB_ID = "quality_schedules"
TICK_SECONDS = 15


def tick() -> None:
    """The scheduler's job."""
    schedules.enqueue_due()


def scheduled_jobs() -> list[ScheduledJob]:
    """The schedule tick."""
    return [ScheduledJob(SCHEDULE_JOB_ID, "Data-quality schedules", tick, IntervalTrigger(seconds=TICK_SECONDS))]
