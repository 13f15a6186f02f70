"""Catalog sync from pg_catalog: kinds, columns, comments kept apart from ours, removals, idempotence."""

from __future__ import annotations

import json
import uuid

import pytest

from services import catalog_sync, db


@pytest.fixture
def scratch_schema(migrated):
    name = f"sync_{uuid.uuid4().hex[:8]}"
    with db.connection() as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    yield name
    with db.connection() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    catalog_sync.sync()


def _table(schema: str, table: str):
    with db.connection() as conn:
        return conn.execute(
            "SELECT kind, db_comment, description FROM ip_workbench.tables WHERE schema_name = %s"
            " AND table_name = %s", (schema, table)).fetchone()


def _columns(schema: str, table: str):
    with db.connection() as conn:
        return conn.execute(
            "SELECT m.column_name, m.data_type, m.is_nullable, m.is_primary_key, m.column_default, m.db_comment"
            " FROM ip_workbench.table_metadata m JOIN ip_workbench.tables t ON t.id = m.table_id"
            " WHERE t.schema_name = %s AND t.table_name = %s ORDER BY m.ordinal_position", (schema, table)).fetchall()


def test_tables_views_and_columns_are_synced(scratch_schema):
    s = scratch_schema
    with db.connection() as conn:
        conn.execute(f"CREATE TABLE {s}.orders (id int PRIMARY KEY, status text NOT NULL DEFAULT 'new',"
                     " amount numeric(10,2))")
        conn.execute(f"COMMENT ON TABLE {s}.orders IS 'Customer orders'")
        conn.execute(f"COMMENT ON COLUMN {s}.orders.amount IS 'Order total'")
        conn.execute(f"CREATE VIEW {s}.open_orders AS SELECT id, amount FROM {s}.orders WHERE status = 'new'")
        conn.execute(f"CREATE MATERIALIZED VIEW {s}.order_totals AS SELECT sum(amount) AS total FROM {s}.orders")
    result = catalog_sync.sync()
    assert result.tables_added == 3
    assert _table(s, "orders") == ("table", "Customer orders", None)
    assert _table(s, "open_orders")[0] == "view"
    assert _table(s, "order_totals")[0] == "materialized_view"
    assert _columns(s, "orders") == [
        ("id", "integer", False, True, None, None),
        ("status", "text", False, False, "'new'::text", None),
        ("amount", "numeric(10,2)", True, False, None, "Order total"),
    ]


def test_a_resync_with_nothing_changed_writes_nothing(demo_warehouse):
    catalog_sync.sync()
    assert catalog_sync.sync().writes == 0


def test_our_description_survives_and_the_db_comment_follows_the_database(scratch_schema):
    s = scratch_schema
    with db.connection() as conn:
        conn.execute(f"CREATE TABLE {s}.vendors (id int)")
        conn.execute(f"COMMENT ON TABLE {s}.vendors IS 'old comment'")
    catalog_sync.sync()
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.tables SET description = 'Suppliers we pay' WHERE schema_name = %s"
                     " AND table_name = 'vendors'", (s,))
        conn.execute(f"COMMENT ON TABLE {s}.vendors IS 'new comment'")
    assert catalog_sync.sync().tables_updated == 1
    assert _table(s, "vendors") == ("table", "new comment", "Suppliers we pay")


def test_dropped_tables_and_columns_disappear(scratch_schema):
    s = scratch_schema
    with db.connection() as conn:
        conn.execute(f"CREATE TABLE {s}.a (x int, y int)")
        conn.execute(f"CREATE TABLE {s}.b (x int)")
    catalog_sync.sync()
    with db.connection() as conn:
        conn.execute(f"DROP TABLE {s}.b")
        conn.execute(f"ALTER TABLE {s}.a DROP COLUMN y")
    result = catalog_sync.sync()
    assert result.tables_removed == 1 and result.columns_removed >= 1
    assert _table(s, "b") is None
    assert [c[0] for c in _columns(s, "a")] == ["x"]


def test_workbench_metadata_is_never_catalogued(demo_warehouse):
    catalog_sync.sync()
    with db.connection() as conn:
        schemas = {r[0] for r in conn.execute("SELECT DISTINCT schema_name FROM ip_workbench.tables").fetchall()}
        own = conn.execute("SELECT count(*) FROM ip_workbench.tables WHERE schema_name = 'public'"
                           " AND table_name = 'alembic_version'").fetchone()[0]
    assert "ip_workbench" not in schemas and not any(s.startswith("pg_") for s in schemas) and own == 0


def test_cli_catalog_sync(demo_warehouse):
    from tests.services.test_cli import _run

    first = _run("catalog", "sync", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(_run("catalog", "sync", "--json").stdout)["writes"] == 0
