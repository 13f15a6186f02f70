"""The scheduler: APScheduler with its job store in Postgres, one leader per deployment.

It decides *when*, never *what*: domains describe their jobs as `ScheduledJob`s (see
`services/catalog/jobs.py`), `services/runtime/jobs.py` gathers them, and every app process starts a
`Scheduler` with that list. The process holding a Postgres advisory lock runs the jobs; the others wait
and take over if the leader goes away. Jobs are kept as references to module-level functions in
ip_workbench.scheduler_jobs, so they survive restarts."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from services.core import db

LEADER_LOCK = 7_231_002
log = logging.getLogger("workbench.scheduler")


@dataclass(frozen=True)
class ScheduledJob:
    """One job a domain contributes: a stable id, a name for people, a module-level function and when.

    `trigger` None means the job is switched off: a schedule stored by an earlier start is removed."""

    id: str
    name: str
    func: Callable[[], object]
    trigger: BaseTrigger | None
    run_at_start: bool = False


JobSource = Callable[[], Sequence[ScheduledJob]]


class Scheduler:
    """Leader election plus an APScheduler BackgroundScheduler once this process leads."""

    def __init__(self, jobs: JobSource, retry_seconds: float = 30.0, lock_key: int = LEADER_LOCK,
                 check_seconds: float = 5.0) -> None:
        """`jobs` is asked for the job list when this process takes the lead (so settings read then apply).

        A leader checks its lock's connection every `check_seconds`: a lock whose session died (Postgres
        restarted, the connection was cut) is no longer held, so the leader stops its jobs and competes
        again, and two processes never run the jobs at once for longer than that interval."""
        self._jobs = jobs
        self._retry = retry_seconds
        self._check = check_seconds
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

    def _still_holds_lock(self) -> bool:
        """True while the session that took the advisory lock is alive (the lock lives as long as it)."""
        try:
            self._lock_conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._lock_conn is None:
                    if self._try_lead():
                        self._start_jobs()
                elif not self._still_holds_lock():
                    log.warning("scheduler: the leader lock's session is gone; stopping jobs and competing again")
                    self._step_down()
                    continue
            except Exception:  # the database may be restarting, or a setting is bad; try again later
                log.exception("scheduler: could not take the lead")
                self._step_down()
            self._stop.wait(self._check if self._lock_conn is not None else self._retry)

    def _start_jobs(self) -> None:
        jobs = list(self._jobs())
        store = SQLAlchemyJobStore(url=db.sqlalchemy_url(), tablename="scheduler_jobs", tableschema="ip_workbench")
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC,
                                        job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 600})
        scheduler.start()
        for job in jobs:
            if job.trigger is None:
                with contextlib.suppress(Exception):
                    scheduler.remove_job(job.id)
                continue
            # Replacing the job on each start applies a changed trigger.
            scheduler.add_job(job.func, job.trigger, id=job.id, name=job.name, replace_existing=True,
                              **({"next_run_time": datetime.now(UTC)} if job.run_at_start else {}))
            log.info("scheduler: %s (%s)", job.name, job.trigger)
        self._scheduler = scheduler
        log.info("scheduler: leading")

    def stop(self) -> None:
        """Stop jobs and give up the lead."""
        self._stop.set()
        self._step_down()

    def _step_down(self) -> None:
        if self._scheduler is not None:
            with contextlib.suppress(Exception):
                self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self._release()

    def _release(self) -> None:
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
