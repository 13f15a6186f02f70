"""A schema's and a column's detail, as their pages show them."""

from __future__ import annotations

import pytest

from services.catalog import schema_detail
from services.core import db
from services.core.errors import NotFound
from services.demo import quality as demo_quality
from services.quality import column_detail


def test_a_schemas_totals_and_the_lineage_crossing_it(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    found = schema_detail.schema_detail(viewer, "silver")
    with db.connection() as conn:
        count, rows = conn.execute("SELECT count(*), sum(coalesce(exact_row_count, row_count)) FROM"
                                   " ip_workbench.tables WHERE schema_name = 'silver'").fetchone()
    assert len(found.tables) == count and found.total_rows == rows
    assert all(e.target.startswith("silver.") and not e.source.startswith("silver.") for e in found.lineage_in)
    assert all(e.source.startswith("silver.") and not e.target.startswith("silver.") for e in found.lineage_out)
    assert any(e.source.startswith("bronze.") for e in found.lineage_in)
    with pytest.raises(NotFound, match="No catalogued table is in schema 'nowhere'"):
        schema_detail.schema_detail(viewer, "nowhere")


def test_a_column_with_its_sources_and_its_tests_latest_outcome(demo_warehouse, make_user):
    admin, _ = make_user("admin")
    demo_quality.ensure_tests(admin)  # the demo's tests, run once: amount has not_null and range
    viewer, _ = make_user("viewer")
    found = column_detail.column_detail(viewer, "gold.finance_expenses", "amount")
    assert found.column.name == "amount"
    assert found.sources and all(s.column for s in found.sources)
    assert {t.test_type for t in found.tests} == {"not_null", "range"}
    assert all(t.passed is not None and t.ran_at is not None for t in found.tests)
    with pytest.raises(NotFound, match="has no column"):
        column_detail.column_detail(viewer, "gold.finance_expenses", "no_such")
