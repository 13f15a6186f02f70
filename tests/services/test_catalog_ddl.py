"""Export DDL, tested by recreating objects from it in a scratch schema and comparing them."""

from __future__ import annotations

import uuid

import pytest

from services.catalog import ddl as catalog_ddl
from services.catalog import sync as catalog_sync
from services.core import db


@pytest.fixture
def scratch(demo_warehouse):
    source, target = f"ddl_src_{uuid.uuid4().hex[:6]}", f"ddl_dst_{uuid.uuid4().hex[:6]}"
    with db.connection() as conn:
        conn.execute(f"CREATE SCHEMA {source}; CREATE SCHEMA {target}")
        conn.execute(f"""
            CREATE TABLE {source}.orders (
                id int PRIMARY KEY, code text NOT NULL UNIQUE, vendor_id int REFERENCES silver.vendors(vendor_id),
                amount numeric(12,2) DEFAULT 0 CHECK (amount >= 0), note text);
            CREATE INDEX orders_vendor_idx ON {source}.orders (vendor_id, amount DESC);
            COMMENT ON TABLE {source}.orders IS 'Orders; with a quote''s edge case';
            COMMENT ON COLUMN {source}.orders.amount IS 'Order total in PHP';
            CREATE VIEW {source}.big_orders AS SELECT id, amount FROM {source}.orders WHERE amount > 1000;
            COMMENT ON VIEW {source}.big_orders IS 'Orders over 1,000';""")
    catalog_sync.sync()
    yield source, target
    with db.connection() as conn:
        conn.execute(f"DROP SCHEMA {source} CASCADE; DROP SCHEMA {target} CASCADE")
    catalog_sync.sync()


def _shape(schema: str, table: str):
    with db.connection() as conn:
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position", (schema, table)).fetchall()
        constraints = sorted(r[0] for r in conn.execute(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = %s AND t.relname = %s",
            (schema, table)).fetchall())
        indexes = conn.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                               (schema, table)).fetchone()[0]
        comment = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", (f"{schema}.{table}",)).fetchone()
    return columns, constraints, indexes, comment


def test_a_table_is_recreated_from_its_ddl(scratch, make_user):
    source, target = scratch
    viewer, _ = make_user("viewer")
    ddl = catalog_ddl.export_ddl(viewer, f"{source}.orders", into_schema=target)
    assert "CREATE TABLE" in ddl and "orders_vendor_idx" in ddl and "COMMENT ON COLUMN" in ddl
    with db.connection() as conn:
        conn.execute(ddl)
    assert _shape(target, "orders") == _shape(source, "orders")


def test_a_view_is_recreated_from_its_ddl(scratch, make_user):
    source, target = scratch
    viewer, _ = make_user("viewer")
    with db.connection() as conn:
        conn.execute(catalog_ddl.export_ddl(viewer, f"{source}.orders", into_schema=target))
    ddl = catalog_ddl.export_ddl(viewer, f"{source}.big_orders", into_schema=target)
    assert ddl.count("CREATE VIEW") == 1
    with db.connection() as conn:
        conn.execute(ddl.replace(f"{source}.orders", f"{target}.orders"))
        assert conn.execute(f"SELECT obj_description('{target}.big_orders'::regclass, 'pg_class')"
                            ).fetchone()[0] == "Orders over 1,000"


def test_demo_tables_export(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    ddl = catalog_ddl.export_ddl(viewer, "silver.expenses")
    assert "PRIMARY KEY (expense_id)" in ddl and "CHECK" in ddl
