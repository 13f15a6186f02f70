"""Runs of a table's tests: by hand, on the table's schedule, after a pipeline run wrote the table, or as a
pipeline's quality gate. Each is a `dq_runs` row; queued ones go through the worker queue (task
`quality.run_table`), so they survive a closed browser or a restarted app. At the end of a run the SLOs are
checked and the alert events raised (failed tests, the score, SLO breaches)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.activity import alerts, event_webhooks
from services.activity.notify import Event, emit
from services.core import db
from services.core.errors import WorkbenchError
from services.core.queue import enqueue
from services.core.table_names import TableRef, resolve_table
from services.identity.rbac import Permission, authorize
from services.quality import slo
from services.quality.permissions import authorize_quality_run
from services.quality.testing import TableRun, run_tests, table_tests

RUN_TASK = "quality.run_table"
RUN_QUEUE = "quality"
log = logging.getLogger("workbench.quality.runs")


@dataclass(frozen=True)
class RunSummary:
    id: str
    table: str
    trigger: str
    status: str
    score: float | None
    tests_total: int | None
    tests_failed: int | None
    created_at: datetime
    completed_at: datetime | None
    error: str | None
    slo: dict[str, Any] | None
    dimensions: dict[str, float] | None


def queue_run(conn: psycopg.Connection, table_id: str, trigger: str, *, requested_by: str | None = None,
              job_run_id: str | None = None) -> str:
    """Queue a run of the table's tests inside the caller's transaction; returns its id."""
    run_id = conn.execute(
        "INSERT INTO ip_workbench.dq_runs (table_id, trigger, requested_by, job_run_id) VALUES (%s, %s, %s, %s)"
        " RETURNING id::text", (table_id, trigger, requested_by, job_run_id)).fetchone()[0]
    enqueue(conn, RUN_TASK, queue_name=RUN_QUEUE, dq_run_id=run_id)
    return run_id


def request_run(actor: Any, qualified: str, *, client_address: str | None = None) -> str:
    """Queue a run by hand (engineers, admins, service principals); returns the run id."""
    authorize_quality_run(actor, client_address=client_address)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        return queue_run(conn, ref.id, "manual", requested_by=actor.id)


def _start(conn: psycopg.Connection, ref: TableRef, trigger: str, requested_by: str | None,
           job_run_id: str | None) -> str:
    return conn.execute(
        "INSERT INTO ip_workbench.dq_runs (table_id, trigger, status, requested_by, job_run_id, started_at)"
        " VALUES (%s, %s, 'running', %s, %s, now()) RETURNING id::text",
        (ref.id, trigger, requested_by, job_run_id)).fetchone()[0]


def _events(conn: psycopg.Connection, ref: TableRef, run: TableRun) -> None:
    """Raise this run's events; close the in-app alerts of conditions that are over (all tests pass, SLOs met)."""
    link = f"/quality/table?name={ref.qualified}"
    if not run.failed:
        alerts.resolve_alerts(conn, ref.qualified, "%data-quality test% failed on %")
    if not slo.breaches(run.slo):
        alerts.resolve_alerts(conn, ref.qualified, "SLO breached on %")
    if run.failed:
        severity = "error" if any(t.severity == "error" for t in run.failed) else "warning"
        lines = "; ".join(f"{t.name} ({t.message})" for t in run.failed[:10])
        emit(conn, Event("test_failed", ref.qualified, severity,
                         f"{len(run.failed)} data-quality test{'s' if len(run.failed) > 1 else ''} failed on"
                         f" {ref.qualified}", lines, table_id=ref.id, link=link))
        event_webhooks.publish(conn, "dq_test.failed", {
            "table": ref.qualified, "severity": severity, "score": run.score, "link": link,
            "failed": [{"test": t.name, "severity": t.severity, "message": t.message} for t in run.failed[:50]]})
    if run.score is not None:
        emit(conn, Event("score_below", ref.qualified, "warning", f"Data-quality score of {ref.qualified} is"
                         f" {run.score:g}", f"{len(run.failed)} of {len(run.tests)} tests failed.", table_id=ref.id,
                         value=run.score, link=link), in_app=None)
    breached = slo.breaches(run.slo)
    if breached:
        emit(conn, Event("slo_breach", ref.qualified, "warning", f"SLO breached on {ref.qualified}",
                         "; ".join(breached), table_id=ref.id, link=link))


def _finish(run_id: str, ref: TableRef, run: TableRun) -> None:
    with db.connection() as conn:
        run.slo = slo.evaluate(conn, ref, run)
        conn.execute(
            "UPDATE ip_workbench.dq_runs SET status = 'completed', completed_at = now(), score = %s, dimensions = %s,"
            " slo = %s, tests_total = %s, tests_failed = %s WHERE id = %s",
            (run.score, Jsonb(run.dimensions), Jsonb(run.slo), len(run.tests), len(run.failed), run_id))
        _events(conn, ref, run)


def _fail(run_id: str, error: str) -> None:
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.dq_runs SET status = 'failed', completed_at = now(), error = %s"
                     " WHERE id = %s", (error[:2000], run_id))


def fail_abandoned(run_id: str, error: str) -> bool:
    """Fail a run still marked running whose worker died (the queue's recovery calls this); whether it was."""
    with db.connection() as conn:
        return conn.execute("UPDATE ip_workbench.dq_runs SET status = 'failed', completed_at = now(), error = %s"
                            " WHERE id = %s AND status IN ('queued', 'running') RETURNING 1",
                            (error[:2000], run_id)).fetchone() is not None


def _run(run_id: str, ref: TableRef, actor_label: str | None) -> TableRun:
    with db.connection() as conn:
        tests = table_tests(conn, ref)
    try:
        run = run_tests(ref, tests, actor_label=actor_label, run_id=run_id)
    except WorkbenchError as exc:
        _fail(run_id, str(exc))
        raise
    _finish(run_id, ref, run)
    return run


def run_now(ref: TableRef, trigger: str, *, requested_by: str | None = None, job_run_id: str | None = None,
            actor_label: str | None = None) -> TableRun:
    """Run the table's tests in this process (the CLI, a quality gate) with a run record; returns the results."""
    with db.connection() as conn:
        run_id = _start(conn, ref, trigger, requested_by, job_run_id)
    return _run(run_id, ref, actor_label)


def run_table(actor: Any, qualified: str, *, client_address: str | None = None) -> TableRun:
    """Run every test of schema.table now and wait (engineers, admins, service principals)."""
    authorize_quality_run(actor, client_address=client_address)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
    return run_now(ref, "manual", requested_by=actor.id, actor_label=actor.email)


def execute(dq_run_id: str) -> str:
    """The queue task's body: take a queued run and do it; returns its status."""
    with db.connection() as conn:
        row = conn.execute(
            "UPDATE ip_workbench.dq_runs r SET status = 'running', started_at = now() FROM ip_workbench.tables t"
            " WHERE r.id = %s AND r.status = 'queued' AND t.id = r.table_id"
            " RETURNING t.id::text, t.schema_name, t.table_name, r.trigger", (dq_run_id,)).fetchone()
    if row is None:
        return "skipped"
    ref = TableRef(row[0], row[1], row[2])
    try:
        _run(dq_run_id, ref, f"{row[3]} run")
    except WorkbenchError as exc:
        log.info("quality run %s on %s failed: %s", dq_run_id, ref.qualified, exc)
        return "failed"
    return "completed"


_SUMMARY = ("SELECT r.id::text, t.schema_name || '.' || t.table_name, r.trigger, r.status, r.score, r.tests_total,"
            " r.tests_failed, r.created_at, r.completed_at, r.error, r.slo, r.dimensions"
            " FROM ip_workbench.dq_runs r JOIN ip_workbench.tables t ON t.id = r.table_id")


def _summary(row: tuple) -> RunSummary:
    return RunSummary(*row[:4], float(row[4]) if row[4] is not None else None, *row[5:])


def get_run(actor: Any, run_id: str) -> RunSummary | None:
    """One run (View Data Quality)."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        try:
            row = conn.execute(_SUMMARY + " WHERE r.id = %s::uuid", (run_id,)).fetchone()
        except psycopg.errors.InvalidTextRepresentation:
            return None
    return _summary(row) if row else None


def history(actor: Any, qualified: str, *, limit: int = 60) -> list[RunSummary]:
    """A table's runs, oldest first (the score trend) (View Data Quality)."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        rows = conn.execute(_SUMMARY + " WHERE r.table_id = %s ORDER BY r.created_at DESC LIMIT %s",
                            (ref.id, limit)).fetchall()
    return [_summary(row) for row in reversed(rows)]
