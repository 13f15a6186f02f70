"""Lineage & Graph in the browser: the medallion chain, a column traced back, impact, detail, exports."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from services.catalog import sync as catalog_sync
from services.core import db
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def lineage_page(page: Page, make_user) -> Page:
    catalog_sync.sync(embed=False)
    user, password = make_user("viewer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    return page


def _node(page: Page, name: str):
    return page.locator(".react-flow__node", has_text=re.compile(rf"^{re.escape(name)}$"))


def test_the_chain_of_the_finance_mart_from_the_catalog(lineage_page: Page):
    page = lineage_page
    page.goto("/catalog?table=gold.finance_expenses")
    page.click("#tab-lineage")
    expect(page.locator("#lineage-upstream")).to_contain_text("silver.expenses")
    expect(page.locator("#lineage-downstream")).to_contain_text("gold.vendor_monthly_spend")
    page.click("#action-lineage")
    expect(page).to_have_url(re.compile(r"/lineage\?table=gold\.finance_expenses"))
    expect(page.locator("#lineage-center")).to_have_text("gold.finance_expenses")
    for name in ("bronze.odoo_expense_events", "silver.expenses", "gold.finance_expenses",
                 "gold.vendor_monthly_spend"):
        expect(_node(page, name)).to_be_visible()
    # Left to right: bronze, then silver, then gold.
    x = {n: _node(page, n).bounding_box()["x"] for n in ("bronze.odoo_expense_events", "silver.expenses",
                                                         "gold.finance_expenses", "gold.vendor_monthly_spend")}
    assert x["bronze.odoo_expense_events"] < x["silver.expenses"] < x["gold.finance_expenses"] \
        < x["gold.vendor_monthly_spend"]
    expect(page.locator(".react-flow__node.layer-bronze").first).to_be_visible()
    screenshot(page, "lineage-graph")
    # Impact card: what a change here would reach.
    expect(page.locator("#impact-card")).to_contain_text("gold.vendor_monthly_spend")
    # A click on a node shows its detail.
    _node(page, "silver.expenses").click()
    expect(page.locator("#selected-node")).to_have_text("silver.expenses")


def test_amount_php_traced_to_silver_amount_and_currency(lineage_page: Page):
    page = lineage_page
    page.goto("/lineage?table=gold.finance_expenses")
    expect(page.locator("#lineage-center")).to_have_text("gold.finance_expenses")
    page.click("#trace-column")
    page.get_by_role("option", name="amount_php", exact=True).click()
    tree = page.locator("#column-tree")
    expect(tree).to_contain_text("silver.expenses.amount")
    expect(tree).to_contain_text("silver.expenses.currency")
    expect(tree).to_contain_text("bronze.odoo_expense_events.payload")
    screenshot(page, "lineage-column-tree")


def test_edge_detail_shows_the_path_and_its_sql(lineage_page: Page):
    page = lineage_page
    page.goto("/lineage?table=gold.finance_expenses")
    edge = page.locator(".react-flow__edge[data-id='silver.expenses->gold.finance_expenses']")
    expect(edge).to_have_count(1)
    edge.dispatch_event("click")
    expect(page.locator("#edge-path")).to_have_text("silver.expenses → gold.finance_expenses")
    expect(page.locator(".edge-step").first).to_contain_text("INSERT INTO gold.finance_expenses")
    screenshot(page, "lineage-edge-detail")


def test_json_export_matches_the_database(lineage_page: Page, tmp_path):
    page = lineage_page
    page.goto("/lineage?table=gold.finance_expenses")
    expect(_node(page, "silver.expenses")).to_be_visible()
    with page.expect_download() as download:
        page.click("#export-json")
    saved = tmp_path / "lineage.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text())
    edges = {(e["source"], e["target"]) for e in exported["edges"]}
    names = {n["table"] for n in exported["nodes"]}
    with db.connection() as conn:
        stored = {(a, b) for a, b in conn.execute(
            "SELECT DISTINCT s.schema_name || '.' || s.table_name, t.schema_name || '.' || t.table_name"
            " FROM ip_workbench.lineage l JOIN ip_workbench.tables s ON s.id = l.source_table_id"
            " JOIN ip_workbench.tables t ON t.id = l.target_table_id")}
    assert edges and edges <= stored
    assert {(a, b) for a, b in stored if a in names and b in names} == edges
    assert ("silver.expenses", "gold.finance_expenses") in edges
    with page.expect_download() as png:
        page.click("#export-png")
    png_path = tmp_path / "lineage.png"
    png.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("#export-svg")
    svg_path = tmp_path / "lineage.svg"
    svg.value.save_as(svg_path)
    assert "<svg" in svg_path.read_text()[:500]


def test_filters_depth_and_recentre(lineage_page: Page):
    page = lineage_page
    page.goto("/lineage?table=gold.finance_expenses")
    expect(_node(page, "bronze.odoo_expense_events")).to_be_visible()
    page.click("#layer-bronze")
    expect(_node(page, "bronze.odoo_expense_events")).to_have_count(0)
    page.click("#layer-bronze")
    page.click("#lineage-depth")
    page.get_by_role("option", name="1", exact=True).click()
    expect(_node(page, "bronze.odoo_expense_events")).to_have_count(0)
    expect(_node(page, "silver.expenses")).to_be_visible()
    _node(page, "silver.expenses").click()
    page.click("#recenter")
    expect(page.locator("#lineage-center")).to_have_text("silver.expenses")
    expect(_node(page, "bronze.odoo_expense_events")).to_be_visible()


def test_an_engineer_adds_and_removes_an_edge_a_viewer_cannot(lineage_page: Page, make_user, browser, app_url):
    viewer_page = lineage_page
    viewer_page.goto("/lineage?table=gold.vendor_monthly_spend")
    expect(viewer_page.locator("#lineage-center")).to_have_text("gold.vendor_monthly_spend")
    expect(viewer_page.locator("#add-edge")).to_have_count(0)
    context = browser.new_context(base_url=app_url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    engineer, password = make_user("engineer")
    sign_in(page, engineer.email, password)
    expect(page.locator("#user-role")).to_have_text("engineer")
    page.goto("/lineage?table=gold.vendor_monthly_spend")
    expect(page.locator("#lineage-center")).to_have_text("gold.vendor_monthly_spend")
    page.click("#add-edge")
    expect(_node(page, "bronze.odoo_vendor_events")).to_have_count(0)  # three hops away: not shown at depth 2
    page.fill("#edge-source", "bronze.odoo_vendor_events")
    page.fill("#edge-columns", "payload:nope")
    page.click("#edge-save")
    expect(page.locator("#edge-error")).to_contain_text("no column nope")
    page.fill("#edge-columns", "payload:vendor")
    page.fill("#edge-note", "names corrected by hand from the raw feed")
    page.click("#edge-save")
    expect(_node(page, "bronze.odoo_vendor_events")).to_be_visible()
    edge = page.locator(".react-flow__edge[data-id='bronze.odoo_vendor_events->gold.vendor_monthly_spend']")
    edge.dispatch_event("click")
    expect(page.locator(".edge-step").first).to_contain_text("names corrected by hand")
    screenshot(page, "lineage-manual-edge")
    page.locator(".remove-edge").first.click()
    expect(_node(page, "bronze.odoo_vendor_events")).to_have_count(0)
    context.close()
