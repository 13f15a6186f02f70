"""Recent activity for Home: pipeline runs, queries, agent runs, loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from services.core import db
from services.identity.auth import require_signed_in


@dataclass(frozen=True)
class Activity:
    occurred_at: datetime
    kind: str
    title: str
    status: str | None
    link: str | None


def record(conn: psycopg.Connection, kind: str, title: str, *, status: str | None = None,
           actor_id: str | None = None, link: str | None = None) -> None:
    """Append one activity item inside the caller's transaction."""
    conn.execute(
        "INSERT INTO ip_workbench.activity_log (kind, title, status, actor_id, link) VALUES (%s, %s, %s, %s, %s)",
        (kind, title, status, actor_id, link),
    )


def recent(actor: Any, limit: int = 10) -> list[Activity]:
    """The newest `limit` items, for any signed-in user (Home is Viewer+)."""
    require_signed_in(actor)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT occurred_at, kind, title, status, link FROM ip_workbench.activity_log"
            " ORDER BY occurred_at DESC, id DESC LIMIT %s", (limit,)).fetchall()
    return [Activity(*row) for row in rows]
