"""Every domain's scheduled jobs, gathered in one place. A domain with jobs adds its `scheduled_jobs` here."""

from __future__ import annotations

from services.activity import jobs as activity_jobs
from services.catalog import jobs as catalog_jobs
from services.core.scheduler import ScheduledJob
from services.pipelines import jobs as pipeline_jobs
from services.quality import jobs as quality_jobs


def scheduled_jobs() -> list[ScheduledJob]:
    """All jobs, read from the current settings."""
    return [*catalog_jobs.scheduled_jobs(), *pipeline_jobs.scheduled_jobs(), *quality_jobs.scheduled_jobs(),
            *activity_jobs.scheduled_jobs()]
