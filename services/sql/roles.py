"""The least-privileged Postgres roles user SQL runs as: a reader (viewers) and a writer (engineers, admins).

They log in with their own credentials, so no statement can switch back to the app's role: they are
members of nothing. They see the warehouse schemas and never ip_workbench."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from services.core import db
from services.core.warehouse import WAREHOUSE_SCHEMAS


@dataclass(frozen=True)
class QueryRole:
    kind: str
    role_name: str
    password: str


def _role_name(database: str, kind: str) -> str:
    safe = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
    return f"wb_{safe}_{kind}"


def ensure_roles(conn: psycopg.Connection) -> dict[str, QueryRole]:
    """Create the reader and writer roles of this database if missing; return their credentials."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    roles: dict[str, QueryRole] = {}
    for kind in ("reader", "writer"):
        row = conn.execute("SELECT kind, role_name, password FROM ip_workbench.query_roles WHERE kind = %s",
                           (kind,)).fetchone()
        role = QueryRole(*row) if row else QueryRole(kind, _role_name(database, kind), secrets.token_urlsafe(24))
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role.role_name,)).fetchone()
        statement = "ALTER ROLE {} WITH LOGIN NOINHERIT NOCREATEDB NOCREATEROLE PASSWORD {}" if exists else \
            "CREATE ROLE {} WITH LOGIN NOINHERIT NOCREATEDB NOCREATEROLE PASSWORD {}"
        conn.execute(sql.SQL(statement).format(sql.Identifier(role.role_name), sql.Literal(role.password)))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(database), sql.Identifier(role.role_name)))
        if not row:
            conn.execute("INSERT INTO ip_workbench.query_roles (kind, role_name, password) VALUES (%s, %s, %s)",
                         (role.kind, role.role_name, role.password))
        roles[kind] = role
    return roles


def grant_warehouse_access(conn: psycopg.Connection, schemas: tuple[str, ...] = WAREHOUSE_SCHEMAS) -> None:
    """Reader: USAGE and SELECT on the warehouse. Writer: that plus writes and CREATE. Neither: ip_workbench."""
    roles = ensure_roles(conn)
    reader, writer = (sql.Identifier(roles[k].role_name) for k in ("reader", "writer"))
    conn.execute("REVOKE ALL ON SCHEMA ip_workbench FROM PUBLIC")
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA ip_workbench FROM {}, {}").format(reader, writer))
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
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
            conn.execute(sql.SQL(statement).format(s=s, r=reader, w=writer))
        # Tables an engineer creates through the writer become readable by viewers too.
        if not _can_act_as(conn, roles["writer"].role_name):
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(writer))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {w} IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}")
                     .format(w=writer, s=s, r=reader))


def _can_act_as(conn: psycopg.Connection, role_name: str) -> bool:
    return conn.execute("SELECT rolsuper OR pg_has_role(current_user, %s, 'MEMBER') FROM pg_roles"
                        " WHERE rolname = current_user", (role_name,)).fetchone()[0]


def prepare() -> None:
    """Create the query roles and grant them the warehouse (set-up, after migrations and demo loads)."""
    with db.connection() as conn:
        grant_warehouse_access(conn)


def conninfo_for(kind: str) -> str:
    """libpq connection string logging in as the reader or writer role on our database."""
    with db.connection() as conn:
        roles = ensure_roles(conn)
    role = roles[kind]
    params = conninfo_to_dict(db.database_url())
    params.update(user=role.role_name, password=role.password, application_name=f"workbench-{kind}")
    return make_conninfo(**params)
