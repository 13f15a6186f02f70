"""Catalog in the browser: find by a synonym from the header, read, edit, favorite, export DDL, query."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from services.catalog import sync as catalog_sync
from services.catalog import tables as catalog
from services.core import db
from services.core.errors import PermissionDenied
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

TABLE = "gold.vendor_monthly_spend"


def _signed_in(page: Page, role: str, make_user):
    user, password = make_user(role)
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    return user


def _open(page: Page, table: str) -> None:
    page.goto(f"/catalog?table={table}")
    expect(page.locator("#detail-name")).to_have_text(table)


def test_synonym_search_from_the_header_opens_the_table(page: Page, make_user):
    _signed_in(page, "viewer", make_user)
    page.fill("#header-search", "supplier spend")
    suggestions = page.locator(".search-suggestion")
    expect(suggestions.first).to_contain_text(TABLE)
    screenshot(page, "catalog-header-suggestions")
    suggestions.first.click()
    expect(page).to_have_url(re.compile(r"/catalog\?table=gold\.vendor_monthly_spend"))
    expect(page.locator("#detail-name")).to_have_text(TABLE)
    # The columns the database has, with types and keys.
    with db.connection() as conn:
        expected = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'gold'"
            " AND table_name = 'vendor_monthly_spend' ORDER BY ordinal_position")]
    expect(page.locator("#column-list .column-name")).to_have_text(expected)
    expect(page.locator("#column-list")).to_contain_text("numeric")
    expect(page.locator("#stat-rows")).not_to_have_text("—")
    screenshot(page, "catalog-table-detail")


def test_enter_in_the_header_lists_every_result(page: Page, make_user):
    _signed_in(page, "viewer", make_user)
    page.fill("#header-search", "staff")
    page.press("#header-search", "Enter")
    expect(page).to_have_url(re.compile(r"/catalog\?q=staff"))
    expect(page.locator("#catalog-search-results")).to_contain_text("employee")


@pytest.fixture
def vendors_descriptions_restored(operator):
    """Leave silver.vendors as the demo has it for the tests that follow."""
    yield
    catalog.edit_table(operator, "silver.vendors", description="")
    catalog.edit_column(operator, "silver.vendors", "vendor_name", "")


def test_engineer_edits_descriptions_viewer_cannot(page: Page, make_user, browser, app_url,
                                                   vendors_descriptions_restored):
    engineer = _signed_in(page, "engineer", make_user)
    _open(page, "silver.vendors")
    page.click("#edit-description")
    page.fill("#description-input", "Every supplier we pay, one row each (edited in the browser).")
    page.click("#save-description")
    expect(page.locator("#table-description")).to_have_text(
        "Every supplier we pay, one row each (edited in the browser).")
    assert catalog.get_table(engineer, "silver.vendors").description.endswith("(edited in the browser).")
    page.locator(".column-row", has_text="vendor_name").locator(".edit-column").click()
    page.fill("#column-description-input", "Legal name as registered in Odoo")
    page.click("#save-column-description")
    expect(page.locator(".column-row", has_text="vendor_name")).to_contain_text("Legal name as registered in Odoo")
    screenshot(page, "catalog-engineer-edit")

    viewer_context = browser.new_context(base_url=app_url, viewport={"width": 1400, "height": 900})
    viewer_page = viewer_context.new_page()
    viewer = _signed_in(viewer_page, "viewer", make_user)
    _open(viewer_page, "silver.vendors")
    expect(viewer_page.locator("#table-description")).to_contain_text("edited in the browser")
    expect(viewer_page.locator("#edit-description")).to_have_count(0)
    expect(viewer_page.locator(".edit-column")).to_have_count(0)
    expect(viewer_page.locator("#sync-catalog")).to_have_count(0)
    viewer_context.close()
    with pytest.raises(PermissionDenied):
        catalog.edit_table(viewer, "silver.vendors", description="viewer was here")
    assert "viewer" not in catalog.get_table(viewer, "silver.vendors").description


def test_favorites_come_first(page: Page, make_user):
    _signed_in(page, "viewer", make_user)
    page.goto("/catalog")
    first = page.locator(".catalog-row").first
    expect(first).not_to_contain_text("silver.vendors")
    _open(page, "silver.vendors")
    page.click("#favorite-toggle")
    expect(page.locator("#catalog-notice")).to_contain_text("added to your favorites")
    page.click("#back-to-list")
    expect(page.locator(".catalog-row").first).to_contain_text("silver.vendors")
    screenshot(page, "catalog-list-favorite")


def test_export_ddl_modal_and_download(page: Page, make_user, tmp_path):
    _signed_in(page, "engineer", make_user)
    _open(page, TABLE)
    page.click("#action-ddl")
    expect(page.locator("#ddl-text")).to_contain_text('CREATE TABLE "gold"."vendor_monthly_spend"')
    screenshot(page, "catalog-export-ddl")
    with page.expect_download() as download:
        page.click("#ddl-download")
    saved = tmp_path / "ddl.sql"
    download.value.save_as(saved)
    text = saved.read_text()
    assert 'CREATE TABLE "gold"."vendor_monthly_spend"' in text and "COMMENT ON TABLE" in text


def test_query_action_opens_the_editor_with_a_select(page: Page, make_user):
    _signed_in(page, "viewer", make_user)
    _open(page, TABLE)
    page.click("#action-query")
    expect(page).to_have_url(re.compile(r"/sql\?table="))
    editor = page.locator(".cm-content")
    expect(editor).to_contain_text("FROM gold.vendor_monthly_spend")
    page.click("#run-sql")
    expect(page.locator("#result-summary")).to_contain_text(re.compile(r"\d+ rows in \d+ ms"))
    screenshot(page, "catalog-query-action")


def test_sample_rows_schema_tree_sorting_and_exact_count(page: Page, make_user):
    _signed_in(page, "viewer", make_user)
    page.goto("/catalog")
    with db.connection() as conn:
        gold = conn.execute("SELECT count(*) FROM ip_workbench.tables WHERE schema_name = 'gold'").fetchone()[0]
        biggest = conn.execute("SELECT schema_name || '.' || table_name FROM ip_workbench.tables"
                               " ORDER BY size_bytes DESC NULLS LAST LIMIT 1").fetchone()[0]
    page.click("#schema-gold")
    expect(page.locator("#catalog-range")).to_have_text(f"1–{gold} of {gold}")
    page.click("#schema-all")
    page.click("#sort-size")
    expect(page.locator(".catalog-row").first).to_contain_text(biggest)
    _open(page, "silver.expenses")
    page.click("#tab-sample")
    expect(page.locator("#sample-note")).to_contain_text("20 rows")
    expect(page.locator("#sample-table tbody tr")).to_have_count(20)
    page.click("#count-exactly")
    with db.connection() as conn:
        exact = conn.execute("SELECT count(*) FROM silver.expenses").fetchone()[0]
    expect(page.locator("#stat-rows")).to_have_text(f"{exact:,}")
    screenshot(page, "catalog-sample-rows")


def test_engineer_syncs_with_progress_and_a_new_table_appears(page: Page, make_user):
    _signed_in(page, "engineer", make_user)
    with db.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS platinum.browser_sync_probe (id int PRIMARY KEY, label text)")
    try:
        page.goto("/catalog")
        page.click("#sync-catalog")
        expect(page.locator("#catalog-notice")).to_contain_text("Catalog synced")
        expect(page.locator("#last-sync")).to_contain_text("manual, completed")
        page.click("#schema-platinum")
        expect(page.locator("#catalog-list")).to_contain_text("platinum.browser_sync_probe")
    finally:
        with db.connection() as conn:
            conn.execute("DROP TABLE IF EXISTS platinum.browser_sync_probe")
        catalog_sync.sync()
