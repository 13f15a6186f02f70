"""Alerts: raised by any domain (once while an identical one is open), listed on Home, dismissed per user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import db
from services.core.errors import InvalidInput, NotFound
from services.identity.auth import require_signed_in


@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    source: str
    message: str
    created_at: datetime


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


def resolve_alerts(conn: Any, source: str, message_like: str) -> int:
    """Close the open alerts of `source` whose message matches the LIKE pattern (the condition is over);
    returns how many."""
    return conn.execute("UPDATE ip_workbench.alerts SET resolved_at = now() WHERE source = %s AND message LIKE %s"
                        " AND resolved_at IS NULL", (source, message_like)).rowcount
