"""Catalog search over the demo catalog: names first, then text, then meaning; the index follows changes."""

from __future__ import annotations

import json
import uuid

import pytest

from services.catalog import search as catalog_search
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import InvalidInput


def _top(actor, query: str, n: int = 3) -> list[str]:
    return [f"{h.schema_name}.{h.table_name}" + (f".{h.column_name}" if h.column_name else "")
            for h in catalog_search.search(actor, query, limit=n)]


@pytest.fixture
def viewer(demo_warehouse, make_user):
    catalog_sync.sync()
    return make_user("viewer")[0]


def test_exact_name_ranks_first(viewer):
    assert _top(viewer, "finance_expenses", 1) == ["gold.finance_expenses"]
    assert _top(viewer, "gold.vendor_monthly_spend", 1) == ["gold.vendor_monthly_spend"]


def test_prefix_matches_come_next(viewer):
    hits = catalog_search.search(viewer, "vendor_mon", limit=5)
    assert hits[0].table_name == "vendor_monthly_spend" and hits[0].match == "prefix"


@pytest.mark.parametrize(("query", "expected"), [
    ("supplier spend", "gold.vendor_monthly_spend"),
    ("staff", "silver.employees"),
    ("withholding tax per quarter", "platinum.bir_withholding_summary"),
    ("raw odoo expense records", "bronze.odoo_expense_events"),
])
def test_meaning_finds_synonyms(viewer, query, expected):
    assert any(name.startswith(expected) for name in _top(viewer, query, 3)), _top(viewer, query, 5)


def test_the_index_follows_new_and_dropped_tables(viewer):
    name = f"gold.supplier_scorecard_{uuid.uuid4().hex[:6]}"
    with db.connection() as conn:
        conn.execute(f"CREATE TABLE {name} (vendor_id int)")
        conn.execute(f"COMMENT ON TABLE {name} IS 'Quality score of each supplier'")
    catalog_sync.sync()
    assert _top(viewer, name.split(".")[1], 1) == [name]
    with db.connection() as conn:
        conn.execute(f"DROP TABLE {name}")
    catalog_sync.sync()
    assert all(not n.startswith(name) for n in _top(viewer, name.split(".")[1], 10))


def test_empty_query_is_refused(viewer):
    with pytest.raises(InvalidInput):
        catalog_search.search(viewer, "   ")


def test_cli_search_json(viewer):
    from tests.services.test_cli import _run

    result = _run("catalog", "search", "supplier spend", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert set(hits[0]) == {"schema_name", "table_name", "column_name", "score", "match"}  # as the API sends them
    assert any(h["table_name"] == "vendor_monthly_spend" for h in hits[:3])
