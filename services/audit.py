"""Append-only audit trail: sign-ins, sign-outs, permission denials, user and role changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services import db
from services.errors import InvalidInput


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: datetime
    actor_email: str | None
    action: str
    target: str | None
    client_address: str | None
    details: dict[str, Any]


def record(
    *,
    action: str,
    actor: Any = None,
    actor_email: str | None = None,
    target: str | None = None,
    client_address: str | None = None,
    details: dict[str, Any] | None = None,
    conn: psycopg.Connection | None = None,
) -> None:
    """Append one entry. Uses `conn` when given so it commits with the change it describes."""
    values = (
        getattr(actor, "id", None),
        actor_email or getattr(actor, "email", None),
        action,
        target,
        client_address,
        Jsonb(details or {}),
    )
    statement = (
        "INSERT INTO ip_workbench.audit_log (actor_id, actor_email, action, target, client_address, details)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
    )
    if conn is not None:
        conn.execute(statement, values)
        return
    with db.connection() as own:
        own.execute(statement, values)


def list_entries(actor: Any, *, action: str | None = None, search: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Newest entries first, for those holding view_audit_logs."""
    from services.rbac import Permission, authorize

    authorize(actor, Permission.VIEW_AUDIT_LOGS)
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInput("limit must be between 1 and 1000 and offset at least 0.")
    clauses, params = [], []
    if action:
        clauses.append("action = %s")
        params.append(action)
    if search:
        clauses.append("(actor_email ILIKE %s OR target ILIKE %s)")
        params += [f"%{search}%", f"%{search}%"]
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT id, occurred_at, actor_email, action, target, client_address, details"
            f" FROM ip_workbench.audit_log {where} ORDER BY id DESC LIMIT %s OFFSET %s",
            (*params, limit, offset),
        ).fetchall()
    return [AuditEntry(*row) for row in rows]


def list_actions(actor: Any) -> list[str]:
    """The distinct actions recorded so far (for filters), for those holding view_audit_logs."""
    from services.rbac import Permission, authorize

    authorize(actor, Permission.VIEW_AUDIT_LOGS)
    with db.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT DISTINCT action FROM ip_workbench.audit_log ORDER BY action").fetchall()]
