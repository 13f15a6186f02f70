"""Register warehouse tables and their columns in ip_workbench.tables / table_metadata from pg_catalog."""

from __future__ import annotations

import psycopg

WAREHOUSE_SCHEMAS = ("bronze", "silver", "gold", "platinum")

_UPSERT_TABLES = """
INSERT INTO ip_workbench.tables AS t (schema_name, table_name, description, row_count, size_bytes, last_updated)
SELECT n.nspname, c.relname, obj_description(c.oid, 'pg_class'),
       greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid), now()
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm')
ON CONFLICT (schema_name, table_name) DO UPDATE SET
    description = EXCLUDED.description, row_count = EXCLUDED.row_count,
    size_bytes = EXCLUDED.size_bytes, last_updated = EXCLUDED.last_updated
"""

_DELETE_GONE_TABLES = """
DELETE FROM ip_workbench.tables t
WHERE t.schema_name = ANY(%(schemas)s) AND NOT EXISTS (
    SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = t.schema_name AND c.relname = t.table_name AND c.relkind IN ('r', 'p', 'v', 'm'))
"""

_UPSERT_COLUMNS = """
INSERT INTO ip_workbench.table_metadata AS m
    (table_id, column_name, data_type, is_nullable, is_primary_key, description, ordinal_position)
SELECT t.id, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)),
       col_description(c.oid, a.attnum), a.attnum
FROM ip_workbench.tables t
JOIN pg_namespace n ON n.nspname = t.schema_name
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE t.schema_name = ANY(%(schemas)s)
ON CONFLICT (table_id, column_name) DO UPDATE SET
    data_type = EXCLUDED.data_type, is_nullable = EXCLUDED.is_nullable,
    is_primary_key = EXCLUDED.is_primary_key, description = EXCLUDED.description,
    ordinal_position = EXCLUDED.ordinal_position
"""

_DELETE_GONE_COLUMNS = """
DELETE FROM ip_workbench.table_metadata m USING ip_workbench.tables t
WHERE m.table_id = t.id AND t.schema_name = ANY(%(schemas)s) AND NOT EXISTS (
    SELECT 1 FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = t.schema_name AND c.relname = t.table_name AND a.attname = m.column_name)
"""


def register_schemas(conn: psycopg.Connection, schemas: tuple[str, ...] = WAREHOUSE_SCHEMAS,
                     exact_counts: dict[str, int] | None = None) -> int:
    """Bring the catalog rows of `schemas` in line with pg_catalog; return the number of tables registered.

    Row counts are the planner's estimates unless `exact_counts` ("schema.table" → rows) gives them."""
    params = {"schemas": list(schemas)}
    conn.execute(_DELETE_GONE_TABLES, params)
    conn.execute(_UPSERT_TABLES, params)
    conn.execute(_DELETE_GONE_COLUMNS, params)
    conn.execute(_UPSERT_COLUMNS, params)
    for qualified, rows in (exact_counts or {}).items():
        schema, table = qualified.split(".", 1)
        conn.execute("UPDATE ip_workbench.tables SET row_count = %s WHERE schema_name = %s AND table_name = %s",
                     (rows, schema, table))
    return conn.execute("SELECT count(*) FROM ip_workbench.tables WHERE schema_name = ANY(%(schemas)s)",
                        params).fetchone()[0]
