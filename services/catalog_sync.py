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

from services import audit, db
from services.errors import Conflict
from services.rbac import Permission, authorize, authorize_catalog_edit

# The warehouse layers of the demo and the query roles' grants.
WAREHOUSE_SCHEMAS = ("bronze", "silver", "gold", "platinum")
# Workbench's own objects outside ip_workbench.
_OWN_OBJECTS = ("public.alembic_version",)

_SNAPSHOT = """
CREATE TEMPORARY TABLE catalog_snapshot ON COMMIT DROP AS
SELECT n.nspname AS schema_name, c.relname AS table_name, c.oid AS relid,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned_table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized_view' ELSE 'foreign_table' END AS kind,
       obj_description(c.oid, 'pg_class') AS db_comment,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_count,
       CASE WHEN c.relkind IN ('r', 'p', 'm') THEN pg_total_relation_size(c.oid) END AS size_bytes,
       coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0) AS change_counter
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'ip_workbench', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_%%'
  AND (n.nspname || '.' || c.relname) <> ALL(%(own)s)
"""

_COLUMN_SNAPSHOT = """
CREATE TEMPORARY TABLE catalog_column_snapshot ON COMMIT DROP AS
SELECT s.schema_name, s.table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS is_nullable,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = s.relid AND i.indisprimary
               AND a.attnum = ANY(i.indkey)) AS is_primary_key,
       pg_get_expr(d.adbin, d.adrelid) AS column_default,
       col_description(s.relid, a.attnum) AS db_comment, a.attnum::int AS ordinal_position
FROM catalog_snapshot s
JOIN pg_attribute a ON a.attrelid = s.relid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
"""

_TABLE_FIELDS = ("kind", "db_comment", "row_count", "size_bytes", "change_counter")
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

    @property
    def writes(self) -> int:
        """Rows written in ip_workbench by this sync."""
        return (self.tables_added + self.tables_updated + self.tables_removed + self.columns_added
                + self.columns_updated + self.columns_removed)


def _differs(alias: str, fields: tuple[str, ...]) -> str:
    return (f"({', '.join(f'{alias}.{f}' for f in fields)}) IS DISTINCT FROM "
            f"({', '.join(f's.{f}' for f in fields)})")


def sync_catalog(conn: psycopg.Connection) -> SyncResult:
    """Sync inside the caller's transaction (the demo load uses this); returns what was written."""
    started = time.perf_counter()
    conn.execute(_SNAPSHOT, {"own": list(_OWN_OBJECTS)})
    conn.execute(_COLUMN_SNAPSHOT)
    removed = conn.execute(
        "DELETE FROM ip_workbench.tables t WHERE NOT EXISTS (SELECT 1 FROM catalog_snapshot s"
        " WHERE s.schema_name = t.schema_name AND s.table_name = t.table_name)").rowcount
    added = conn.execute(
        "INSERT INTO ip_workbench.tables (schema_name, table_name, kind, db_comment, row_count, size_bytes,"
        " change_counter, last_updated, synced_at)"
        " SELECT schema_name, table_name, kind, db_comment, row_count, size_bytes, change_counter, now(), now()"
        " FROM catalog_snapshot s WHERE NOT EXISTS (SELECT 1 FROM ip_workbench.tables t"
        " WHERE t.schema_name = s.schema_name AND t.table_name = s.table_name)").rowcount
    updated = conn.execute(
        "UPDATE ip_workbench.tables t SET kind = s.kind, db_comment = s.db_comment, row_count = s.row_count,"
        " size_bytes = s.size_bytes, synced_at = now(),"
        " last_updated = CASE WHEN t.change_counter IS DISTINCT FROM s.change_counter THEN now()"
        "                     ELSE t.last_updated END,"
        " exact_row_count = CASE WHEN t.change_counter IS DISTINCT FROM s.change_counter THEN NULL"
        "                        ELSE t.exact_row_count END,"
        " change_counter = s.change_counter"
        " FROM catalog_snapshot s WHERE s.schema_name = t.schema_name AND s.table_name = t.table_name"
        f" AND {_differs('t', _TABLE_FIELDS)}").rowcount
    columns_removed = conn.execute(
        "DELETE FROM ip_workbench.table_metadata m USING ip_workbench.tables t WHERE m.table_id = t.id"
        " AND NOT EXISTS (SELECT 1 FROM catalog_column_snapshot s WHERE s.schema_name = t.schema_name"
        " AND s.table_name = t.table_name AND s.column_name = m.column_name)").rowcount
    columns_added = conn.execute(
        "INSERT INTO ip_workbench.table_metadata (table_id, column_name, data_type, is_nullable, is_primary_key,"
        " column_default, db_comment, ordinal_position)"
        " SELECT t.id, s.column_name, s.data_type, s.is_nullable, s.is_primary_key, s.column_default,"
        " s.db_comment, s.ordinal_position FROM catalog_column_snapshot s JOIN ip_workbench.tables t"
        " ON t.schema_name = s.schema_name AND t.table_name = s.table_name"
        " WHERE NOT EXISTS (SELECT 1 FROM ip_workbench.table_metadata m WHERE m.table_id = t.id"
        " AND m.column_name = s.column_name)").rowcount
    columns_updated = conn.execute(
        "UPDATE ip_workbench.table_metadata m SET data_type = s.data_type, is_nullable = s.is_nullable,"
        " is_primary_key = s.is_primary_key, column_default = s.column_default, db_comment = s.db_comment,"
        " ordinal_position = s.ordinal_position"
        " FROM catalog_column_snapshot s, ip_workbench.tables t"
        " WHERE m.table_id = t.id AND t.schema_name = s.schema_name AND t.table_name = s.table_name"
        f" AND m.column_name = s.column_name AND {_differs('m', _COLUMN_FIELDS)}").rowcount
    total = conn.execute("SELECT count(*) FROM ip_workbench.tables").fetchone()[0]
    conn.execute("DROP TABLE catalog_snapshot, catalog_column_snapshot")
    return SyncResult(added, updated, removed, columns_added, columns_updated, columns_removed, total,
                      time.perf_counter() - started)


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
                     " tables_total = %s, embedded = %s, error = %s WHERE id = %s",
                     (status, result.writes if result else None, result.tables_total if result else None,
                      embedded, error, run_id))


def sync(*, trigger: str = "cli", actor_label: str | None = None, progress: Progress | None = None,
         embed: bool = True) -> SyncResult:
    """Sync in a transaction of its own, then embed what changed for search (each batch committed).

    One sync at a time: a second one while the first holds the lock raises Conflict."""
    from services import catalog_search

    say = progress or (lambda _message, _fraction: None)
    with db.connection() as conn:
        if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (SYNC_LOCK,)).fetchone()[0]:
            raise Conflict("A catalog sync is already running; try again when it has finished.")
        run_id = _open_run(trigger, actor_label)
        try:
            say("Reading the database catalog", 0.05)
            result = sync_catalog(conn)
            say(f"Catalog written ({result.writes:,} changes); storing search documents", 0.4)
            pending = catalog_search.store_documents(conn)
        except Exception as exc:
            conn.rollback()
            _close_run(run_id, "failed", error=str(exc)[:1000])
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
