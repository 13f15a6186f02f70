"""The activity domain's scheduled job: compare month-to-date spend with the monthly budgets every 15 minutes."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from services.activity import budgets
from services.core.scheduler import ScheduledJob

BUDGET_JOB_ID = "budget_checks"


def scheduled_jobs() -> list[ScheduledJob]:
    """The budget check."""
    return [ScheduledJob(BUDGET_JOB_ID, "Monthly budget checks", budgets.check_budgets, IntervalTrigger(minutes=15))]
