"""The scheduler: APScheduler with its job store in Postgres, one leader per deployment.

Every app process starts a `Scheduler`; the one that holds a Postgres advisory lock runs the jobs,
the others wait and take over if the leader goes away. Jobs are references to service functions, so
they survive restarts in ip_workbench.scheduler_jobs."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from datetime import UTC, datetime

import psycopg

from services import db

LEADER_LOCK = 7_231_002
CATALOG_SYNC_JOB = "catalog_sync"
log = logging.getLogger("workbench.scheduler")


def catalog_sync_minutes() -> float:
    """Minutes between scheduled catalog syncs (WORKBENCH_CATALOG_SYNC_MINUTES, default 60; 0 turns it off)."""
    raw = os.environ.get("WORKBENCH_CATALOG_SYNC_MINUTES", "").strip()
    try:
        minutes = float(raw) if raw else 60.0
    except ValueError as exc:
        raise ValueError(f"WORKBENCH_CATALOG_SYNC_MINUTES must be a number, got {raw!r}") from exc
    if minutes < 0:
        raise ValueError("WORKBENCH_CATALOG_SYNC_MINUTES cannot be negative")
    return minutes


class Scheduler:
    """Leader election plus an APScheduler BackgroundScheduler once this process leads."""

    def __init__(self, retry_seconds: float = 30.0, lock_key: int = LEADER_LOCK) -> None:
        self._retry = retry_seconds
        self._lock_key = lock_key
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_conn: psycopg.Connection | None = None
        self._scheduler = None

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Begin trying to lead, in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="workbench-scheduler", daemon=True)
        self._thread.start()

    def _try_lead(self) -> bool:
        conn = psycopg.connect(db.database_url(), autocommit=True)
        if conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key,)).fetchone()[0]:
            self._lock_conn = conn
            return True
        conn.close()
        return False

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._try_lead():
                    self._start_jobs()
                    return
            except Exception:  # the database may be restarting; try again later
                log.exception("scheduler: could not take the lead")
            self._stop.wait(self._retry)

    def _start_jobs(self) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        store = SQLAlchemyJobStore(url=db.sqlalchemy_url(), tablename="scheduler_jobs", tableschema="ip_workbench")
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC,
                                        job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 600})
        scheduler.start()
        minutes = catalog_sync_minutes()
        if minutes:
            # Replacing the job on each start applies a changed interval; the first run is now (sync at start).
            scheduler.add_job("services.catalog_sync:scheduled_sync", "interval", minutes=minutes,
                              id=CATALOG_SYNC_JOB, name="Catalog sync", replace_existing=True,
                              next_run_time=datetime.now(UTC))
        else:
            with contextlib.suppress(Exception):
                scheduler.remove_job(CATALOG_SYNC_JOB)
        self._scheduler = scheduler
        log.info("scheduler: leading; catalog sync every %s min", minutes or "— (off)")

    def stop(self) -> None:
        """Stop jobs and give up the lead."""
        self._stop.set()
        if self._scheduler is not None:
            with contextlib.suppress(Exception):
                self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):
                self._lock_conn.close()
            self._lock_conn = None


def next_run(job_id: str) -> datetime | None:
    """When a scheduled job runs next, read from the job store (any process can ask)."""
    with db.connection() as conn:
        row = conn.execute("SELECT next_run_time FROM ip_workbench.scheduler_jobs WHERE id = %s",
                           (job_id,)).fetchone()
    return datetime.fromtimestamp(row[0], UTC) if row and row[0] is not None else None
