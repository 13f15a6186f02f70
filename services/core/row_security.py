"""Acting for a user inside a transaction, so the database's own rules (row-level security and the non-owner
roles of migration 0021) refuse what the permission matrix refuses, even when a service forgot its check.

    with db.connection() as conn, row_security.acting_as(conn, actor):
        conn.execute("UPDATE ip_workbench.pipelines ...")

The enclosed statements run as `wb_<database>_as_<role>` with `workbench.user_id` set; the policies read the
user's role and whether the account is active from `users`. Outside the block the connection is the owning
role again (jobs, the scheduler and migrations run as it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from services.core.errors import PermissionDenied

APP_ROLES = ("viewer", "engineer", "admin", "service")


def acting_role_name(database: str, role: str) -> str:
    """The non-owner database role the app takes on for a Workbench role (named as ensure_acting_roles does)."""
    safe = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
    return f"wb_{safe}_as_{role}"


def ensure_roles(conn: psycopg.Connection) -> None:
    """Create or repair the acting roles and their grants (after a restore into another server or database);
    nothing before migration 0021, which brings them."""
    if conn.execute("SELECT to_regprocedure('ip_workbench.ensure_acting_roles()')").fetchone()[0] is not None:
        conn.execute("SELECT ip_workbench.ensure_acting_roles()")


@contextmanager
def acting_as(conn: psycopg.Connection, actor: Any) -> Iterator[psycopg.Connection]:
    """Run the enclosed statements as the actor's role and id; a privilege the database refuses becomes
    PermissionDenied (the transaction is then rolled back by whoever owns it). The server's operator (the CLI
    on the server, `owns_database`) already owns the database and keeps its role."""
    if getattr(actor, "owns_database", False) is True:
        yield conn
        return
    role = getattr(actor, "role", None)
    if actor is None or role not in APP_ROLES:
        raise PermissionDenied("Sign in first.")
    if conn.autocommit:
        raise RuntimeError("acting_as needs a transaction: SET LOCAL would not last")
    conn.execute(sql.SQL("SET LOCAL workbench.user_id = {}").format(sql.Literal(str(actor.id))))
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(acting_role_name(conn.info.dbname, role))))
    try:
        yield conn
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PermissionDenied(f"The database refused this for your role ({role}): "
                               f"{exc.diag.message_primary}.") from exc
    finally:
        if conn.info.transaction_status == TransactionStatus.INTRANS:
            conn.execute("RESET ROLE")
            conn.execute("RESET workbench.user_id")


def require_changed(cursor: psycopg.Cursor, what: str) -> None:
    """PermissionDenied when a write acting for a user touched no row: the policies hid the row from it."""
    if cursor.rowcount == 0:
        raise PermissionDenied(f"The database refused to change {what}: it is not yours to change.")


def change_as(conn: psycopg.Connection, actor: Any, what: str, statement: str, params: Any) -> psycopg.Cursor:
    """One UPDATE or DELETE acting as the actor; PermissionDenied when the database refuses it or it touched
    no row (`what` names the thing, for the message)."""
    with acting_as(conn, actor):
        cursor = conn.execute(statement, params)
        require_changed(cursor, what)
    return cursor
