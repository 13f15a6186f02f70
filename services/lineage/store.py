"""Keeping lineage in ip_workbench.lineage (table edges, with the SQL that makes them) and
ip_workbench.column_lineage, from every source: view definitions, registered build scripts (the demo's
build, pipeline nodes), write statements in query_history and edges people add by hand."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from services.core import db
from services.core.errors import ExternalServiceError, InvalidInput, NotFound
from services.core.table_names import resolve_table
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.lineage import neo4j_mirror as lineage_neo4j
from services.lineage.extract import LineageResult, extract_lineage, statement_flows, statements_making

# Statements in query_history that can move data between tables.
_WRITES = re.compile(r"^\s*(WITH\b.*?\b)?(INSERT|CREATE|UPDATE|MERGE|SELECT\b.*\bINTO\b)", re.IGNORECASE | re.DOTALL)
QUERY_HISTORY_LIMIT = 5000


@dataclass(frozen=True)
class Recorded:
    table_edges: int
    column_edges: int
    unresolved: list[str]  # table names the catalog does not know (CTE-less temp names, other databases)
    written: bool = False  # whether the edges changed


def catalog_ids(conn: psycopg.Connection) -> dict[str, str]:
    """'schema.table' → id, plus bare 'table' → id when the name is unique across schemas."""
    ids: dict[str, str] = {}
    bare: dict[str, list[str]] = {}
    for table_id, schema, table in conn.execute(
            "SELECT id::text, schema_name, table_name FROM ip_workbench.tables"):
        ids[f"{schema}.{table}".lower()] = table_id
        bare.setdefault(table.lower(), []).append(table_id)
    for name, found in bare.items():
        if len(found) == 1 and name not in ids:
            ids[name] = found[0]
    return ids


def resolve(name: str | None, ids: dict[str, str]) -> str | None:
    if not name:
        return None
    if name in ids:
        return ids[name]
    parts = name.split(".")
    return ids.get(".".join(parts[-2:])) if len(parts) > 2 else None


def record(conn: psycopg.Connection, result: LineageResult, *, origin: str, origin_key: str, sql: str,
           created_by: str | None = None, ids: dict[str, str] | None = None) -> Recorded:
    """Replace the edges of one origin_key with those of `result` (inside the caller's transaction)."""
    ids = ids if ids is not None else catalog_ids(conn)
    pairs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    unresolved = sorted({n for n in result.sources | result.targets if resolve(n, ids) is None})
    for source_table, source_column, target_table, target_column in result.columns:
        source_id, target_id = resolve(source_table, ids), resolve(target_table, ids)
        if source_id and target_id:
            pairs.setdefault((source_id, target_id), set()).add((source_column, target_column))
    if len(result.targets) == 1:  # every table the statement reads feeds its one target (filters, lookups)
        target_id = resolve(next(iter(result.targets)), ids)
        for source in result.sources:
            source_id = resolve(source, ids)
            if source_id and target_id and source_id != target_id:
                pairs.setdefault((source_id, target_id), set())
    texts = _sql_per_target(sql, result.targets, ids)
    written = record_edges(conn, pairs, origin=origin, origin_key=origin_key,
                           sql_for=lambda target_id: texts.get(target_id, sql), created_by=created_by)
    return Recorded(written.table_edges, written.column_edges, unresolved)


def record_edges(conn: psycopg.Connection, pairs: dict[tuple[str, str], set[tuple[str, str]]], *, origin: str,
                 origin_key: str, sql_for: Callable[[str], str], created_by: str | None = None) -> Recorded:
    """Make one origin_key's edges exactly `pairs` ({(source id, target id): {(source column, target column)}},
    SQL per target id); writes nothing when they are already so. Returns what it holds (unresolved: [])."""
    columns = sum(len(c) for c in pairs.values())
    wanted_sql = {sql_for(target_id) for _source_id, target_id in pairs}
    if _stored(conn, origin_key) == ({k: frozenset(v) for k, v in pairs.items()}, wanted_sql):
        return Recorded(len(pairs), columns, [], written=False)  # unchanged: write nothing
    conn.execute("DELETE FROM ip_workbench.lineage WHERE origin_key = %s", (origin_key,))
    for (source_id, target_id), column_pairs in pairs.items():
        lineage_id = conn.execute(
            "INSERT INTO ip_workbench.lineage (source_table_id, target_table_id, transformation_sql, origin,"
            " origin_key, created_by) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (source_id, target_id, sql_for(target_id), origin, origin_key, created_by)).fetchone()[0]
        if column_pairs:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO ip_workbench.column_lineage (lineage_id, source_table_id, source_column,"
                    " target_table_id, target_column) VALUES (%s, %s, %s, %s, %s)",
                    [(lineage_id, source_id, s, target_id, t) for s, t in sorted(column_pairs)])
    return Recorded(len(pairs), columns, [], written=True)


def _sql_per_target(sql: str, targets: frozenset[str], ids: dict[str, str]) -> dict[str, str]:
    """For a script: target table id → only the statements that build it (not the whole script)."""
    flows = statement_flows(sql)
    if len(flows) <= 1:
        return {}
    texts = {}
    for target in targets:
        target_id = resolve(target, ids)
        statements = statements_making(flows, target, targets)
        if target_id and statements:
            texts[target_id] = ";\n\n".join(statements) + ";"
    return texts


def _stored(conn: psycopg.Connection, origin_key: str
            ) -> tuple[dict[tuple[str, str], frozenset[tuple[str, str]]], set[str]]:
    """The edges one origin_key has now, and the SQL they carry."""
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    sqls: set[str] = set()
    for source_id, target_id, sql, source_column, target_column in conn.execute(
            "SELECT l.source_table_id::text, l.target_table_id::text, l.transformation_sql, c.source_column,"
            " c.target_column FROM ip_workbench.lineage l LEFT JOIN ip_workbench.column_lineage c"
            " ON c.lineage_id = l.id WHERE l.origin_key = %s", (origin_key,)):
        found = edges.setdefault((source_id, target_id), set())
        sqls.add(sql)
        if source_column is not None:
            found.add((source_column, target_column))
    return {k: frozenset(v) for k, v in edges.items()}, sqls


def _view_definitions(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN ip_workbench.tables t"
        "   ON t.schema_name = n.nspname AND t.table_name = c.relname"
        " WHERE c.relkind IN ('v', 'm')").fetchall()


def register_script(conn: psycopg.Connection, *, origin: str, origin_key: str, sql: str,
                    created_by: str | None = None) -> None:
    """Keep a build script (the demo's build, a pipeline node) as a lineage source: every refresh re-reads
    it. Registering the same origin_key again replaces its SQL."""
    conn.execute(
        "INSERT INTO ip_workbench.lineage_scripts (origin_key, origin, sql, created_by) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (origin_key) DO UPDATE SET origin = excluded.origin, sql = excluded.sql,"
        " created_by = excluded.created_by, updated_at = now()", (origin_key, origin, sql, created_by))


def unregister_script(conn: psycopg.Connection, origin_key: str) -> None:
    """Stop reading a script; its edges go at the next refresh."""
    conn.execute("DELETE FROM ip_workbench.lineage_scripts WHERE origin_key = %s", (origin_key,))


def mirror_if_configured(conn: psycopg.Connection) -> str:
    """Rewrite the Neo4j mirror when one is configured; returns a notice when it could not be reached."""
    if not lineage_neo4j.configured():
        return ""
    try:
        lineage_neo4j.mirror(conn)
    except ExternalServiceError as exc:
        return f"{exc} Graph questions are answered from Postgres until it is back."
    return ""


def refresh(conn: psycopg.Connection) -> dict[str, int]:
    """Re-read every automatic source (run on catalog sync); manual edges stay as people left them."""
    ids = catalog_ids(conn)
    counts = {"views": 0, "scripts": 0, "queries": 0, "table_edges": 0}
    seen: set[str] = set()
    for schema, name, definition in _view_definitions(conn):
        key = f"view:{schema}.{name}"
        try:
            found = extract_lineage(f"CREATE VIEW {schema}.{name} AS {definition}")
        except InvalidInput:
            continue
        counts["table_edges"] += record(conn, found, origin="view", origin_key=key, sql=definition, ids=ids
                                        ).table_edges
        counts["views"] += 1
        seen.add(key)
    for origin, key, script, created_by in conn.execute(
            "SELECT origin, origin_key, sql, created_by::text FROM ip_workbench.lineage_scripts ORDER BY origin_key"
            ).fetchall():
        try:
            found = extract_lineage(script)
        except InvalidInput:
            continue
        counts["table_edges"] += record(conn, found, origin=origin, origin_key=key, sql=script,
                                        created_by=created_by, ids=ids).table_edges
        counts["scripts"] += 1
        seen.add(key)
    recorded = {row[0] for row in conn.execute(
        "SELECT DISTINCT origin_key FROM ip_workbench.lineage WHERE origin = 'query'")}
    for query_id, user_id, sql_text in conn.execute(
            "SELECT id::text, user_id::text, sql FROM ip_workbench.query_history WHERE status = 'completed'"
            " ORDER BY executed_at DESC LIMIT %s", (QUERY_HISTORY_LIMIT,)).fetchall():
        if f"query:{query_id}" in recorded:  # a query's SQL never changes: read it once
            seen.add(f"query:{query_id}")
            continue
        if not _WRITES.match(sql_text or ""):
            continue
        try:
            found = extract_lineage(sql_text)
        except InvalidInput:
            continue
        if found.targets:
            counts["table_edges"] += record(conn, found, origin="query", origin_key=f"query:{query_id}",
                                            sql=sql_text, created_by=user_id, ids=ids).table_edges
            counts["queries"] += 1
            seen.add(f"query:{query_id}")
    # Sources that went away (a dropped view, history beyond the window) take their edges along.
    conn.execute("DELETE FROM ip_workbench.lineage WHERE origin IN ('view', 'demo_build', 'pipeline', 'query')"
                 " AND origin_key <> ALL(%s)", (sorted(seen),))
    mirror_if_configured(conn)
    return counts


def refresh_now(actor: Any) -> dict[str, int]:
    """Refresh in a transaction of its own (view_lineage: reading sources anyone may see)."""
    authorize(actor, Permission.VIEW_LINEAGE)
    with db.connection() as conn:
        return refresh(conn)


def _table_id(conn: psycopg.Connection, qualified: str) -> str:
    return resolve_table(conn, qualified).id


def parse_column_pairs(items: Iterable[str]) -> list[tuple[str, str]]:
    """`source_column:target_column` items (blank ones skipped) → pairs; InvalidInput names a bad one."""
    pairs = []
    for item in items:
        if not item.strip():
            continue
        left, sep, right = item.partition(":")
        if not sep or not left.strip() or not right.strip():
            raise InvalidInput(f"Write column pairs as source_column:target_column, not {item.strip()!r}.")
        pairs.append((left.strip(), right.strip()))
    return pairs


def add_manual_edge(actor: Any, source: str, target: str, *, columns: list[tuple[str, str]] | None = None,
                    note: str = "", client_address: str | None = None) -> str:
    """An edge a person knows about and SQL cannot show (edit_lineage); returns its origin key."""
    import uuid

    authorize(actor, Permission.EDIT_LINEAGE, client_address=client_address)
    if source.strip().lower() == target.strip().lower():
        raise InvalidInput("An edge needs two different tables.")
    with db.connection() as conn:
        source_id, target_id = _table_id(conn, source), _table_id(conn, target)
        known = {row[0] for row in conn.execute(
            "SELECT table_id::text || '.' || column_name FROM ip_workbench.table_metadata"
            " WHERE table_id IN (%s, %s)", (source_id, target_id))}
        for source_column, target_column in columns or []:
            for table_id, column, name in ((source_id, source_column, source), (target_id, target_column, target)):
                if f"{table_id}.{column}" not in known:
                    raise InvalidInput(f"{name} has no column {column}.")
        key = f"manual:{uuid.uuid4()}"
        columns_sql = ", ".join(f"{s} -> {t}" for s, t in columns or [])
        lineage_id = conn.execute(
            "INSERT INTO ip_workbench.lineage (source_table_id, target_table_id, transformation_sql, origin,"
            " origin_key, created_by) VALUES (%s, %s, %s, 'manual', %s, %s) RETURNING id",
            (source_id, target_id, f"-- added by {actor.email}: {note}".strip() + (
                f"\n-- columns: {columns_sql}" if columns_sql else ""), key, getattr(actor, "id", None))).fetchone()[0]
        for source_column, target_column in columns or []:
            conn.execute("INSERT INTO ip_workbench.column_lineage (lineage_id, source_table_id, source_column,"
                         " target_table_id, target_column) VALUES (%s, %s, %s, %s, %s)",
                         (lineage_id, source_id, source_column, target_id, target_column))
        audit.record(action="lineage_edge_added", actor=actor, target=f"{source} -> {target}",
                     client_address=client_address, details={"columns": columns or [], "note": note}, conn=conn)
        mirror_if_configured(conn)
    return key


def remove_manual_edge(actor: Any, origin_key: str, *, client_address: str | None = None) -> None:
    """Remove an edge a person added (edit_lineage); edges read from SQL come back from their SQL."""
    authorize(actor, Permission.EDIT_LINEAGE, client_address=client_address)
    with db.connection() as conn:
        removed = conn.execute("DELETE FROM ip_workbench.lineage WHERE origin = 'manual' AND origin_key = %s",
                               (origin_key,)).rowcount
        if not removed:
            raise NotFound("No such manual edge.")
        audit.record(action="lineage_edge_removed", actor=actor, target=origin_key,
                     client_address=client_address, conn=conn)
        mirror_if_configured(conn)


def add_edges(conn: psycopg.Connection, origin: str, edges: list[tuple[str, str, str, str, set[tuple[str, str]]]],
              created_by: str | None = None) -> int:
    """Insert edges under origin keys that hold none yet, all at once: (origin key, source id, target id, SQL,
    column pairs) each. Returns the column edges written."""
    if not edges:
        return 0
    keys, sources, targets, texts, _pairs = db.as_arrays(edges, 5)
    made = {(key, source, target): lineage_id for lineage_id, key, source, target in conn.execute(
        "INSERT INTO ip_workbench.lineage (source_table_id, target_table_id, transformation_sql, origin, origin_key,"
        " created_by) SELECT s, t, q, %s, k, %s FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[])"
        " AS v(s, t, q, k) RETURNING id, origin_key, source_table_id::text, target_table_id::text",
        (origin, created_by, sources, targets, texts, keys)).fetchall()}
    written = 0
    with conn.cursor().copy("COPY ip_workbench.column_lineage (lineage_id, source_table_id, source_column,"
                            " target_table_id, target_column) FROM STDIN") as copy:
        for key, source, target, _sql, pairs in edges:
            for source_column, target_column in sorted(pairs):
                copy.write_row((made[(key, source, target)], source, source_column, target, target_column))
                written += 1
    return written


def forget_origin_keys(conn: psycopg.Connection, origin: str, prefix: str, keep: Iterable[str]) -> int:
    """Remove the edges of `origin` whose key starts with `prefix` and is not in `keep` (a source that went
    away); returns how many edges went."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return conn.execute("DELETE FROM ip_workbench.lineage WHERE origin = %s AND origin_key LIKE %s"
                        " AND origin_key <> ALL(%s)", (origin, pattern, sorted(keep))).rowcount
