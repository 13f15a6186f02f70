"""Recent activity for Home: pipeline runs, queries, agent runs, loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import psycopg

from services.core import db
from services.identity.auth import require_signed_in
from services.identity.rbac import Permission, is_allowed


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


_RECENT = r"""
SELECT occurred_at, kind, title, status, link, detail FROM (
    (SELECT occurred_at, kind, title, status, link, NULL AS detail, id AS seq FROM ip_workbench.activity_log
     ORDER BY occurred_at DESC, id DESC LIMIT %(limit)s)
  UNION ALL
    (SELECT h.executed_at, 'query', left(regexp_replace(btrim(h.sql), '\s+', ' ', 'g'), 120), h.status, NULL,
            h.sql, NULL
     FROM ip_workbench.query_history h WHERE %(all_queries)s OR h.user_id = %(me)s
     ORDER BY h.executed_at DESC LIMIT %(limit)s)
  UNION ALL
    (SELECT r.created_at, 'agent_run', 'Agent ' || a.name || ': ' || left(r.input_prompt, 80), r.status,
            '/agents/runs/' || r.id, NULL, NULL
     FROM ip_workbench.agent_runs r JOIN ip_workbench.agents a ON a.id = r.agent_id WHERE %(agent_runs)s
     ORDER BY r.created_at DESC LIMIT %(limit)s)
) AS items ORDER BY occurred_at DESC NULLS LAST, seq DESC NULLS LAST LIMIT %(limit)s
"""
# Each source is cut to the newest `limit` before the merge: Home reads 3 × limit rows, not every query ever run.


def recent(actor: Any, limit: int = 10) -> list[Activity]:
    """The newest `limit` items for any signed-in user (Home is Viewer+): pipeline runs and other recorded
    events, the actor's queries (admins: everyone's) and, for roles that may see them, agent runs. Each item
    links to its detail (a query opens in the SQL Editor)."""
    require_signed_in(actor)
    with db.connection() as conn:
        rows = conn.execute(_RECENT, {"all_queries": actor.role == "admin", "me": actor.id,
                                      "agent_runs": is_allowed(actor.role, Permission.VIEW_AGENT_RUNS),
                                      "limit": limit}).fetchall()
    return [Activity(at, kind, title, status, link if detail is None else "/sql?sql=" + quote(detail, safe=""))
            for at, kind, title, status, link, detail in rows]
