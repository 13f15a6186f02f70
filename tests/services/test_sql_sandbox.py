"""Parse, then allow: every refused statement kind and every denied function, for every role, through the
one execution entry point; and the database refusing the query roles the same functions directly."""

from __future__ import annotations

import psycopg
import pytest

from services.core import db
from services.core.errors import PermissionDenied, QueryFailed
from services.sql import execution as qe
from services.sql import policy
from services.sql import roles as query_roles

ROLES = ["viewer", "engineer", "admin", "service"]


@pytest.fixture(scope="module")
def actors(demo_warehouse):
    """One user per role for the whole module (signing up hundreds of users would only test argon2)."""
    import uuid

    from services.identity import users
    from services.identity.operator import current_operator

    return {role: users.create_user(current_operator(), f"sandbox-{role}-{uuid.uuid4().hex[:8]}@example.com",
                                    role, password="sandbox-password-1").user for role in ROLES}

REFUSED_KINDS = {
    "transaction control": ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s", "START TRANSACTION READ WRITE",
                            "BEGIN READ WRITE"],
    "SET and RESET": ["SET statement_timeout = 0", 'SET "search_path" = pg_catalog', "RESET ALL",
                      "SET ROLE postgres", "SET SESSION AUTHORIZATION postgres", "SET TRANSACTION READ WRITE",
                      "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET timezone = 'UTC'"],
    "DO": ["DO $$ BEGIN PERFORM 1; END $$"],
    "ALTER ROLE / SYSTEM": ["ALTER ROLE CURRENT_USER SET statement_timeout = 0",
                            "ALTER ROLE CURRENT_USER PASSWORD 'x'", "ALTER SYSTEM SET work_mem = '1GB'"],
    "LOCK": ["LOCK TABLE gold.finance_expenses"],
    "COPY": ["COPY (SELECT 1) TO STDOUT", "COPY gold.finance_expenses FROM STDIN",
             "COPY (SELECT 1) TO PROGRAM 'id'", "COPY gold.finance_expenses TO '/tmp/x.csv'"],
    "PREPARE / EXECUTE": ["PREPARE p AS SELECT 1", "EXECUTE p", "DEALLOCATE ALL"],
    "LISTEN / NOTIFY": ["LISTEN workbench", "NOTIFY workbench", "UNLISTEN *"],
    "functions and extensions": ["CREATE FUNCTION gold.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
                                 "CREATE EXTENSION dblink", "CALL gold.p()"],
    "grants and roles": ["GRANT SELECT ON gold.finance_expenses TO PUBLIC", "CREATE ROLE sneaky"],
    "cursors and sessions": ["DECLARE c CURSOR FOR SELECT 1", "DISCARD ALL", "CHECKPOINT"],
    "temporary tables": ["CREATE TEMP TABLE t (a int)", "SELECT 1 AS a INTO TEMP t2"],
    "other sessions and files": ["SELECT * FROM pg_stat_activity", "SELECT pg_read_file('/etc/passwd')",
                                 "SELECT * FROM ip_workbench.users", 'SELECT * FROM "IP_WORKBENCH".users',
                                 'SELECT * FROM U&"\\0069p_workbench".users', "SHOW data_directory"],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "statement"),
                         [(k, s) for k, statements in REFUSED_KINDS.items() for s in statements])
def test_refused_statement_kinds(actors, role, kind, statement):
    actor = actors[role]
    with pytest.raises((PermissionDenied, QueryFailed)) as refused:
        qe.execute(actor, statement)
    assert str(refused.value) and "Traceback" not in str(refused.value)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("function", sorted(policy.DENIED_FUNCTIONS))
def test_denied_functions_for_every_role(actors, role, function):
    actor = actors[role]
    with pytest.raises(PermissionDenied, match=function):
        qe.execute(actor, f"SELECT {function}(1)")


@pytest.mark.parametrize("kind", ["reader", "writer"])
@pytest.mark.parametrize("function", query_roles.HARDENED_FUNCTIONS)
def test_the_database_revoked_the_functions_from_the_query_roles(demo_warehouse, kind, function):
    with db.connection() as conn:
        role = query_roles.ensure_roles(conn)[kind].role_name
        signatures = [r[0] for r in conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace"
            " AND p.proname = %s", (function,))]
        assert signatures, f"{function} exists"
        for signature in signatures:
            assert not conn.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')",
                                    (role, signature)).fetchone()[0], f"{role} may still run {signature}"


def test_nothing_the_migration_meant_to_take_is_left(demo_warehouse):
    with db.connection() as conn:
        assert query_roles.hardening_gaps(conn) == []


@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_no_temporary_tables_or_large_objects_in_the_database(demo_warehouse, kind):
    with psycopg.connect(query_roles.conninfo_for(kind), autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")  # the reader's default; the right is what stops it
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TEMP TABLE t_sandbox (a int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT lo_from_bytea(0, 'x')")


@pytest.mark.parametrize("role", ROLES)
def test_allowed_reads_still_run(actors, role):
    actor = actors[role]
    for statement in ("SELECT count(*) FROM gold.finance_expenses", "VALUES (1)", "TABLE silver.expense_categories",
                      "EXPLAIN SELECT * FROM gold.finance_expenses", "SHOW search_path",
                      "WITH x AS (SELECT 1 AS a) SELECT a FROM x"):
        assert qe.execute(actor, statement).columns


@pytest.mark.parametrize("role", ["engineer", "admin", "service"])
def test_writers_still_change_the_warehouse(actors, role):
    actor = actors[role]
    table = f"gold.sandbox_{role}"
    qe.execute(actor, f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} AS SELECT 1 AS a;"
                      f" INSERT INTO {table} VALUES (2); UPDATE {table} SET a = a + 1")
    assert qe.execute(actor, f"SELECT sum(a) FROM {table}").rows == [(5,)]
    qe.execute(actor, f"DROP TABLE {table}")
