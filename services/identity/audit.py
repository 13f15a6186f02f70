"""Writing the append-only audit trail: sign-ins, sign-outs, permission denials, user and role changes.

Reading it (admins) is `audit_log`; this module only appends, so `rbac` can record denials here."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.core import db


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
