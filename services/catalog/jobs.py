"""The catalog's scheduled job: a sync every WORKBENCH_CATALOG_SYNC_MINUTES (0 turns it off), first at start."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from services.catalog import sync
from services.core.config import settings
from services.core.scheduler import ScheduledJob

SYNC_JOB_ID = "catalog_sync"


def scheduled_jobs() -> list[ScheduledJob]:
    """The catalog sync on its interval, or switched off."""
    minutes = settings().catalog_sync_minutes
    trigger = IntervalTrigger(minutes=minutes) if minutes else None
    return [ScheduledJob(SYNC_JOB_ID, "Catalog sync", sync.scheduled_sync, trigger, run_at_start=True)]
