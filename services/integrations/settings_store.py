"""Each integration's settings (never its secrets: those are in the secrets store) and its last outcome — what
Settings › Integrations shows as configured / last success / last error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.core import db


@dataclass(frozen=True)
class Integration:
    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    updated_at: datetime | None = None


def get(conn: psycopg.Connection, name: str) -> Integration | None:
    """The integration's row, or None when it was never configured."""
    row = conn.execute("SELECT name, settings, last_success_at, last_error, last_error_at, updated_at"
                       " FROM ip_workbench.integrations WHERE name = %s", (name,)).fetchone()
    return Integration(*row) if row else None


def save(conn: psycopg.Connection, name: str, values: dict[str, Any], actor_id: str | None) -> None:
    """Replace the integration's settings (its outcome is kept)."""
    conn.execute("INSERT INTO ip_workbench.integrations (name, settings, updated_by) VALUES (%s, %s, %s)"
                 " ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, updated_by = excluded.updated_by,"
                 " updated_at = now()", (name, Jsonb(values), actor_id))


def record_outcome(name: str, error: str | None) -> None:
    """A call's outcome: success (error None) or the error, with the time."""
    with db.connection() as conn:
        if error is None:
            conn.execute("UPDATE ip_workbench.integrations SET last_success_at = now() WHERE name = %s", (name,))
        else:
            conn.execute("UPDATE ip_workbench.integrations SET last_error = %s, last_error_at = now()"
                         " WHERE name = %s", (error[:2000], name))
