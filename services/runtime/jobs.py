"""Every domain's scheduled jobs, gathered in one place. A domain with jobs adds its `scheduled_jobs` here."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from services.activity import jobs as activity_jobs
from services.catalog import jobs as catalog_jobs
from services.core.config import settings
from services.core.scheduler import ScheduledJob
from services.pipelines import jobs as pipeline_jobs
from services.quality import jobs as quality_jobs
from services.runtime import backup, recovery


def scheduled_jobs() -> list[ScheduledJob]:
    """All jobs, read from the current settings."""
    return [*catalog_jobs.scheduled_jobs(), *pipeline_jobs.scheduled_jobs(), *quality_jobs.scheduled_jobs(),
            *activity_jobs.scheduled_jobs(), _nightly_backup(),
            ScheduledJob(recovery.RECOVERY_JOB_ID, "Jobs of stopped workers", recovery.recover_stalled_jobs,
                         IntervalTrigger(seconds=recovery.RECOVERY_EVERY_S))]


def _nightly_backup() -> ScheduledJob:
    """A backup at WORKBENCH_BACKUP_CRON (server time) when WORKBENCH_BACKUP_DIR is set; off otherwise."""
    folder, cron = settings().backup_dir, settings().backup_cron
    trigger = CronTrigger.from_crontab(cron) if folder is not None else None
    return ScheduledJob(backup.BACKUP_JOB_ID, "Nightly backup", backup.scheduled_backup, trigger)
