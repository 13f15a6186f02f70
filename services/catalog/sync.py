"""Catalog sync: bring ip_workbench.tables / table_metadata in line with pg_catalog.

Every non-system schema is synced (tables, partitioned tables, views, materialized views, foreign
tables), with columns, the database's comments, estimated rows, size and a change counter. Only rows
that differ are written, so a re-sync with nothing changed writes nothing. Descriptions written in
Workbench live in `description` and are never touched by a sync."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from services.catalog import search as catalog_search
from services.core import db
from services.core.errors import Conflict
from services.identity import audit
from services.identity.rbac import Permission, authorize, authorize_catalog_edit
from services.lineage import store as lineage_store

# Workbench's own objects outside ip_workbench.
_OWN_OBJECTS = ("public.alembic_version",)

_RELATIONS = """
SELECT c.oid, n.nspname, c.relname, c.relkind, c.xmin, n.xmin AS nsp_xmin
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'ip_workbench', 'procrastinate', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_%%'
  AND (n.nspname || '.' || c.relname) <> ALL(%(own)s)
"""

# Every catalog row a sync reads gets a new xmin when DDL changes it, so counts and xmin sums tell
# whether the structure (tables, columns, types, defaults, keys, comments) may have changed.
_FINGERPRINT = f"""
WITH rels AS ({_RELATIONS})
SELECT concat_ws(' ',
  (SELECT count(*) || '/' || coalesce(sum(xmin::text::bigint), 0) || '/' || coalesce(sum(nsp_xmin::text::bigint), 0)
     FROM rels),
  (SELECT count(*) || '/' || coalesce(sum(a.xmin::text::bigint), 0) FROM pg_attribute a JOIN rels r
     ON r.oid = a.attrelid WHERE a.attnum > 0),
  (SELECT count(*) || '/' || coalesce(sum(d.xmin::text::bigint), 0) FROM pg_description d JOIN rels r
     ON r.oid = d.objoid WHERE d.classoid = 'pg_class'::regclass),
  (SELECT count(*) || '/' || coalesce(sum(d.xmin::text::bigint), 0) FROM pg_attrdef d JOIN rels r
     ON r.oid = d.adrelid),
  (SELECT count(*) || '/' || coalesce(sum(i.xmin::text::bigint), 0) FROM pg_index i JOIN rels r
     ON r.oid = i.indrelid))
"""

_SNAPSHOT = f"""
CREATE TEMPORARY TABLE catalog_snapshot ON COMMIT DROP AS
SELECT r.nspname AS schema_name, r.relname AS table_name, r.oid AS relid, r.relkind,
       CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned_table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized_view' ELSE 'foreign_table' END AS kind,
       obj_description(r.oid, 'pg_class') AS db_comment,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_count,
       coalesce(pg_stat_get_tuples_inserted(r.oid) + pg_stat_get_tuples_updated(r.oid)
                + pg_stat_get_tuples_deleted(r.oid), 0) AS change_counter
FROM ({_RELATIONS}) r JOIN pg_class c ON c.oid = r.oid
"""

# Columns of the tables the catalog already has (new tables' columns are inserted straight from pg_attribute).
_COLUMNS_OF = """
SELECT {table_id} AS table_id, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS is_nullable,
       coalesce(a.attnum = ANY(p.indkey::int2[]), false) AS is_primary_key,
       pg_get_expr(d.adbin, d.adrelid) AS column_default,
       c.description AS db_comment, a.attnum::int AS ordinal_position
FROM catalog_snapshot s
JOIN ip_workbench.tables t ON t.schema_name = s.schema_name AND t.table_name = s.table_name
JOIN pg_attribute a ON a.attrelid = s.relid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_index p ON p.indrelid = s.relid AND p.indisprimary
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description c ON c.objoid = a.attrelid AND c.classoid = 'pg_class'::regclass AND c.objsubid = a.attnum
"""
_COLUMN_SNAPSHOT = "CREATE TEMPORARY TABLE catalog_column_snapshot ON COMMIT DROP AS" + _COLUMNS_OF.format(
    table_id="t.id")
_COLUMN_INSERT = ("INSERT INTO ip_workbench.table_metadata (table_id, column_name, data_type, is_nullable,"
                  " is_primary_key, column_default, db_comment, ordinal_position)")

# Size is read from the file system only for new tables and ones whose contents changed.
_SIZE = "CASE WHEN s.relkind IN ('r', 'p', 'm') THEN pg_total_relation_size(s.relid) END"
_TABLE_FIELDS = ("kind", "db_comment", "row_count", "change_counter")
_COLUMN_FIELDS = ("data_type", "is_nullable", "is_primary_key", "column_default", "db_comment",
                  "ordinal_position")


@dataclass(frozen=True)
class SyncResult:
    tables_added: int
    tables_updated: int
    tables_removed: int
    columns_added: int
    columns_updated: int
    columns_removed: int
    tables_total: int
    seconds: float
    fingerprint: str = ""
    structure_checked: bool = True  # False: the structure was unchanged, only statistics were read
    touched: frozenset[str] = frozenset()  # ids of tables added or changed (their search documents follow)

    @property
    def writes(self) -> int:
        """Rows written in ip_workbench by this sync."""
        return (self.tables_added + self.tables_updated + self.tables_removed + self.columns_added
                + self.columns_updated + self.columns_removed)


def _differs(alias: str, fields: tuple[str, ...]) -> str:
    return (f"({', '.join(f'{alias}.{f}' for f in fields)}) IS DISTINCT FROM "
            f"({', '.join(f's.{f}' for f in fields)})")


def _ids(cursor: psycopg.Cursor) -> set[str]:
    return {str(row[0]) for row in cursor.fetchall()}


def _sync_columns(conn: psycopg.Connection) -> tuple[int, int, int, set[str]]:
    """Columns of the tables the catalog had before this sync: removed, changed and added ones."""
    conn.execute(_COLUMN_SNAPSHOT)
    touched: set[str] = set()
    cursor = conn.execute(
        "DELETE FROM ip_workbench.table_metadata m WHERE NOT EXISTS (SELECT 1 FROM catalog_column_snapshot s"
        " WHERE s.table_id = m.table_id AND s.column_name = m.column_name) RETURNING m.table_id")
    removed = cursor.rowcount
    touched |= _ids(cursor)
    cursor = conn.execute(
        "UPDATE ip_workbench.table_metadata m SET data_type = s.data_type, is_nullable = s.is_nullable,"
        " is_primary_key = s.is_primary_key, column_default = s.column_default, db_comment = s.db_comment,"
        " ordinal_position = s.ordinal_position FROM catalog_column_snapshot s"
        f" WHERE m.table_id = s.table_id AND m.column_name = s.column_name AND {_differs('m', _COLUMN_FIELDS)}"
        " RETURNING m.table_id")
    updated = cursor.rowcount
    touched |= _ids(cursor)
    cursor = conn.execute(
        f"{_COLUMN_INSERT} SELECT s.table_id, s.column_name, s.data_type, s.is_nullable, s.is_primary_key,"
        " s.column_default, s.db_comment, s.ordinal_position FROM catalog_column_snapshot s"
        " WHERE NOT EXISTS (SELECT 1 FROM ip_workbench.table_metadata m WHERE m.table_id = s.table_id"
        " AND m.column_name = s.column_name) RETURNING table_id")
    added = cursor.rowcount
    touched |= _ids(cursor)
    conn.execute("DROP TABLE catalog_column_snapshot")
    return added, updated, removed, touched


def _add_tables(conn: psycopg.Connection) -> tuple[int, int, set[str]]:
    """Tables the catalog has not seen, then all their columns straight from pg_attribute, in id order
    (time-ordered ids: both go to the end of their indexes)."""
    cursor = conn.execute(
        "INSERT INTO ip_workbench.tables (schema_name, table_name, kind, db_comment, row_count, size_bytes,"
        " change_counter, last_updated, synced_at)"
        f" SELECT schema_name, table_name, kind, db_comment, row_count, {_SIZE}, change_counter, now(), now()"
        " FROM catalog_snapshot s WHERE NOT EXISTS (SELECT 1 FROM ip_workbench.tables t"
        " WHERE t.schema_name = s.schema_name AND t.table_name = s.table_name)"
        " ORDER BY s.schema_name, s.table_name RETURNING id")
    added = _ids(cursor)
    if not added:
        return 0, 0, set()
    columns = conn.execute(
        f"{_COLUMN_INSERT} SELECT * FROM ({_COLUMNS_OF.format(table_id='t.id')}"
        " WHERE t.id = ANY(%s::uuid[])) c ORDER BY table_id, ordinal_position", (list(added),)).rowcount
    return len(added), columns, added


def sync_catalog(conn: psycopg.Connection, previous_fingerprint: str | None = None) -> SyncResult:
    """Sync inside the caller's transaction (the demo load uses this); returns what was written.

    With the fingerprint of the last sync and an unchanged structure, only table statistics are read."""
    started = time.perf_counter()
    own = {"own": list(_OWN_OBJECTS)}
    conn.execute("SET LOCAL work_mem = '64MB'")  # 200k new columns sort in memory, not on disk
    fingerprint = conn.execute(_FINGERPRINT, own).fetchone()[0]
    structure_changed = fingerprint != previous_fingerprint
    conn.execute(_SNAPSHOT, own)
    removed = added = 0
    if structure_changed:
        removed = conn.execute(
            "DELETE FROM ip_workbench.tables t WHERE NOT EXISTS (SELECT 1 FROM catalog_snapshot s"
            " WHERE s.schema_name = t.schema_name AND s.table_name = t.table_name)").rowcount
    cursor = conn.execute(
        f"UPDATE ip_workbench.tables t SET kind = s.kind, db_comment = s.db_comment, row_count = s.row_count,"
        f" size_bytes = {_SIZE}, synced_at = now(),"
        " last_updated = CASE WHEN t.change_counter IS DISTINCT FROM s.change_counter THEN now()"
        "                     ELSE t.last_updated END,"
        " exact_row_count = CASE WHEN t.change_counter IS DISTINCT FROM s.change_counter THEN NULL"
        "                        ELSE t.exact_row_count END,"
        " change_counter = s.change_counter"
        " FROM catalog_snapshot s WHERE s.schema_name = t.schema_name AND s.table_name = t.table_name"
        f" AND {_differs('t', _TABLE_FIELDS)} RETURNING t.id, t.db_comment IS DISTINCT FROM s.db_comment")
    updated = cursor.rowcount
    # A new database comment changes the table's search document; statistics do not.
    touched = {str(row[0]) for row in cursor.fetchall() if row[1]}
    if structure_changed:
        columns_added, columns_updated, columns_removed, column_tables = _sync_columns(conn)
        touched |= column_tables
        added, new_columns, new_tables = _add_tables(conn)
        columns_added += new_columns
        touched |= new_tables
    else:
        columns_added = columns_updated = columns_removed = 0
    total = conn.execute("SELECT count(*) FROM ip_workbench.tables").fetchone()[0]
    conn.execute("DROP TABLE catalog_snapshot")
    return SyncResult(added, updated, removed, columns_added, columns_updated, columns_removed, total,
                      time.perf_counter() - started, fingerprint, structure_changed, frozenset(touched))


def _last_fingerprint(conn: psycopg.Connection) -> str | None:
    row = conn.execute("SELECT fingerprint FROM ip_workbench.catalog_sync_runs WHERE status = 'completed'"
                       " ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None


Progress = Callable[[str, float], None]
SYNC_LOCK = 7_231_001  # advisory lock key: one sync at a time per database


def _open_run(trigger: str, actor_label: str | None) -> int:
    with db.connection() as conn:
        return conn.execute("INSERT INTO ip_workbench.catalog_sync_runs (trigger, actor) VALUES (%s, %s)"
                            " RETURNING id", (trigger, actor_label)).fetchone()[0]


def _close_run(run_id: int, status: str, *, result: SyncResult | None = None, embedded: int | None = None,
               error: str | None = None) -> None:
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.catalog_sync_runs SET finished_at = now(), status = %s, writes = %s,"
                     " tables_total = %s, embedded = %s, error = %s, fingerprint = %s WHERE id = %s",
                     (status, result.writes if result else None, result.tables_total if result else None,
                      embedded, error, result.fingerprint if result and status == "completed" else None, run_id))


def _documents_missing(conn: psycopg.Connection) -> bool:
    """True when the catalog has tables without a search document (e.g. right after an upgrade)."""
    return conn.execute("SELECT EXISTS (SELECT 1 FROM ip_workbench.tables t WHERE NOT EXISTS"
                        " (SELECT 1 FROM ip_workbench.catalog_embeddings e"
                        " WHERE e.doc_key = t.schema_name || '.' || t.table_name))").fetchone()[0]


def sync(*, trigger: str = "cli", actor_label: str | None = None, progress: Progress | None = None,
         embed: bool = True) -> SyncResult:
    """Sync the catalog in a transaction of its own, then the search documents of what changed, then
    embed those for meaning search (each batch committed).

    One sync at a time: a second one while the first holds the lock raises Conflict."""
    say = progress or (lambda _message, _fraction: None)
    with db.connection() as conn:
        if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (SYNC_LOCK,)).fetchone()[0]:
            raise Conflict("A catalog sync is already running; try again when it has finished.")
        run_id = _open_run(trigger, actor_label)
        try:
            say("Reading the database catalog", 0.05)
            result = sync_catalog(conn, _last_fingerprint(conn))
        except Exception as exc:
            conn.rollback()
            _close_run(run_id, "failed", error=str(exc)[:1000])
            raise
    try:
        with db.connection() as conn:  # search documents of what changed, in a transaction of their own
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SYNC_LOCK,))
            if _documents_missing(conn):
                say(f"Catalog written ({result.writes:,} changes); storing every search document", 0.4)
                catalog_search.store_documents(conn)
            elif result.touched or result.tables_removed:
                say(f"Catalog written ({result.writes:,} changes); storing search documents", 0.4)
                catalog_search.store_documents(conn, sorted(result.touched))
            pending = catalog_search.index_status(conn)["pending"]
        with db.connection() as conn:  # lineage from views, the demo build and recent write queries
            lineage_store.refresh(conn)
    except Exception as exc:
        _close_run(run_id, "failed", result=result, error=f"search documents: {exc}"[:1000])
        raise
    embedded = 0
    try:
        if embed and pending:
            embedded = catalog_search.embed_pending(progress=lambda done, total: say(
                f"Embedding for meaning search: {done:,} of {total:,}", 0.5 + 0.5 * done / max(total, 1)))
    except Exception as exc:
        _close_run(run_id, "failed", result=result, embedded=embedded, error=f"embedding: {exc}"[:1000])
        raise
    _close_run(run_id, "completed", result=result, embedded=embedded)
    say(f"Done: {result.tables_total:,} tables, {result.writes:,} changes", 1.0)
    return result


def sync_now(actor: Any, *, progress: Progress | None = None, client_address: str | None = None) -> SyncResult:
    """A sync asked for by a person (the catalog page's button): engineers and admins."""
    authorize_catalog_edit(actor, client_address=client_address)
    result = sync(trigger="manual", actor_label=getattr(actor, "email", None), progress=progress)
    audit.record(action="catalog_synced", actor=actor, target="catalog", client_address=client_address,
                 details={"writes": result.writes, "tables": result.tables_total})
    return result


def scheduled_sync() -> None:
    """The scheduler's job; a sync already running is not an error here."""
    try:
        sync(trigger="schedule")
    except Conflict:
        return


@dataclass(frozen=True)
class SyncRun:
    trigger: str
    actor: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    writes: int | None
    tables_total: int | None
    embedded: int | None
    error: str | None


def recent_runs(actor: Any, limit: int = 5) -> list[SyncRun]:
    """The latest syncs, newest first (view_catalog)."""
    authorize(actor, Permission.VIEW_CATALOG)
    with db.connection() as conn:
        rows = conn.execute("SELECT trigger, actor, started_at, finished_at, status, writes, tables_total,"
                            " embedded, error FROM ip_workbench.catalog_sync_runs"
                            " ORDER BY started_at DESC, id DESC LIMIT %s", (limit,)).fetchall()
    return [SyncRun(*row) for row in rows]


def record_exact_counts(conn: psycopg.Connection, counts: dict[str, int]) -> None:
    """Store row counts known to be exact ("schema.table" → rows), e.g. right after the demo load."""
    for qualified, rows in counts.items():
        schema, table = qualified.split(".", 1)
        conn.execute("UPDATE ip_workbench.tables SET exact_row_count = %s, exact_counted_at = now()"
                     " WHERE schema_name = %s AND table_name = %s", (rows, schema, table))
