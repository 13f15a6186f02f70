"""Writing a node's result: build into a staging relation as the least-privileged writer role, then swap it
in with renames in one short transaction as the app, keeping grants, comments and the views that read it.

Readers see the old relation or the new one, never a partial one: the staging table is complete and
committed before the swap, and the swap's renames commit together. A node that fails before the swap,
or a process killed during it, leaves the previous relation exactly as it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from services.core.errors import QueryFailed
from services.sql import roles as query_roles

SWAP_LOCK_TIMEOUT = "60s"
STAGING_SUFFIX = "__wb_new"
OLD_SUFFIX = "__wb_old"


@dataclass(frozen=True)
class Target:
    schema: str
    table: str

    @classmethod
    def parse(cls, qualified: str) -> Target:
        schema, table = qualified.lower().split(".", 1)
        return cls(schema, table)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}"

    def ident(self, suffix: str = "") -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(_name(self.table, suffix)))


def _name(table: str, suffix: str) -> str:
    """table + suffix within Postgres's 63-byte identifier limit."""
    return table[: 63 - len(suffix)] + suffix if suffix else table


def staging_name(target: Target) -> str:
    """The staging relation's name (visible while a node builds; swept by the next run)."""
    return _name(target.table, STAGING_SUFFIX)


def build_staging(writer: psycopg.Connection, target: Target, query: str, *, view: bool) -> int:
    """CREATE TABLE (or VIEW) <target>__wb_new AS <query>, as the writer role, committed; returns rows written."""
    staging = target.ident(STAGING_SUFFIX)
    with writer.transaction():
        leftover = sql.SQL("VIEW") if _is_view(writer, target) else sql.SQL("TABLE")
        writer.execute(sql.SQL("DROP {} IF EXISTS {}").format(leftover, staging))
        kind = sql.SQL("VIEW") if view else sql.SQL("TABLE")
        prefix = sql.SQL("CREATE {} {} AS ").format(kind, staging)
        try:
            cursor = writer.execute(prefix + sql.SQL(query))
        except psycopg.Error as exc:
            raise as_query_failed(exc, len(prefix.as_string(writer))) from exc
        return 0 if view else max(cursor.rowcount, 0)


def as_query_failed(exc: psycopg.Error, prefix_length: int = 0) -> QueryFailed:
    """Postgres's error as the node's: its message, SQLSTATE and the 0-based position in the node's SQL."""
    message = (exc.diag.message_primary or str(exc)).strip()
    if exc.diag.message_detail:
        message += f" ({exc.diag.message_detail.strip()})"
    raw = exc.diag.statement_position
    position = int(raw) - 1 - prefix_length if raw and raw.isdigit() else None
    return QueryFailed(message, sqlstate=exc.sqlstate,
                       position=position if position is not None and position >= 0 else None)


def drop_staging(writer: psycopg.Connection, target: Target) -> None:
    """Remove a staging relation a failed node left behind."""
    leftover = sql.SQL("VIEW") if _is_view(writer, target) else sql.SQL("TABLE")
    writer.execute(sql.SQL("DROP {} IF EXISTS {}").format(leftover, target.ident(STAGING_SUFFIX)))


def _is_view(conn: psycopg.Connection, target: Target) -> bool:
    row = conn.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)",
                       (f'"{target.schema}"."{staging_name(target)}"',)).fetchone()
    return bool(row and row[0] == "v")


@dataclass(frozen=True)
class _Dependent:
    oid: int
    name: sql.Composed
    definition: str
    kind: str  # 'v' or 'm'
    acl: list[tuple[str, str]]
    comment: str | None


_DEPENDENTS = """
SELECT DISTINCT v.oid, n.nspname, v.relname, v.relkind
FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
JOIN pg_namespace n ON n.oid = v.relnamespace
WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = %s AND v.oid <> %s
"""
_ACL = """
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type
FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s AND a.grantee <> c.relowner
"""


def _dependents(conn: psycopg.Connection, oid: int) -> list[_Dependent]:
    """Views (and materialized views) that read `oid`, directly or through each other, readers last."""
    found: list[_Dependent] = []
    frontier = [oid]
    seen = {oid}
    while frontier:
        current = frontier.pop(0)
        for view_oid, schema, name, kind in conn.execute(_DEPENDENTS, (current, current)).fetchall():
            if view_oid in seen:
                found = [d for d in found if d.oid != view_oid]  # read by a later one too: recreate it later
            seen.add(view_oid)
            definition = conn.execute("SELECT pg_get_viewdef(%s::oid, true)", (view_oid,)).fetchone()[0]
            acl = conn.execute(_ACL, (view_oid,)).fetchall()
            comment = conn.execute("SELECT obj_description(%s::oid, 'pg_class')", (view_oid,)).fetchone()[0]
            found.append(_Dependent(view_oid, sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name)),
                                    definition, kind, acl, comment))
            frontier.append(view_oid)
    return found


def _grant(conn: psycopg.Connection, name: sql.Composed, acl: Sequence[tuple[str, str]]) -> None:
    for grantee, privilege in acl:
        who = sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee)
        conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(privilege), name, who))


def _default_grants(conn: psycopg.Connection, name: sql.Composed) -> None:
    """What a new warehouse table gets: the reader selects, the writer (and dbt) write."""
    roles = query_roles.stored_roles(conn)
    reader, writer, dbt = (sql.Identifier(roles[k].role_name) for k in ("reader", "writer", "dbt"))
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(name, reader))
    conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON {} TO {}, {}").format(
        name, writer, dbt))


def swap(conn: psycopg.Connection, target: Target) -> None:
    """Put <target>__wb_new in place of <target> in one transaction on the app's connection."""
    staging = target.ident(STAGING_SUFFIX)
    final = target.ident()
    with conn.transaction():
        conn.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        old = conn.execute("SELECT c.oid, c.relkind, obj_description(c.oid, 'pg_class') FROM pg_class c"
                           " WHERE c.oid = to_regclass(%s)", (f'"{target.schema}"."{target.table}"',)).fetchone()
        new_kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)",
                                (f'"{target.schema}"."{staging_name(target)}"',)).fetchone()[0]
        if old is None:
            conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(staging, sql.Identifier(target.table)))
            _default_grants(conn, final)
            return
        oid, kind, comment = old
        acl = conn.execute(_ACL, (oid,)).fetchall()
        column_comments = conn.execute(
            "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a"
            " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped"
            " AND col_description(a.attrelid, a.attnum) IS NOT NULL", (oid,)).fetchall()
        conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(final))
        dependents = _dependents(conn, oid)
        for dependent in reversed(dependents):
            word = "MATERIALIZED VIEW" if dependent.kind == "m" else "VIEW"
            conn.execute(sql.SQL("DROP {} {}").format(sql.SQL(word), dependent.name))
        old_word = sql.SQL("VIEW" if kind == "v" else "MATERIALIZED VIEW" if kind == "m" else "TABLE")
        conn.execute(sql.SQL("ALTER {} {} RENAME TO {}").format(old_word, final,
                                                               sql.Identifier(_name(target.table, OLD_SUFFIX))))
        new_word = sql.SQL("VIEW" if new_kind == "v" else "TABLE")
        conn.execute(sql.SQL("ALTER {} {} RENAME TO {}").format(new_word, staging, sql.Identifier(target.table)))
        conn.execute(sql.SQL("DROP {} {}").format(old_word, target.ident(OLD_SUFFIX)))
        _default_grants(conn, final)
        _grant(conn, final, acl)
        if comment is not None:
            conn.execute(sql.SQL("COMMENT ON {} {} IS {}").format(new_word, final, sql.Literal(comment)))
        present = {r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            (f'"{target.schema}"."{target.table}"',)).fetchall()}
        for column, text in column_comments:
            if column in present:
                conn.execute(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(final, sql.Identifier(column),
                                                                           sql.Literal(text)))
        for dependent in dependents:
            word = "MATERIALIZED VIEW" if dependent.kind == "m" else "VIEW"
            conn.execute(sql.SQL("CREATE {} {} AS ").format(sql.SQL(word), dependent.name)
                         + sql.SQL(dependent.definition.rstrip().rstrip(";")))
            _grant(conn, dependent.name, dependent.acl)
            if dependent.comment is not None:
                conn.execute(sql.SQL("COMMENT ON {} {} IS {}").format(sql.SQL(word), dependent.name,
                                                                     sql.Literal(dependent.comment)))


def insert_incremental(writer: psycopg.Connection, target: Target, query: str, columns: Sequence[str],
                       unique_key: Sequence[str]) -> int:
    """Append the query's rows to the target, or merge them on `unique_key`; returns rows written."""
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    try:
        return _incremental(writer, target, query, columns, unique_key, names)
    except psycopg.Error as exc:
        raise as_query_failed(exc) from exc


def _incremental(writer: psycopg.Connection, target: Target, query: str, columns: Sequence[str],
                 unique_key: Sequence[str], names: sql.Composed) -> int:
    with writer.transaction():
        if not unique_key:
            statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM (").format(target.ident(), names, names) \
                + sql.SQL(query) + sql.SQL(") AS wb_source")
            return max(writer.execute(statement).rowcount, 0)
        on = sql.SQL(" AND ").join(sql.SQL("t.{0} = s.{0}").format(sql.Identifier(k)) for k in unique_key)
        updated = [c for c in columns if c not in unique_key]
        updates = sql.SQL(", ").join(sql.SQL("{0} = s.{0}").format(sql.Identifier(c)) for c in updated)
        values = sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in columns)
        statement = (sql.SQL("MERGE INTO {} AS t USING (").format(target.ident()) + sql.SQL(query)
                     + sql.SQL(") AS s ON ") + on
                     + (sql.SQL(" WHEN MATCHED THEN UPDATE SET ") + updates if updated else sql.SQL(""))
                     + sql.SQL(" WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})").format(names, values))
        return max(writer.execute(statement).rowcount, 0)


def exists(conn: psycopg.Connection, target: Target) -> bool:
    """The target relation exists now."""
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                        (f'"{target.schema}"."{target.table}"',)).fetchone()[0]
