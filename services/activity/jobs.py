"""The activity domain's scheduled jobs: compare month-to-date spend with the monthly budgets every 15 minutes,
and accrue each table's storage cost once a day (at start too: a repeated day adds nothing)."""

from __future__ import annotations

from datetime import UTC

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from services.activity import budgets, rates
from services.core.scheduler import ScheduledJob

BUDGET_JOB_ID = "budget_checks"
STORAGE_JOB_ID = "storage_costs"


def scheduled_jobs() -> list[ScheduledJob]:
    """The budget check and the daily storage accrual."""
    return [ScheduledJob(BUDGET_JOB_ID, "Monthly budget checks", budgets.check_budgets, IntervalTrigger(minutes=15)),
            ScheduledJob(STORAGE_JOB_ID, "Daily storage costs", rates.accrue_storage,
                         CronTrigger(hour=0, minute=20, timezone=UTC), run_at_start=True)]
