"""Browsing the catalog: schema counts, sorted pages, favorites first, sample rows and exact counts as the user."""

from __future__ import annotations

import uuid

import pytest

from services.catalog import browse as catalog_browse
from services.catalog import favorites as catalog_favorites
from services.catalog import sync as catalog_sync
from services.core import db, identifiers
from services.core.errors import InvalidInput, NotFound


@pytest.fixture
def odd_table(demo_warehouse):
    """A table whose names need quoting, in the platinum layer."""
    name = f"Odd Table {uuid.uuid4().hex[:6]}"
    with db.connection() as conn:
        conn.execute(f'CREATE TABLE platinum."{name}" ("Mixed Case" int PRIMARY KEY, plain text)')
        conn.execute(f'INSERT INTO platinum."{name}" SELECT g, g::text FROM generate_series(1, 30) g')
    catalog_sync.sync(embed=False)
    yield f"platinum.{name}"
    with db.connection() as conn:
        conn.execute(f'DROP TABLE IF EXISTS platinum."{name}"')
    catalog_sync.sync(embed=False)


def test_schema_counts_match_the_database(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    catalog_sync.sync(embed=False)
    counts = {c.schema_name: c.tables + c.views for c in catalog_browse.schema_counts(viewer)}
    with db.connection() as conn:
        expected = dict(conn.execute(
            "SELECT n.nspname, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('bronze', 'silver', 'gold', 'platinum') AND c.relkind IN ('r','p','v','m','f')"
            " AND NOT c.relispartition GROUP BY 1").fetchall())
    assert {k: v for k, v in counts.items() if k in expected} == expected
    assert list(counts)[:4] == ["bronze", "silver", "gold", "platinum"]


def test_sorted_paged_and_filtered(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    by_size = catalog_browse.list_tables(viewer, sort="size", descending=True, page_size=3)
    sizes = [r.size_bytes for r in by_size.rows]
    assert sizes == sorted(sizes, reverse=True) and by_size.total >= 9
    second = catalog_browse.list_tables(viewer, sort="size", descending=True, page=1, page_size=3)
    assert not {r.qualified for r in second.rows} & {r.qualified for r in by_size.rows}
    gold = catalog_browse.list_tables(viewer, schema="gold", sort="name")
    assert gold.rows and all(r.schema_name == "gold" for r in gold.rows)
    assert [r.table_name for r in gold.rows] == sorted(r.table_name for r in gold.rows)
    with pytest.raises(InvalidInput):
        catalog_browse.list_tables(viewer, sort="size; DROP TABLE x")


def test_favorites_are_per_user_and_listed_first(demo_warehouse, make_user):
    alice, _ = make_user("viewer")
    bob, _ = make_user("engineer")
    catalog_favorites.set_favorite(alice, "silver.vendors", True)
    catalog_favorites.set_favorite(alice, "silver.vendors", True)  # twice is still one
    assert catalog_favorites.favorites(alice) == ["silver.vendors"]
    assert catalog_favorites.favorites(bob) == []
    first = catalog_browse.list_tables(alice, sort="name").rows[0]
    assert first.qualified == "silver.vendors" and first.favorite
    assert catalog_browse.list_tables(bob, sort="name").rows[0].qualified != "silver.vendors"
    catalog_favorites.set_favorite(alice, "silver.vendors", False)
    assert catalog_favorites.favorites(alice) == []
    with pytest.raises(NotFound):
        catalog_favorites.set_favorite(alice, "silver.no_such_table", True)


def test_operator_has_no_favorites(demo_warehouse, operator):
    with pytest.raises(InvalidInput):
        catalog_favorites.favorites(operator)


def test_a_dropped_table_leaves_favorites(odd_table, make_user):
    viewer, _ = make_user("viewer")
    catalog_favorites.set_favorite(viewer, odd_table, True)
    with db.connection() as conn:
        conn.execute(f"DROP TABLE {identifiers.quoted(odd_table)}")
    catalog_sync.sync(embed=False)
    assert catalog_favorites.favorites(viewer) == []


def test_sample_rows_run_as_the_user_through_the_execution_service(odd_table, make_user):
    viewer, _ = make_user("viewer")
    result = catalog_browse.sample_rows(viewer, odd_table)
    assert [c.name for c in result.columns] == ["Mixed Case", "plain"]
    assert len(result.rows) == catalog_browse.SAMPLE_ROWS and not result.has_more
    with db.connection() as conn:
        source, sql_text = conn.execute(
            "SELECT source, sql FROM ip_workbench.query_history WHERE user_id = %s"
            " ORDER BY executed_at DESC LIMIT 1", (viewer.id,)).fetchone()
    assert source == "catalog" and "LIMIT 20" in sql_text


def test_exact_count_is_kept_beside_the_estimate(odd_table, make_user):
    viewer, _ = make_user("viewer")
    assert catalog_browse.count_rows_exactly(viewer, odd_table) == 30
    row = next(r for r in catalog_browse.list_tables(viewer, schema="platinum").rows if r.qualified == odd_table)
    assert row.row_count == 30 and row.rows_exact


def test_ready_select_names_every_column_and_quotes_odd_names(odd_table, make_user):
    viewer, _ = make_user("viewer")
    text = catalog_browse.ready_select(viewer, odd_table)
    schema, table = odd_table.split(".", 1)
    assert text == f'SELECT "Mixed Case",\n       plain\nFROM platinum."{table}"\nLIMIT 100;'
    from services.sql import execution as query_execution

    assert len(query_execution.execute_all(viewer, text).rows) == 30
    assert catalog_browse.ready_select(viewer, "gold.vendor_monthly_spend").startswith("SELECT month,\n")
