"""The live warehouse's schemas, tables and columns, for the editor's sidebar and autocomplete."""

from __future__ import annotations

from typing import Any

from services.core import db
from services.core.warehouse import WAREHOUSE_SCHEMAS
from services.identity.rbac import Permission, authorize


def live_columns(conn: Any) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{schema: {table: [(column, type), ...]}} for every warehouse table and view, read from Postgres now."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        " ORDER BY array_position(%s, n.nspname::text), c.relname, a.attnum",
        (list(WAREHOUSE_SCHEMAS), list(WAREHOUSE_SCHEMAS))).fetchall()
    tree: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for schema, table, column, type_name in rows:
        tree.setdefault(schema, {}).setdefault(table, []).append((column, type_name))
    return tree


def warehouse_columns(actor: Any) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{schema: {table: [(column, type), ...]}} for every warehouse table and view."""
    authorize(actor, Permission.VIEW_CATALOG)
    with db.connection() as conn:
        return live_columns(conn)


def completion_schema(tree: dict[str, dict[str, list[tuple[str, str]]]]) -> dict[str, dict[str, list[str]]]:
    """The nested shape CodeMirror's SQL completion takes: {schema: {table: [column, ...]}}."""
    return {schema: {table: [c for c, _ in columns] for table, columns in tables.items()}
            for schema, tables in tree.items()}
