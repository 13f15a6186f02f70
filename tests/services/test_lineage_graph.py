"""Stored lineage and graph questions: the demo build, views, write queries, manual edges; upstream,
downstream, column traces and impact analysis answered in Postgres."""

from __future__ import annotations

import pytest

from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import InvalidInput, NotFound, PermissionDenied
from services.lineage import graph as lineage_graph
from services.lineage import store as lineage_store
from services.sql import execution as query_execution


@pytest.fixture
def synced(demo_warehouse):
    catalog_sync.sync(embed=False)


def _edges() -> set[tuple[str, str, str]]:
    with db.connection() as conn:
        return set(conn.execute(
            "SELECT s.schema_name || '.' || s.table_name, t.schema_name || '.' || t.table_name, l.origin"
            " FROM ip_workbench.lineage l JOIN ip_workbench.tables s ON s.id = l.source_table_id"
            " JOIN ip_workbench.tables t ON t.id = l.target_table_id").fetchall())


def test_the_demo_build_gives_the_medallion_chain(synced):
    edges = {(a, b) for a, b, origin in _edges() if origin == "demo_build"}
    assert {("bronze.odoo_expense_events", "silver.expenses"), ("silver.expenses", "gold.finance_expenses"),
            ("silver.vendors", "gold.finance_expenses"), ("gold.finance_expenses", "gold.vendor_monthly_spend"),
            ("gold.finance_expenses", "platinum.bir_withholding_summary")} <= edges
    assert not any("stage_expense_events" in a or "stage_expense_events" in b for a, b in edges)


def test_neighbourhood_both_ways(synced, make_user):
    viewer, _ = make_user("viewer")
    graph = lineage_graph.neighbourhood(viewer, "gold.finance_expenses", depth=3)
    depths = {n.name: n.depth for n in graph.nodes}
    assert depths["gold.finance_expenses"] == 0
    assert depths["silver.expenses"] == -1 and depths["bronze.odoo_expense_events"] == -2
    assert depths["gold.vendor_monthly_spend"] == 1
    assert ("silver.expenses", "gold.finance_expenses") in {(e.source, e.target) for e in graph.edges}
    upstream = lineage_graph.neighbourhood(viewer, "gold.finance_expenses", depth=1, direction="upstream")
    assert all(n.depth <= 0 for n in upstream.nodes) and "bronze.odoo_expense_events" not in {
        n.name for n in upstream.nodes}


def test_a_column_traced_back_to_bronze(synced, make_user):
    viewer, _ = make_user("viewer")
    found = {(i.table, i.column): i for i in lineage_graph.column_sources(viewer, "gold.finance_expenses",
                                                                         "amount_php")}
    assert found[("silver.expenses", "amount")].depth == 1
    assert found[("silver.expenses", "currency")].depth == 1
    payload = found[("bronze.odoo_expense_events", "payload")]
    assert payload.depth == 2 and payload.path[0] == "gold.finance_expenses.amount_php"
    assert payload.path[-1] == "bronze.odoo_expense_events.payload"


def test_impact_of_changing_silver_expenses(synced, make_user):
    engineer, _ = make_user("engineer")
    result = lineage_graph.impact(engineer, "silver.expenses")
    tables = {i.table: i for i in result.tables}
    assert tables["gold.finance_expenses"].depth == 1
    assert tables["gold.vendor_monthly_spend"].depth == 2
    assert tables["gold.vendor_monthly_spend"].path == ("silver.expenses", "gold.finance_expenses",
                                                        "gold.vendor_monthly_spend")
    columns = {(i.table, i.column): i for i in result.columns}
    amount = columns[("gold.finance_expenses", "amount_php")]
    assert amount.path[-1] == "gold.finance_expenses.amount_php" and amount.path[0].startswith("silver.expenses.")
    assert ("gold.vendor_monthly_spend", "total_amount_php") in columns
    one = lineage_graph.impact(engineer, "silver.expenses", "currency")
    assert {(i.table, i.column) for i in one.columns} >= {("gold.finance_expenses", "currency"),
                                                          ("gold.finance_expenses", "amount_php")}
    assert ("gold.finance_expenses", "expense_id") not in {(i.table, i.column) for i in one.columns}


def test_bad_questions_get_clear_errors(synced, make_user):
    viewer, _ = make_user("viewer")
    with pytest.raises(InvalidInput, match="Depth"):
        lineage_graph.neighbourhood(viewer, "gold.finance_expenses", depth=0)
    with pytest.raises(NotFound):
        lineage_graph.impact(viewer, "gold.nope")
    with pytest.raises(NotFound):
        lineage_graph.impact(viewer, "gold.finance_expenses", "no_such_column")
    with pytest.raises(InvalidInput):
        lineage_graph.neighbourhood(viewer, "finance_expenses")


def test_views_and_write_queries_become_lineage(synced, make_user):
    engineer, _ = make_user("engineer")
    with db.connection() as conn:
        conn.execute("CREATE VIEW platinum.lineage_probe_view AS SELECT vendor, sum(amount_php) AS spend"
                     " FROM gold.finance_expenses GROUP BY vendor")
    query_execution.execute_all(engineer, "CREATE TABLE platinum.lineage_probe_table AS"
                                          " SELECT vendor_id, vendor_name FROM silver.vendors")
    try:
        catalog_sync.sync(embed=False)
        edges = _edges()
        assert ("gold.finance_expenses", "platinum.lineage_probe_view", "view") in edges
        assert ("silver.vendors", "platinum.lineage_probe_table", "query") in edges
        sources = lineage_graph.column_sources(engineer, "platinum.lineage_probe_view", "spend", depth=1)
        assert [(s.table, s.column) for s in sources] == [("gold.finance_expenses", "amount_php")]
    finally:
        with db.connection() as conn:
            conn.execute("DROP VIEW IF EXISTS platinum.lineage_probe_view")
            conn.execute("DROP TABLE IF EXISTS platinum.lineage_probe_table")
        catalog_sync.sync(embed=False)
    assert not any("lineage_probe" in b for _a, b, _o in _edges())


def test_a_refresh_with_nothing_new_rewrites_nothing(synced):
    with db.connection() as conn:
        before = conn.execute("SELECT array_agg(id ORDER BY id) FROM ip_workbench.lineage").fetchone()[0]
        lineage_store.refresh(conn)
        after = conn.execute("SELECT array_agg(id ORDER BY id) FROM ip_workbench.lineage").fetchone()[0]
    assert before == after


def test_manual_edges_are_for_engineers_and_admins(synced, make_user):
    engineer, _ = make_user("engineer")
    viewer, _ = make_user("viewer")
    with pytest.raises(PermissionDenied):
        lineage_store.add_manual_edge(viewer, "gold.vendor_monthly_spend", "platinum.bir_withholding_summary")
    with pytest.raises(InvalidInput, match="no column"):
        lineage_store.add_manual_edge(engineer, "silver.vendors", "gold.vendor_monthly_spend",
                                      columns=[("nope", "vendor")])
    key = lineage_store.add_manual_edge(engineer, "silver.employees", "gold.vendor_monthly_spend",
                                        columns=[("full_name", "vendor")], note="reimbursements to staff")
    catalog_sync.sync(embed=False)  # a refresh keeps what people added
    assert ("silver.employees", "gold.vendor_monthly_spend", "manual") in _edges()
    sources = lineage_graph.column_sources(engineer, "gold.vendor_monthly_spend", "vendor", depth=1)
    assert ("silver.employees", "full_name") in {(s.table, s.column) for s in sources}
    lineage_store.remove_manual_edge(engineer, key)
    assert ("silver.employees", "gold.vendor_monthly_spend", "manual") not in _edges()
    with pytest.raises(NotFound):
        lineage_store.remove_manual_edge(engineer, key)


def test_cli_impact_json(synced):
    import json

    from tests.services.test_cli import _run

    result = _run("lineage", "impact", "silver.expenses.amount", "--depth", "3", "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["start"] == "silver.expenses.amount"
    assert {"table": "gold.finance_expenses", "column": "amount_php", "depth": 1,
            "path": ["silver.expenses.amount", "gold.finance_expenses.amount_php"]} in printed["columns"]
    assert any(t["table"] == "gold.vendor_monthly_spend" for t in printed["tables"])
    assert _run("lineage", "impact", "silver").returncode != 0


def test_cli_adds_and_removes_a_manual_edge(synced):
    from tests.services.test_cli import _run

    added = _run("lineage", "add", "silver.employees", "gold.vendor_monthly_spend", "--column",
                 "full_name:vendor", "--note", "staff reimbursements")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("manual:") and ("silver.employees", "gold.vendor_monthly_spend", "manual") in _edges()
    assert _run("lineage", "add", "silver.employees", "gold.vendor_monthly_spend", "--column", "oops"
                ).returncode != 0
    assert _run("lineage", "remove", key).returncode == 0
    assert ("silver.employees", "gold.vendor_monthly_spend", "manual") not in _edges()
