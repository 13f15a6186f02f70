"""Catalog › a schema and Catalog › a column, on their own addresses: the schema tree expands to its tables
and leads to the schema's page; a column's name leads to its page with type, profile, lineage and tests."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from services.catalog import schema_detail
from services.core import db
from services.quality import column_detail
from services.quality import profile as profiles
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_schema_tree_expands_and_opens_the_schema_page(page: Page, make_user):
    user, password = make_user("viewer")
    expected = schema_detail.schema_detail(user, "silver")
    with db.connection() as conn:
        silver = [r[0] for r in conn.execute("SELECT table_name FROM ip_workbench.tables WHERE schema_name = 'silver'"
                                             " ORDER BY table_name")]
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=Catalog")
    page.click("#schema-silver")
    expect(page.locator(".schema-tree-table")).to_have_text(silver)
    page.click("#schema-details-link")
    expect(page).to_have_url(re.compile(r"/catalog/schemas/silver/?$"))
    expect(page.locator("#schema-detail-name")).to_have_text("silver")
    expect(page.locator("#schema-detail-count")).to_have_text(str(len(silver)))
    expect(page.locator("#schema-detail-rows")).to_have_text(f"{expected.total_rows:,}")
    expect(page.locator(".schema-table-row")).to_have_count(len(silver))
    assert expected.lineage_in and expected.lineage_out  # bronze feeds silver, silver feeds gold
    expect(page.locator("#schema-lineage-in .schema-edge")).to_have_count(len(expected.lineage_in))
    expect(page.locator("#schema-lineage-out .schema-edge")).to_have_count(len(expected.lineage_out))
    expect(page.locator("#schema-lineage-in")).to_contain_text(expected.lineage_in[0].source)
    screenshot(page, "schema-detail")


def test_a_column_page_shows_type_profile_lineage_and_tests(page: Page, make_user):
    user, password = make_user("engineer")
    profiles.profile(user, "gold.finance_expenses")
    expected = column_detail.column_detail(user, "gold.finance_expenses", "amount")
    assert expected.tests and expected.sources  # the demo's tests on amount; it comes from silver
    sign_in(page, user.email, password, path="/login?next=/catalog?table=gold.finance_expenses")
    page.locator(".column-name a", has_text=re.compile(r"^amount$")).click()
    expect(page).to_have_url(re.compile(r"/catalog/columns/gold\.finance_expenses/amount/?$"))
    expect(page.locator("#column-detail-name")).to_have_text("gold.finance_expenses.amount")
    expect(page.locator("#column-detail-type")).to_have_text(expected.column.data_type)
    expect(page.locator("#column-profile")).to_contain_text("Nulls")
    expect(page.locator("#column-sources .column-flow")).to_have_count(len(expected.sources))
    expect(page.locator(".column-test-row")).to_have_count(len(expected.tests))
    expect(page.locator(".column-test-row").first).to_contain_text(expected.tests[0].name)
    screenshot(page, "column-detail")


def test_an_unknown_column_says_so(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, password, path="/login?next=/catalog/columns/gold.finance_expenses/no_such")
    expect(page.locator("#column-detail-error")).to_have_text("gold.finance_expenses has no column no_such.")
