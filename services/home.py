"""Home dashboard: KPI summary and alerts with per-user dismissal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from services import db
from services.auth import require_signed_in
from services.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class Kpis:
    total_tables: int
    total_pipelines: int
    total_agents: int
    avg_dq_score: Decimal | None
    tables_with_dq_score: int


@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    source: str
    message: str
    created_at: datetime


def kpis(actor: Any) -> Kpis:
    """One row of `ip_workbench.kpi_summary`."""
    require_signed_in(actor)
    with db.connection() as conn:
        row = conn.execute(
            "SELECT total_tables, total_pipelines, total_agents, avg_dq_score, tables_with_dq_score"
            " FROM ip_workbench.kpi_summary").fetchone()
    return Kpis(*row)


def open_alerts(actor: Any) -> list[Alert]:
    """Unresolved alerts this user has not dismissed, newest first."""
    require_signed_in(actor)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT a.id::text, a.severity, a.source, a.message, a.created_at FROM ip_workbench.alerts a"
            " WHERE a.resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM ip_workbench.alert_dismissals d"
            "   WHERE d.alert_id = a.id AND d.user_id = %s)"
            " ORDER BY CASE a.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.created_at DESC"
            " LIMIT 20", (actor.id,)).fetchall()
    return [Alert(*row) for row in rows]


def _as_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput("That is not an alert id.") from exc


def dismiss_alert(actor: Any, alert_id: str) -> None:
    """Hide one alert for this user only."""
    require_signed_in(actor)
    with db.connection() as conn:
        exists = conn.execute("SELECT 1 FROM ip_workbench.alerts WHERE id = %s", (_as_uuid(alert_id),)).fetchone()
        if not exists:
            raise NotFound("That alert no longer exists.")
        conn.execute("INSERT INTO ip_workbench.alert_dismissals (alert_id, user_id) VALUES (%s, %s)"
                     " ON CONFLICT DO NOTHING", (alert_id, actor.id))


def raise_alert(conn: Any, severity: str, source: str, message: str) -> None:
    """Open an alert unless an identical unresolved one exists (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO ip_workbench.alerts (severity, source, message) SELECT %s, %s, %s WHERE NOT EXISTS"
        " (SELECT 1 FROM ip_workbench.alerts WHERE source = %s AND message = %s AND resolved_at IS NULL)",
        (severity, source, message, source, message))
