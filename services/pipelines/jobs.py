"""The pipelines domain's scheduled job: every few seconds, fail the runs whose worker died and queue a run
of each enabled pipeline whose cron time has come. The scheduler leader only enqueues; workers run. A
pipeline whose latest run is blocked is not started again until a person retries it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.triggers.interval import IntervalTrigger

from services.activity import feed as activity
from services.core import db
from services.core.cron import next_run_utc
from services.core.errors import InvalidInput
from services.core.scheduler import ScheduledJob
from services.pipelines import runner, runs, store

SCHEDULE_JOB_ID = "pipeline_schedules"
TICK_SECONDS = 15
log = logging.getLogger("workbench.pipelines.schedule")


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Queue every due scheduled run (any number of leaders may call it: rows are taken with SKIP LOCKED);
    returns the new run ids."""
    moment = now or datetime.now(UTC)
    started: list[str] = []
    with db.connection() as conn:
        due = conn.execute(
            "SELECT id::text FROM ip_workbench.pipelines WHERE enabled AND valid AND schedule IS NOT NULL"
            " AND next_run_at <= %s ORDER BY next_run_at FOR UPDATE SKIP LOCKED", (moment,)).fetchall()
        for (pipeline_id,) in due:
            pipeline = store.find(conn, pipeline_id)
            try:
                following = next_run_utc(pipeline.schedule, pipeline.timezone, after=moment)
            except InvalidInput:
                following = None
            conn.execute("UPDATE ip_workbench.pipelines SET next_run_at = %s WHERE id = %s", (following, pipeline_id))
            if runs.is_blocked(conn, pipeline_id):
                activity.record(conn, "pipeline_run", f"Pipeline {pipeline.name}: scheduled run skipped (blocked)",
                                status="blocked", link="/pipelines/runs")
                continue
            started.append(runs.create_run(conn, pipeline, trigger="schedule", actor_id=pipeline.owner_id))
    if started:
        log.info("queued %d scheduled pipeline runs", len(started))
    return started


def tick() -> None:
    """The scheduler's job: fail runs whose worker died, then queue the due scheduled runs."""
    try:
        runner.recover_abandoned()
    except Exception:  # the schedule must go on even if recovery cannot run this time
        log.exception("recovering abandoned pipeline runs failed")
    enqueue_due()


def scheduled_jobs() -> list[ScheduledJob]:
    """The schedule tick."""
    return [ScheduledJob(SCHEDULE_JOB_ID, "Pipeline schedules", tick, IntervalTrigger(seconds=TICK_SECONDS))]
