"""Query history: your own runs (admins: everyone's), searchable, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import db
from services.core.errors import NotFound
from services.identity.rbac import Permission, authorize


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    user_email: str
    sql: str
    status: str
    rows_returned: int | None
    execution_time_ms: int | None
    error_message: str | None
    executed_at: datetime
    source: str


_COLUMNS = ("h.id::text, coalesce(u.email, ''), h.sql, h.status, h.rows_returned, h.execution_time_ms,"
            " h.error_message, h.executed_at, h.source")


def list_history(actor: Any, search: str = "", *, limit: int = 100, offset: int = 0) -> list[HistoryEntry]:
    """Runs visible to the actor whose SQL contains `search`."""
    authorize(actor, Permission.RUN_SQL_QUERIES)
    everyone = actor.role == "admin"
    with db.connection() as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM ip_workbench.query_history h LEFT JOIN ip_workbench.users u ON u.id = h.user_id"
            " WHERE (%(all)s OR h.user_id = %(me)s) AND (%(q)s = '' OR h.sql ILIKE %(p)s)"
            " ORDER BY h.executed_at DESC LIMIT %(l)s OFFSET %(o)s",
            {"all": everyone, "me": actor.id, "q": search.strip(), "p": f"%{search.strip()}%",
             "l": max(1, min(limit, 500)), "o": max(0, offset)}).fetchall()
    return [HistoryEntry(*row) for row in rows]


def runs_of(actor: Any, sql_text: str, *, limit: int = 50) -> list[HistoryEntry]:
    """Runs of exactly this SQL (spaces around it aside) visible to the actor, newest first: a snippet's
    history."""
    authorize(actor, Permission.RUN_SQL_QUERIES)
    with db.connection() as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM ip_workbench.query_history h LEFT JOIN ip_workbench.users u ON u.id = h.user_id"
            " WHERE (%(all)s OR h.user_id = %(me)s) AND btrim(h.sql) = btrim(%(sql)s)"
            " ORDER BY h.executed_at DESC LIMIT %(l)s",
            {"all": actor.role == "admin", "me": actor.id, "sql": sql_text, "l": max(1, min(limit, 500))}).fetchall()
    return [HistoryEntry(*row) for row in rows]


def get_entry(actor: Any, entry_id: str) -> HistoryEntry:
    """One run, if the actor may see it."""
    authorize(actor, Permission.RUN_SQL_QUERIES)
    with db.connection() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM ip_workbench.query_history h LEFT JOIN ip_workbench.users u ON u.id = h.user_id"
            " WHERE h.id::text = %s AND (%s OR h.user_id = %s)", (entry_id, actor.role == "admin", actor.id)
        ).fetchone()
    if row is None:
        raise NotFound("No such query in your history.")
    return HistoryEntry(*row)
