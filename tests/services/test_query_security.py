"""User SQL cannot read or change ip_workbench nor escape its role, for every role; each attempt is refused
with a clear message and audited. The database itself refuses too (checked by logging in as the query roles
directly, past the guard)."""

from __future__ import annotations

import psycopg
import pytest

from services.core import db
from services.core.errors import PermissionDenied, QueryFailed
from services.sql import execution as qe
from services.sql import roles as query_roles

ATTEMPTS = [
    "SELECT * FROM ip_workbench.users",
    "UPDATE ip_workbench.users SET role = 'admin'",
    "SET ROLE postgres",
    "RESET ROLE; SELECT * FROM ip_workbench.api_keys",
    "SET SESSION AUTHORIZATION postgres",
    "SET search_path = ip_workbench, public; SELECT * FROM users",
    "SELECT pg_read_file('/etc/passwd')",
    "COPY (SELECT 1) TO PROGRAM 'id'",
    "CREATE FUNCTION gold.escalate() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$",
    "SELECT * FROM dblink('dbname=workbench', 'SELECT email FROM ip_workbench.users') AS t(email text)",
    "CREATE EXTENSION dblink",
    "SELECT set_config('role', 'postgres', false)",
]


def _audited(actor_id: str) -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE actor_id = %s"
                            " AND action IN ('sql_refused', 'sql_denied')", (actor_id,)).fetchone()[0]


@pytest.mark.parametrize("role", ["viewer", "engineer", "admin", "service"])
@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_escape_attempts_are_refused_and_audited(demo_warehouse, make_user, role, attempt):
    actor, _ = make_user(role)
    with pytest.raises((PermissionDenied, QueryFailed)) as refused:
        qe.execute(actor, attempt)
    assert str(refused.value) and "Traceback" not in str(refused.value)
    assert _audited(actor.id) == 1


@pytest.mark.parametrize("kind", ["reader", "writer"])
@pytest.mark.parametrize(("statement", "sqlstate"), [
    ("SELECT * FROM ip_workbench.users", "42501"),
    ("UPDATE ip_workbench.audit_log SET action = 'x'", "42501"),
    ("SET ROLE postgres", "42501"),
    ("SET SESSION AUTHORIZATION postgres", "42501"),
    ("SELECT pg_read_file('/etc/passwd')", "42501"),
    ("COPY (SELECT 1) TO PROGRAM 'id'", "42501"),
    ("CREATE EXTENSION dblink", ("42501", "0A000", "58P01")),  # not permitted, or not even installed
    ("CREATE SCHEMA sneaky", "42501"),
])
def test_the_database_refuses_the_query_roles_directly(demo_warehouse, kind, statement, sqlstate):
    with psycopg.connect(query_roles.conninfo_for(kind)) as conn:
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(statement)
        allowed = (sqlstate,) if isinstance(sqlstate, str) else sqlstate
        if kind == "reader":  # the reader's sessions are read-only by default (pinned on the role) as well
            allowed = (*allowed, "25006")
        assert refused.value.sqlstate in allowed
        conn.rollback()
        # RESET ROLE is harmless: the login role is already the least-privileged one.
        conn.execute("RESET ROLE")
        assert conn.execute("SELECT current_user").fetchone()[0] == _role_name(kind)


def _role_name(kind: str) -> str:
    with db.connection() as conn:
        return query_roles.ensure_roles(conn)[kind].role_name


def test_the_reader_cannot_write_even_in_a_read_write_transaction(demo_warehouse):
    with psycopg.connect(query_roles.conninfo_for("reader")) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SET TRANSACTION READ WRITE")  # read-only is only the role's default; a session may leave it
        conn.execute("DELETE FROM silver.vendors")


def test_a_viewers_delete_leaves_the_row_count_unchanged(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM gold.finance_expenses").fetchone()[0]
    with pytest.raises((PermissionDenied, QueryFailed), match="read-only"):
        qe.execute(viewer, "DELETE FROM gold.finance_expenses")
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM gold.finance_expenses").fetchone()[0] == before
