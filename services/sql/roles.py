"""The least-privileged Postgres roles user SQL runs as: a reader (viewers) and a writer (engineers, admins);
and the writer's twin for pipelines' dbt nodes, which may also create temporary tables.

They log in with their own credentials, so no statement can switch back to the app's role: they are
members of nothing. They see the warehouse schemas and never ip_workbench. Their session settings
(statement timeout, search path, read-only for the reader) are pinned on the role by the app — checked
and re-pinned whenever a process opens its query pools — so `DISCARD ALL` brings every pooled
connection back to them. Migration 0010 revokes temporary tables, large objects, advisory locks, session
signals, set_config() and pg_stat_activity from them; `hardening_gaps` says what the server did not allow."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from services.core import db
from services.core import secrets as secret_box
from services.core.config import settings
from services.core.warehouse import WAREHOUSE_SCHEMAS


@dataclass(frozen=True)
class QueryRole:
    kind: str
    role_name: str
    password: str


def _role_name(database: str, kind: str) -> str:
    safe = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
    return f"wb_{safe}_{kind}"


_SELECT_ROLES = "SELECT kind, role_name, password, password_encrypted FROM ip_workbench.query_roles"


def _role(conn: psycopg.Connection, row: tuple) -> QueryRole:
    """A stored role with its password in clear; a legacy clear-text password is encrypted on the way."""
    kind, role_name, clear, encrypted = row
    if encrypted is not None:
        return QueryRole(kind, role_name, secret_box.decrypt(encrypted))
    conn.execute("UPDATE ip_workbench.query_roles SET password_encrypted = %s, password = NULL WHERE kind = %s",
                 (secret_box.encrypt(clear), kind))
    return QueryRole(kind, role_name, clear)


# reader: viewers' SQL. writer: engineers' SQL and pipeline nodes. dbt: a writer that may also create temporary
# tables (dbt's snapshots and incremental models need them), for pipelines' dbt nodes only — no user SQL runs
# as it.
KINDS = ("reader", "writer", "dbt")


def ensure_roles(conn: psycopg.Connection) -> dict[str, QueryRole]:
    """Create the reader, writer and dbt roles of this database if missing; return their credentials."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    roles: dict[str, QueryRole] = {}
    for kind in KINDS:
        row = conn.execute(_SELECT_ROLES + " WHERE kind = %s", (kind,)).fetchone()
        role = _role(conn, row) if row else QueryRole(kind, _role_name(database, kind), secrets.token_urlsafe(24))
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role.role_name,)).fetchone()
        statement = "ALTER ROLE {} WITH LOGIN NOINHERIT NOCREATEDB NOCREATEROLE PASSWORD {}" if exists else \
            "CREATE ROLE {} WITH LOGIN NOINHERIT NOCREATEDB NOCREATEROLE PASSWORD {}"
        conn.execute(sql.SQL(statement).format(sql.Identifier(role.role_name), sql.Literal(role.password)))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(database), sql.Identifier(role.role_name)))
        if not row:
            conn.execute("INSERT INTO ip_workbench.query_roles (kind, role_name, password_encrypted)"
                         " VALUES (%s, %s, %s)", (role.kind, role.role_name, secret_box.encrypt(role.password)))
        roles[kind] = role
    return roles


def stored_roles(conn: psycopg.Connection) -> dict[str, QueryRole]:
    """The reader and writer as recorded (no DDL, so many processes may ask at once); created when missing."""
    found = {row[0]: _role(conn, row) for row in conn.execute(_SELECT_ROLES).fetchall()}
    return found if set(KINDS) <= set(found) else ensure_roles(conn)


def grant_warehouse_access(conn: psycopg.Connection, schemas: tuple[str, ...] = WAREHOUSE_SCHEMAS) -> None:
    """Reader: USAGE and SELECT on the warehouse. Writer and dbt: that plus writes and CREATE (dbt also temporary
    tables). None of them: ip_workbench."""
    roles = ensure_roles(conn)
    reader, writer, dbt = (sql.Identifier(roles[k].role_name) for k in KINDS)
    conn.execute("REVOKE ALL ON SCHEMA ip_workbench FROM PUBLIC")
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA ip_workbench FROM {}, {}, {}").format(reader, writer, dbt))
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    conn.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(
        sql.Identifier(conn.execute("SELECT current_database()").fetchone()[0]), dbt))
    for role in (roles["writer"], roles["dbt"]):  # default privileges FOR a role need membership in it
        if not _can_act_as(conn, role.role_name):
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role.role_name)))
    for schema in schemas:
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        if not exists:
            continue
        s = sql.Identifier(schema)
        statements = [
            "GRANT USAGE ON SCHEMA {s} TO {r}, {w}",
            "GRANT CREATE ON SCHEMA {s} TO {w}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
            "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON ALL TABLES IN SCHEMA {s} TO {w}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {w}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES"
            " ON TABLES TO {w}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {w}",
        ]
        for statement in statements:
            for grantee in (writer, dbt):
                conn.execute(sql.SQL(statement).format(s=s, r=reader, w=grantee))
        # Tables an engineer creates through the writer become readable by viewers too; the writer's and dbt's
        # tables are writable by each other (SQL nodes downstream of a dbt model, dbt sources built by SQL nodes).
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {w} IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}")
                     .format(w=writer, s=s, r=reader))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {d} IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}")
                     .format(d=dbt, s=s, r=reader))
        for owner, other in ((dbt, writer), (writer, dbt)):
            conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE,"
                                 " DELETE, TRUNCATE, REFERENCES ON TABLES TO {t}").format(o=owner, s=s, t=other))


def _can_act_as(conn: psycopg.Connection, role_name: str) -> bool:
    return conn.execute("SELECT rolsuper OR pg_has_role(current_user, %s, 'MEMBER') FROM pg_roles"
                        " WHERE rolname = current_user", (role_name,)).fetchone()[0]


SEARCH_PATH = '"$user", public'
IDLE_IN_TRANSACTION = "15min"


def pinned_settings(kind: str) -> dict[str, str]:
    """The role-level settings every session of a query role starts with (and returns to). dbt's statements
    are pipeline work: they get the pipeline's time limit, not the SQL editor's."""
    timeout_s = settings().pipeline_timeout_s if kind == "dbt" else settings().statement_timeout_s
    wanted = {"statement_timeout": f"{int(timeout_s * 1000)}ms", "search_path": SEARCH_PATH,
              "idle_in_transaction_session_timeout": IDLE_IN_TRANSACTION}
    if kind == "reader":
        wanted["default_transaction_read_only"] = "on"
    return wanted


def role_settings(conn: psycopg.Connection, role_name: str) -> dict[str, str]:
    """What is stored on the role now (for every database and for this one)."""
    found: dict[str, str] = {}
    for (entry,) in conn.execute(
            "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
            " WHERE r.rolname = %s AND s.setdatabase IN (0, (SELECT oid FROM pg_database"
            "  WHERE datname = current_database()))", (role_name,)):
        name, _, value = entry.partition("=")
        found[name] = value
    return found


def pin_settings(conn: psycopg.Connection, roles: dict[str, QueryRole]) -> list[str]:
    """Make each role's stored settings exactly `pinned_settings` (anything a session stored is removed);
    returns the roles that had to be re-pinned."""
    changed = []
    for kind, role in roles.items():
        wanted = pinned_settings(kind)
        if role_settings(conn, role.role_name) == {k: v.strip("'") for k, v in wanted.items()}:
            continue
        name = sql.Identifier(role.role_name)
        conn.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(name))
        conn.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(
            name, sql.Identifier(conn.execute("SELECT current_database()").fetchone()[0])))
        for setting, value in wanted.items():
            conn.execute(sql.SQL("ALTER ROLE {} SET {} = {}").format(
                name, sql.Identifier(setting), sql.SQL(value) if setting == "search_path" else sql.Literal(value)))
        changed.append(role.role_name)
    return changed


def hardening_gaps(conn: psycopg.Connection) -> list[str]:
    """Rights the query roles still hold that migration 0010 meant to take (empty when all is in place)."""
    roles = ensure_roles(conn)
    gaps = []
    for kind, role in roles.items():
        gaps += [f"{role.role_name} may run {row[0]}" for row in conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace"
            " AND p.proname = ANY(%s) AND has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY 1",
            (list(HARDENED_FUNCTIONS), role.role_name))]
        if conn.execute("SELECT has_table_privilege(%s, 'pg_catalog.pg_stat_activity', 'SELECT')",
                        (role.role_name,)).fetchone()[0]:
            gaps.append(f"{role.role_name} may read pg_stat_activity")
        if kind != "dbt" and conn.execute("SELECT has_database_privilege(%s, current_database(), 'TEMPORARY')",
                                          (role.role_name,)).fetchone()[0]:
            gaps.append(f"{role.role_name} may create temporary tables")
    return gaps


# What migration 0010 revokes from PUBLIC (kept in step with it; `hardening_gaps` checks them).
HARDENED_FUNCTIONS = (
    "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
    "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all", "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
    "pg_cancel_backend", "pg_terminate_backend", "pg_stat_get_activity", "pg_stat_get_backend_activity",
    "set_config", "lo_from_bytea", "lo_create", "lo_creat", "lo_unlink", "lo_open", "lo_put", "lo_get",
    "loread", "lowrite",
)


def prepare() -> list[str]:
    """Create the query roles, grant them the warehouse and pin their settings (set-up, after migrations and
    demo loads); returns the hardening gaps the server left (logged by the caller)."""
    with db.connection() as conn:
        grant_warehouse_access(conn)
        roles = ensure_roles(conn)
        for role in roles.values():  # the app may signal (cancel, terminate) its query sessions
            if not _can_act_as(conn, role.role_name):
                conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role.role_name)))
        pin_settings(conn, roles)
        return hardening_gaps(conn)


def revoke_public_temporary(conn: psycopg.Connection) -> None:
    """Migration 0010's database-level step, which a database dump does not carry: no temporary tables for
    PUBLIC (the app's own role keeps them; grant_warehouse_access gives them to the dbt role)."""
    database = sql.Identifier(conn.execute("SELECT current_database()").fetchone()[0])
    conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
    conn.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO CURRENT_USER").format(database))


def conninfo_for(kind: str) -> str:
    """libpq connection string logging in as the reader or writer role on our database."""
    with db.connection() as conn:
        roles = stored_roles(conn)
    role = roles[kind]
    params = conninfo_to_dict(db.database_url())
    params.update(user=role.role_name, password=role.password, application_name=f"workbench-{kind}")
    return make_conninfo(**params)
