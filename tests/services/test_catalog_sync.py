"""Catalog sync from pg_catalog: kinds, columns, comments kept apart from ours, removals, idempotence."""

from __future__ import annotations

import json
import uuid

import pytest

from services.catalog import sync as catalog_sync
from services.core import db


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


def test_syncs_are_recorded_with_their_trigger(demo_warehouse, operator):
    catalog_sync.sync(trigger="cli", actor_label="cli:test@host")
    last = catalog_sync.recent_runs(operator, 1)[0]
    assert (last.trigger, last.actor, last.status, last.writes) == ("cli", "cli:test@host", "completed", 0)
    assert last.finished_at >= last.started_at and last.tables_total >= 9


def test_only_one_sync_at_a_time(demo_warehouse):
    from services.core.errors import Conflict

    with db.connection() as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (catalog_sync.SYNC_LOCK,))
        with pytest.raises(Conflict, match="already running"):
            catalog_sync.sync()
    assert catalog_sync.sync().writes == 0


def test_sync_now_is_for_engineers_and_admins_and_reports_progress(demo_warehouse, make_user):
    from services.core.errors import PermissionDenied

    viewer, _ = make_user("viewer")
    engineer, _ = make_user("engineer")
    with pytest.raises(PermissionDenied):
        catalog_sync.sync_now(viewer)
    seen: list[tuple[str, float]] = []
    result = catalog_sync.sync_now(engineer, progress=lambda message, fraction: seen.append((message, fraction)))
    assert result.writes == 0
    fractions = [f for _m, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[0][0] == "Reading the database catalog"
    last = catalog_sync.recent_runs(engineer, 1)[0]
    assert (last.trigger, last.actor) == ("manual", engineer.email)
    with db.connection() as conn:
        audited = conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'catalog_synced'"
                               " AND actor_email = %s", (engineer.email,)).fetchone()[0]
    assert audited == 1


def test_new_documents_are_searchable_by_name_before_their_embedding(scratch_schema, operator):
    from services.catalog import search as catalog_search

    with db.connection() as conn:
        conn.execute(f"CREATE TABLE {scratch_schema}.quokka_sightings (id int, seen_at timestamptz)")
    catalog_sync.sync(embed=False)
    assert catalog_search.index_status()["pending"] >= 3  # the table and its two columns
    hits = catalog_search.search(operator, "quokka_sigh")
    assert (hits[0].schema_name, hits[0].table_name, hits[0].column_name) == (scratch_schema, "quokka_sightings",
                                                                              None)
    steps: list[tuple[int, int]] = []
    embedded = catalog_search.embed_pending(batch=2, progress=lambda done, total: steps.append((done, total)))
    assert embedded >= 3 and steps[-1][0] == steps[-1][1] == embedded
    assert catalog_search.index_status()["pending"] == 0
    meaning = catalog_search.search(operator, "marsupial observations", limit=5)
    assert any(h.table_name == "quokka_sightings" for h in meaning)
