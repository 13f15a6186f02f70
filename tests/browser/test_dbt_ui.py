"""dbt in the browser: the catalog shows dbt descriptions with their badge (an engineer re-imports the
pipeline's artifacts through the Import dbt dialog; a viewer reads but imports nothing); the failed dbt test's
detail shows dbt's message; the pipeline editor shows the dbt node's project."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.dbt_shop import ENGINEER, PASSWORD, PIPELINE

pytestmark = pytest.mark.browser


def _signed_in(page: Page, email: str, password: str) -> None:
    sign_in(page, email, password)
    expect(page.locator("#user-name")).to_be_visible()


def test_the_catalog_shows_dbt_descriptions_and_an_engineer_imports(page: Page, dbt_shop):
    _signed_in(page, ENGINEER, PASSWORD)
    page.goto("/catalog?table=silver.stg_customers")
    expect(page.locator("#table-description")).to_have_text(
        "One row per customer, names joined and emails lower-cased.")
    expect(page.locator("#dbt-badge")).to_have_text("dbt")
    expect(page.locator("#dbt-origin")).to_contain_text("model.workbench_shop.stg_customers")
    email = page.locator(".column-row", has_text="Lower-cased email address.")
    expect(email.locator(".column-dbt-badge")).to_be_visible()
    expect(page.locator("#table-detail")).to_contain_text("dana@workbench.local")
    screenshot(page, "catalog-dbt")
    page.locator("#open-dbt-import").click()
    dialog = page.locator("#dbt-import")
    expect(dialog).to_be_visible()
    page.locator("#dbt-upload input[type=file]").set_input_files(
        [str(dbt_shop.artifacts / "manifest.json"), str(dbt_shop.artifacts / "run_results.json")])
    expect(page.locator("#dbt-selected")).to_contain_text("run_results.json")
    page.locator("#dbt-import-files").click()
    expect(page.locator("#dbt-summary")).to_contain_text("workbench_shop: 5 models, 2 seeds, 1 snapshots",
                                                         timeout=60_000)
    expect(page.locator("#dbt-summary")).to_contain_text("nothing had changed")
    expect(page.locator("#dbt-projects")).to_contain_text("workbench_shop")
    page.fill("#dbt-folder", "../elsewhere")
    page.locator("#dbt-import-folder").click()
    expect(page.locator("#dbt-error")).to_contain_text("outside it")
    screenshot(page, "catalog-dbt-import")


def test_a_viewer_reads_dbt_docs_but_cannot_import(page: Page, dbt_shop, make_user):
    viewer, password = make_user("viewer")
    _signed_in(page, viewer.email, password)
    page.goto("/catalog?table=gold.customer_orders")
    expect(page.locator("#table-description")).to_contain_text("Lifetime value and orders per customer")
    expect(page.locator("#dbt-badge")).to_be_visible()
    expect(page.locator("#open-dbt-import")).to_have_count(0)


def test_a_failed_dbt_test_shows_dbt_s_message(page: Page, dbt_shop, make_user):
    viewer, password = make_user("viewer")
    _signed_in(page, viewer.email, password)
    page.goto("/quality/results?table=gold.customer_orders")
    failed = page.locator(".result-row", has_text="assert_every_customer_has_ordered")
    expect(failed).to_contain_text("failed")
    expect(failed.locator(".result-dbt-badge")).to_be_visible()
    page.goto("/quality/results?table=silver.stg_payments")
    expect(page.locator(".result-row", has_text="accepted_values_stg_payments_payment_method")).to_contain_text(
        "warn")
    page.goto("/quality/results?table=gold.customer_orders")
    page.locator(".result-row", has_text="assert_every_customer_has_ordered").locator(".result-link").click()
    expect(page.locator("#detail-dbt-message")).to_contain_text("Got 1 result, configured to fail if != 0")
    expect(page.locator("#detail-dbt")).to_contain_text("test.workbench_shop.assert_every_customer_has_ordered")
    expect(page.locator("#test-detail")).to_contain_text("lifetime_value <= 0")
    expect(page.locator("#detail-dbt-log")).to_contain_text("Failure in test assert_every_customer_has_ordered")
    expect(page.locator("#detail-remediation")).to_contain_text("Read dbt's message")
    screenshot(page, "quality-dbt-test-detail")


def test_the_pipeline_editor_shows_the_dbt_node(page: Page, dbt_shop):
    _signed_in(page, ENGINEER, PASSWORD)
    page.goto(f"/pipelines/editor?name={PIPELINE.replace(' ', '%20')}")
    page.locator(".react-flow__node", has_text="Silver Transform (dbt)").click()
    expect(page.locator("#node-dbt-project")).to_have_value("shop")
    expect(page.locator(".react-flow__node", has_text="Silver Transform (dbt)")).to_contain_text("dbt build shop")
    expect(page.locator("#node-target")).to_have_count(0)
    expect(page.locator("#node-sql")).to_have_count(0)
    screenshot(page, "pipeline-editor-dbt")


def test_lineage_draws_the_dbt_edges(page: Page, dbt_shop, make_user):
    viewer, password = make_user("viewer")
    _signed_in(page, viewer.email, password)
    page.goto("/lineage?table=gold.customer_orders")
    edge = page.locator(".react-flow__edge[data-id='silver.stg_payments->gold.customer_orders']")
    expect(edge).to_have_count(1, timeout=30_000)
    edge.dispatch_event("click")
    expect(page.locator("#edge-path")).to_have_text("silver.stg_payments → gold.customer_orders")
    step = page.locator(".edge-step").first
    expect(step).to_contain_text("dbt")
    expect(step).to_contain_text("order_payments")  # dbt's compiled SQL
    screenshot(page, "lineage-dbt")
