"""Runs as people see and steer them: start (page, CLI, API, schedule), list, read with per-node detail,
cancel, retry by hand. A run is a row in ip_workbench.job_runs plus a job on the task queue, written in
one transaction; the worker that picks the job up does the work (`runner`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.core import db
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.queue import enqueue
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.pipelines import store
from services.pipelines.store import Pipeline

RUN_TASK = "pipelines.run"
RUN_QUEUE = "pipelines"
FINISHED = ("completed", "failed", "blocked", "cancelled")


@dataclass(frozen=True)
class NodeRun:
    id: str
    label: str
    target: str | None
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    rows: int | None
    rejected: int | None
    logs: str
    error: str | None
    sqlstate: str | None
    position: int | None


@dataclass(frozen=True)
class Run:
    id: str
    pipeline_id: str
    pipeline_name: str
    status: str
    trigger: str
    triggered_by: str | None
    attempt: int
    retry_of: str | None
    created_at: datetime
    run_after: datetime
    started_at: datetime | None
    completed_at: datetime | None
    rows_processed: int | None
    error: str | None
    logs: str
    worker: str | None
    nodes: list[NodeRun] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        """Wall time of a run that started."""
        if self.started_at is None:
            return None
        end = self.completed_at or datetime.now(self.started_at.tzinfo)
        return (end - self.started_at).total_seconds()


_RUN = """
SELECT r.id::text, r.pipeline_id::text, p.name, r.status, r.trigger, u.email, r.attempt, r.retry_of::text,
       r.created_at, r.run_after, r.started_at, r.completed_at, r.rows_processed, r.error_message,
       coalesce(r.logs, ''), r.worker
FROM ip_workbench.job_runs r JOIN ip_workbench.pipelines p ON p.id = r.pipeline_id
LEFT JOIN ip_workbench.users u ON u.id = r.triggered_by
"""


def create_run(conn: psycopg.Connection, pipeline: Pipeline, *, trigger: str, actor_id: str | None,
               attempt: int = 1, retry_of: str | None = None, delay_s: float = 0.0) -> str:
    """Insert a pending run with the pipeline's definition as of now and queue it (one transaction)."""
    run_id = conn.execute(
        "INSERT INTO ip_workbench.job_runs (pipeline_id, status, trigger, triggered_by, attempt, retry_of,"
        " definition, run_after, logs) VALUES (%s, 'pending', %s, %s, %s, %s, %s,"
        " now() + make_interval(secs => %s), '') RETURNING id::text",
        (pipeline.id, trigger, actor_id, attempt, retry_of, Jsonb(pipeline.definition.to_json()), delay_s)
    ).fetchone()[0]
    job_id = enqueue(conn, RUN_TASK, queue_name=RUN_QUEUE, delay_s=delay_s, job_run_id=run_id)
    conn.execute("UPDATE ip_workbench.job_runs SET queue_job_id = %s WHERE id = %s", (job_id, run_id))
    return run_id


def start(actor: Any, name_or_id: str, *, trigger: str = "manual", client_address: str | None = None) -> Run:
    """Queue a run now (Schedule Pipelines: engineers, admins, service keys); answers at once, status pending."""
    authorize(actor, Permission.SCHEDULE_PIPELINES, client_address=client_address)
    with db.connection() as conn:
        pipeline = store.find(conn, name_or_id)
        if not pipeline.valid:
            raise Conflict(f"Pipeline {pipeline.name!r} failed validation when last saved; fix and save it first.")
        run_id = create_run(conn, pipeline, trigger=trigger, actor_id=actor.id)
        audit.record(action="pipeline_run_started", actor=actor, target=f"pipeline:{pipeline.name}",
                     client_address=client_address, conn=conn, details={"job_run_id": run_id, "trigger": trigger})
    return get(actor, run_id)


def _run_id(text: str) -> str:
    try:
        return str(uuid.UUID(str(text).strip()))
    except ValueError:
        raise InvalidInput(f"{text!r} is not a run id.") from None


def _nodes(conn: psycopg.Connection, run_id: str) -> list[NodeRun]:
    rows = conn.execute(
        "SELECT node_id, label, target, status, started_at, completed_at, rows, rejected, logs, error_message,"
        " sqlstate, position FROM ip_workbench.job_run_nodes WHERE job_run_id = %s"
        " ORDER BY started_at NULLS LAST, node_id", (run_id,)).fetchall()
    return [NodeRun(*row) for row in rows]


def read(conn: psycopg.Connection, run_id: str) -> Run:
    """One run with its nodes (no permission check: for services that already made it)."""
    row = conn.execute(_RUN + " WHERE r.id = %s", (_run_id(run_id),)).fetchone()
    if row is None:
        raise NotFound(f"There is no run {run_id}.")
    return Run(*row, nodes=_nodes(conn, row[0]))


def get(actor: Any, run_id: str) -> Run:
    """One run with per-node detail (View Job Logs)."""
    authorize(actor, Permission.VIEW_JOB_LOGS)
    with db.connection() as conn:
        return read(conn, run_id)


def list_runs(actor: Any, name_or_id: str | None = None, *, limit: int = 50, status: str | None = None
              ) -> list[Run]:
    """Newest runs first, of one pipeline or all (View Job Logs)."""
    authorize(actor, Permission.VIEW_JOB_LOGS)
    limit = max(1, min(int(limit), 500))
    with db.connection() as conn:
        where, params = [], []
        if name_or_id:
            where.append("r.pipeline_id = %s")
            params.append(store.find(conn, name_or_id).id)
        if status:
            where.append("r.status = %s")
            params.append(status)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        rows = conn.execute(_RUN + clause + " ORDER BY r.created_at DESC LIMIT %s", (*params, limit)).fetchall()
    return [Run(*row) for row in rows]


def cancel(actor: Any, run_id: str, *, client_address: str | None = None) -> Run:
    """Ask a run to stop: a pending run is cancelled at once, a running one within two seconds."""
    authorize(actor, Permission.SCHEDULE_PIPELINES, client_address=client_address)
    with db.connection() as conn:
        run = read(conn, run_id)
        if run.status in FINISHED:
            raise Conflict(f"The run already ended ({run.status}).")
        conn.execute("UPDATE ip_workbench.job_runs SET cancel_requested = true,"
                     " status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,"
                     " completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END"
                     " WHERE id = %s", (run.id,))
        audit.record(action="pipeline_run_cancelled", actor=actor, target=f"pipeline:{run.pipeline_name}",
                     client_address=client_address, conn=conn, details={"job_run_id": run.id})
    return get(actor, run.id)


def retry(actor: Any, run_id: str, *, client_address: str | None = None) -> Run:
    """Run a failed, blocked or cancelled run's pipeline again (Retry Failed Jobs)."""
    authorize(actor, Permission.RETRY_FAILED_JOBS, client_address=client_address)
    with db.connection() as conn:
        run = read(conn, run_id)
        if run.status not in ("failed", "blocked", "cancelled"):
            raise Conflict(f"Only failed, blocked or cancelled runs are retried; this one is {run.status}.")
        pipeline = store.find(conn, run.pipeline_id)
        if not pipeline.valid:
            raise Conflict(f"Pipeline {pipeline.name!r} failed validation when last saved; fix and save it first.")
        new_id = create_run(conn, pipeline, trigger="manual", actor_id=actor.id, retry_of=run.id)
        audit.record(action="pipeline_run_retried", actor=actor, target=f"pipeline:{pipeline.name}",
                     client_address=client_address, conn=conn, details={"job_run_id": new_id, "retry_of": run.id})
    return get(actor, new_id)


def is_blocked(conn: psycopg.Connection, pipeline_id: str) -> bool:
    """The pipeline's latest run is blocked (it waits for a person to retry it)."""
    row = conn.execute("SELECT status FROM ip_workbench.job_runs WHERE pipeline_id = %s"
                       " ORDER BY created_at DESC LIMIT 1", (pipeline_id,)).fetchone()
    return bool(row and row[0] == "blocked")
