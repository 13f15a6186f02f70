"""Reading the audit trail (view_audit_logs): entries newest first, filtered by action or by text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import db
from services.core.errors import InvalidInput
from services.identity.rbac import Permission, authorize


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: datetime
    actor_email: str | None
    action: str
    target: str | None
    client_address: str | None
    details: dict[str, Any]


def list_entries(actor: Any, *, action: str | None = None, search: str | None = None,
                 actor_email: str | None = None, since: datetime | None = None, involving: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Newest entries first, for those holding view_audit_logs (admins and service accounts). `actor_email`
    matches one actor exactly (any case); `since` keeps entries at or after that moment; `involving` keeps
    what an email did or had done to it (actor or target)."""
    authorize(actor, Permission.VIEW_AUDIT_LOGS)
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInput("limit must be between 1 and 1000 and offset at least 0.")
    clauses, params = [], []
    if action:
        clauses.append("action = %s")
        params.append(action)
    if actor_email:
        clauses.append("lower(actor_email) = lower(%s)")
        params.append(actor_email)
    if involving:
        clauses.append("(lower(actor_email) = lower(%s) OR lower(target) = lower(%s))")
        params += [involving, involving]
    if since is not None:
        if since.tzinfo is None:
            raise InvalidInput("since needs a time zone, e.g. 2026-11-01T00:00:00Z.")
        clauses.append("occurred_at >= %s")
        params.append(since)
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
    authorize(actor, Permission.VIEW_AUDIT_LOGS)
    with db.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT DISTINCT action FROM ip_workbench.audit_log ORDER BY action").fetchall()]
