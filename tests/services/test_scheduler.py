"""The scheduler: one leader per database, jobs kept in Postgres, the catalog sync on a schedule."""

from __future__ import annotations

import time

import pytest

from services.catalog import jobs as catalog_jobs
from services.catalog import sync as catalog_sync
from services.core import db, scheduler
from services.core.config import settings
from services.runtime import health
from services.runtime.jobs import scheduled_jobs
from tests.polling import wait_until

# Apart from the app's own key: a browser-test app may be leading in this session.
TEST_LOCK = scheduler.LEADER_LOCK + 1000


def _wait(condition, seconds: float = 20.0) -> bool:
    return wait_until(condition, seconds)


def _schedule_runs() -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM ip_workbench.catalog_sync_runs WHERE trigger = 'schedule'"
                            " AND status = 'completed'").fetchone()[0]


def test_one_leader_runs_the_catalog_sync_and_hands_over(demo_warehouse, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CATALOG_SYNC_MINUTES", "30")
    before = _schedule_runs()
    first = scheduler.Scheduler(scheduled_jobs, retry_seconds=0.2, lock_key=TEST_LOCK)
    second = scheduler.Scheduler(scheduled_jobs, retry_seconds=0.2, lock_key=TEST_LOCK)
    first.start()
    try:
        assert _wait(lambda: first.is_leader)
        second.start()
        assert _wait(lambda: _schedule_runs() > before), "the first scheduled sync runs at start"
        upcoming = scheduler.next_run(catalog_jobs.SYNC_JOB_ID)
        assert upcoming is not None and 25 * 60 < (upcoming.timestamp() - time.time()) <= 30 * 60
        time.sleep(0.6)
        assert not second.is_leader, "a second process waits while the first leads"
        with db.connection() as conn:
            assert health.scheduler_leaders(conn, TEST_LOCK) == 1  # what /api/ready and /metrics report
        first.stop()
        assert _wait(lambda: second.is_leader), "another process takes over when the leader goes"
    finally:
        first.stop()
        second.stop()


def test_a_leader_whose_lock_session_dies_steps_down_and_one_leader_remains(migrated):
    """The lock lives as long as its session: when Postgres ends that session, the old leader must stop its
    jobs (not lead on, unlocked, beside the process that takes the lock next)."""
    from apscheduler.triggers.interval import IntervalTrigger

    job = scheduler.ScheduledJob("test_noop", "No-op", _noop, IntervalTrigger(hours=5))
    first = scheduler.Scheduler(lambda: [job], retry_seconds=0.2, lock_key=TEST_LOCK, check_seconds=0.2)
    second = scheduler.Scheduler(lambda: [job], retry_seconds=0.2, lock_key=TEST_LOCK, check_seconds=0.2)
    first.start()
    try:
        assert _wait(lambda: first.is_leader)
        second.start()
        with db.connection() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (first._lock_conn.info.backend_pid,))
        time.sleep(1.0)  # five checks: the second has taken the freed lock, or the first took it again
        assert _wait(lambda: first.is_leader != second.is_leader), "exactly one process leads"
        time.sleep(1.0)
        assert first.is_leader != second.is_leader, "and it stays one"
        with db.connection() as conn:
            assert health.scheduler_leaders(conn, TEST_LOCK) == 1
    finally:
        first.stop()
        second.stop()
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.scheduler_jobs WHERE id = 'test_noop'")


def test_zero_minutes_turns_the_schedule_off(demo_warehouse, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CATALOG_SYNC_MINUTES", "0")
    running = scheduler.Scheduler(scheduled_jobs, retry_seconds=0.2, lock_key=TEST_LOCK)
    running.start()
    try:
        assert _wait(lambda: running.is_leader)
        assert scheduler.next_run(catalog_jobs.SYNC_JOB_ID) is None
    finally:
        running.stop()


def test_a_bad_interval_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("WORKBENCH_CATALOG_SYNC_MINUTES", "hourly")
    with pytest.raises(ValueError, match="WORKBENCH_CATALOG_SYNC_MINUTES must be a number"):
        settings()


def test_a_scheduled_sync_while_another_runs_is_skipped(demo_warehouse):
    with db.connection() as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (catalog_sync.SYNC_LOCK,))
        catalog_sync.scheduled_sync()  # returns quietly


def test_the_scheduler_runs_whatever_jobs_it_is_given(migrated):
    """Jobs come from the registry the scheduler is handed; it names no domain itself."""
    from apscheduler.triggers.interval import IntervalTrigger

    job = scheduler.ScheduledJob("test_noop", "No-op", _noop, IntervalTrigger(hours=5))
    running = scheduler.Scheduler(lambda: [job], retry_seconds=0.2, lock_key=TEST_LOCK)
    running.start()
    try:
        assert _wait(lambda: running.is_leader)
        upcoming = scheduler.next_run("test_noop")
        assert upcoming is not None and 4.9 * 3600 < upcoming.timestamp() - time.time() <= 5 * 3600
    finally:
        running.stop()
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.scheduler_jobs WHERE id = 'test_noop'")


def _noop() -> None:
    """A job that does nothing (module level, so the job store can keep a reference to it)."""
