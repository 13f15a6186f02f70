"""The task queue: procrastinate on our Postgres (its tables live in schema `procrastinate`).

Domains register their tasks on `queue` (`@queue.task(name=...)`) and enqueue them with `enqueue`,
inside their own transaction, so a run record and its job commit or vanish together. Workers (one in
each app process, more from `workbench worker` on any machine that reaches the database) are started
by `services.runtime.worker`; procrastinate hands each job to exactly one of them."""

from __future__ import annotations

from typing import Any

import procrastinate
import psycopg

QUEUE_SCHEMA = "procrastinate"
SEARCH_PATH = f"{QUEUE_SCHEMA}, public"

# Deferring always goes through the caller's connection, so this connector is never opened.
queue = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def enqueue(conn: psycopg.Connection, task_name: str, *, queue_name: str, delay_s: float = 0.0,
            lock: str | None = None, **arguments: Any) -> int:
    """Defer `task_name` on `queue_name` with `arguments` inside the caller's transaction (the task need not be
    imported here: workers know it); returns the queue's job id."""
    conn.execute(f"SET LOCAL search_path TO {SEARCH_PATH}")
    options: dict[str, Any] = {"connection": conn, "queue": queue_name}
    if delay_s > 0:
        options["schedule_in"] = {"seconds": delay_s}
    if lock:
        options["lock"] = lock
    job_id = queue.configure_task(task_name, **options).defer(**arguments)
    conn.execute("SET LOCAL search_path TO DEFAULT")
    return job_id


def retry_delay_s(attempts: int) -> float:
    """Delay before the next attempt of an outbound delivery after `attempts` failures: 10 s, 20 s, 40 s …
    at most an hour."""
    return float(min(10 * 2 ** max(attempts - 1, 0), 3600))


def worker_connector(database_url: str) -> procrastinate.PsycopgConnector:
    """An async connector for a worker: its own pool, its sessions looking in the queue's schema."""
    return procrastinate.PsycopgConnector(conninfo=database_url,
                                          kwargs={"options": f"-c search_path={SEARCH_PATH.replace(' ', '')}"},
                                          min_size=1, max_size=4)
