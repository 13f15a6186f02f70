"""Per-table test schedules (cron in an IANA timezone): set by engineers, admins and service principals; the
scheduler's tick queues the due ones (see jobs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.core import cron, db
from services.core.errors import InvalidInput
from services.core.table_names import resolve_table
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.quality import runs
from services.quality.permissions import authorize_quality_run


@dataclass(frozen=True)
class TableSchedule:
    table: str
    cron: str
    timezone: str
    description: str
    enabled: bool
    next_run_at: datetime | None


def set_schedule(actor: Any, qualified: str, expression: str | None, timezone: str = "UTC", *,
                 client_address: str | None = None) -> TableSchedule | None:
    """Run the table's tests on `expression` (None or empty removes the schedule)."""
    authorize_quality_run(actor, client_address=client_address)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        if not (expression or "").strip():
            conn.execute("DELETE FROM ip_workbench.dq_schedules WHERE table_id = %s", (ref.id,))
            audit.record(action="dq_schedule_removed", actor=actor, target=ref.qualified,
                         client_address=client_address, conn=conn)
            return None
        text = cron.check_cron(expression)
        following = cron.next_run_utc(text, timezone)
        conn.execute(
            "INSERT INTO ip_workbench.dq_schedules (table_id, cron, timezone, next_run_at, updated_by)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (table_id) DO UPDATE SET cron = excluded.cron,"
            " timezone = excluded.timezone, next_run_at = excluded.next_run_at, enabled = true,"
            " updated_by = excluded.updated_by, updated_at = now()", (ref.id, text, timezone, following, actor.id))
        audit.record(action="dq_schedule_set", actor=actor, target=ref.qualified, client_address=client_address,
                     conn=conn, details={"cron": text, "timezone": timezone})
    return TableSchedule(ref.qualified, text, timezone, cron.describe(text), True, following)


def list_schedules(actor: Any) -> list[TableSchedule]:
    """Every table schedule (View Data Quality)."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT t.schema_name || '.' || t.table_name, s.cron, s.timezone, s.enabled, s.next_run_at"
            " FROM ip_workbench.dq_schedules s JOIN ip_workbench.tables t ON t.id = s.table_id ORDER BY 1").fetchall()
    return [TableSchedule(r[0], r[1], r[2], cron.describe(r[1]), r[3], r[4]) for r in rows]


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Queue a run for every due table schedule and move it on (rows taken with SKIP LOCKED); the new run ids."""
    moment = now or datetime.now(UTC)
    queued: list[str] = []
    with db.connection() as conn:
        due = conn.execute(
            "SELECT table_id::text, cron, timezone FROM ip_workbench.dq_schedules WHERE enabled"
            " AND next_run_at <= %s ORDER BY next_run_at FOR UPDATE SKIP LOCKED", (moment,)).fetchall()
        for table_id, expression, timezone in due:
            try:
                following = cron.next_run_utc(expression, timezone, after=moment)
            except InvalidInput:
                following = None
            conn.execute("UPDATE ip_workbench.dq_schedules SET next_run_at = %s WHERE table_id = %s",
                         (following, table_id))
            queued.append(runs.queue_run(conn, table_id, "schedule"))
    return queued
