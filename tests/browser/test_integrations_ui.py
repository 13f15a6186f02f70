"""Settings › Integrations in Chromium: an admin configures Odoo (the key is masked afterwards and never on the
page), tests the connection, pulls expense categories into bronze and reads them in the catalog's sample tab;
an engineer is sent Home with a message."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from devtools.odoo_peer import OdooPeer, running_odoo, seed_demo
from services.core import db
from services.integrations import odoo
from tests.browser.conftest import screenshot, sign_in


def _signed_in(page: Page, email: str, password: str) -> None:
    sign_in(page, email, password)
    expect(page.locator("#user-name")).to_be_visible()


def test_an_admin_configures_odoo_tests_it_and_pulls_into_bronze(page: Page, make_user):
    admin, password = make_user("admin")
    table = f"bronze.odoo_categories_{uuid.uuid4().hex[:6]}"
    with running_odoo(seed_demo(OdooPeer(), expenses=10)) as odoo:
        odoo.api_key = f"key-{uuid.uuid4().hex}"
        _signed_in(page, admin.email, password)
        page.locator("#sidebar .nav-link", has_text="Integrations").click()
        expect(page.locator("#odoo-card")).to_be_visible()
        expect(page.locator("#providers-empty")).to_be_visible()
        page.fill("#odoo-url", odoo.url)
        page.fill("#odoo-database", odoo.database)
        page.fill("#odoo-login", odoo.login)
        page.fill("#odoo-key", odoo.api_key)
        page.locator("#odoo-save").click()
        expect(page.locator("#integrations-notice")).to_contain_text("Odoo saved (API key ••••" + odoo.api_key[-4:])
        expect(page.locator("#odoo-badge")).to_have_text("configured")
        expect(page.locator("#odoo-key")).to_have_value("")
        expect(page.locator("#odoo-key")).to_have_attribute("placeholder", "••••" + odoo.api_key[-4:]
                                                           + " (leave empty to keep)")
        assert odoo.api_key not in page.content()
        page.locator("#odoo-test").click()
        expect(page.locator("#odoo-test-message")).to_contain_text("Connected to Odoo 17.0 as user 7")
        page.locator("#pull-model").click()
        page.get_by_role("option", name="hr.expense.category").click()
        page.fill("#pull-target", table)
        page.locator("#odoo-pull").click()
        expect(page.locator("#pull-message")).to_contain_text("12 fetched, 12 inserted, 0 rejected", timeout=60_000)
        screenshot(page, "integrations")
    page.goto(f"/catalog?table={table}")
    expect(page.locator("#detail-name")).to_have_text(table)
    page.click("#tab-sample")
    expect(page.locator("#sample-table tbody tr")).to_have_count(12)
    expect(page.locator("#sample-table")).to_contain_text('{"id": 1, "code": "MEAL", "name": "Meals & Entertainment"')
    screenshot(page, "integrations-pulled-sample")


def test_an_engineer_is_sent_home(page: Page, make_user):
    engineer, password = make_user("engineer")
    _signed_in(page, engineer.email, password)
    expect(page.locator("#sidebar .nav-link", has_text="Integrations")).to_have_count(0)
    page.goto("/settings/integrations")
    expect(page.locator("body")).to_contain_text("You cannot open Settings › Integrations", timeout=20_000)


def test_an_admin_adds_an_llm_provider_whose_key_stays_masked(page: Page, make_user):
    from devtools.openai_peer import running_peer

    admin, password = make_user("admin")
    name, key = f"peer-{uuid.uuid4().hex[:6]}", f"sk-{uuid.uuid4().hex}"
    with running_peer() as peer:
        _signed_in(page, admin.email, password)
        page.goto("/settings/integrations")
        page.fill("#provider-name", name)
        page.fill("#provider-kind", "openai")
        page.fill("#provider-models", f"openai/{name}")
        page.fill("#provider-base", peer.url)
        page.fill("#provider-key", key)
        page.locator("#provider-save").click()
        expect(page.locator("#integrations-notice")).to_contain_text(f"Provider {name} saved (key ••••{key[-4:]})")
        row = page.locator(".provider-row", has_text=name)
        expect(row).to_contain_text("••••" + key[-4:])
        expect(page.locator("#provider-key")).to_have_value("")
        page.reload()
        expect(page.locator(".provider-row", has_text=name)).to_contain_text("••••" + key[-4:])
        assert key not in page.content()
        page.locator(".provider-row", has_text=name).get_by_role("button", name="Test").click()
        expect(page.locator("#provider-message")).to_contain_text(f"openai/{name} answered in")
        assert peer.authorizations[-1] == f"Bearer {key}"
        screenshot(page, "integrations-providers")
        page.locator(".provider-row", has_text=name).get_by_role("button", name="Delete").click()
        expect(page.locator(".provider-row", has_text=name)).to_have_count(0)
    page.fill("#langfuse-base", "http://127.0.0.1:9")  # nowhere: no trace may leave the machine
    page.fill("#langfuse-public", "pk-lf-page")
    page.fill("#langfuse-secret", "sk-lf-page-secret-9876")
    page.locator("#langfuse-save").click()
    expect(page.locator("#integrations-notice")).to_contain_text("Langfuse saved (secret key ••••9876)")
    expect(page.locator("#langfuse-source")).to_have_text("settings")
    expect(page.locator("#langfuse-secret")).to_have_attribute("placeholder", "••••9876 (leave empty to keep)")
    assert "sk-lf-page-secret-9876" not in page.content()
    with db.connection() as conn:  # traces from the other tests must not go to this made-up host
        conn.execute("DELETE FROM ip_workbench.integrations WHERE name = 'langfuse'")
        conn.execute("DELETE FROM ip_workbench.secrets WHERE name = 'langfuse.secret_key'")


def test_an_admin_wires_n8n_in_and_out(page: Page, make_user):
    admin, password = make_user("admin")
    name = f"n8n {uuid.uuid4().hex[:6]}"
    _signed_in(page, admin.email, password)
    page.goto("/settings/integrations")
    expect(page.locator(".endpoint-row", has_text="finance_medallion")).to_contain_text(
        'curl -X POST "$WORKBENCH_URL/api/pipelines/')
    page.locator("#create-service-key").click()
    expect(page.locator("#service-key")).to_contain_text("wbk_")
    key = page.locator("#service-key").inner_text()
    page.fill("#webhook-name", name)
    page.fill("#webhook-url", "http://127.0.0.1:9/webhook/secret-path-123")
    page.locator("#event-0").click()  # pipeline_run.finished too
    page.locator("#add-webhook").click()
    expect(page.locator("#integrations-notice")).to_contain_text(
        f"Webhook {name} (http://127.0.0.1:9/…) gets pipeline_run.failed, dq_test.failed, pipeline_run.finished")
    expect(page.locator(".webhook-row", has_text=name)).to_contain_text("http://127.0.0.1:9/…")
    assert "secret-path-123" not in page.content()
    screenshot(page, "integrations-n8n")
    page.locator(".webhook-row", has_text=name).get_by_role("button", name="Delete").click()
    expect(page.locator(".webhook-row", has_text=name)).to_have_count(0)
    page.reload()
    expect(page.locator("#n8n-card")).to_be_visible()
    assert key not in page.content()  # shown once
    channel = f"ops{uuid.uuid4().hex[:6]}"
    page.fill("#channel-name", channel)
    page.fill("#channel-url", "json://127.0.0.1:9/alerts/channel-secret-456")
    page.locator("#add-channel").click()
    expect(page.locator("#alerts-notice")).to_contain_text("stored encrypted")
    expect(page.locator("#channels-card #channels")).to_contain_text(channel)
    assert "channel-secret-456" not in page.content()


def test_an_engineer_builds_a_pipeline_that_pulls_from_odoo(page: Page, make_user):
    admin = make_user("admin")[0]
    engineer, password = make_user("engineer")
    name = f"odoo_ui_{uuid.uuid4().hex[:6]}"
    target = f"bronze.{name}_partners"
    with running_odoo(seed_demo(OdooPeer(), expenses=5)) as odoo_server:
        odoo.configure(admin, odoo_server.url, odoo_server.database, odoo_server.login, odoo_server.api_key)
        _signed_in(page, engineer.email, password)
        page.goto("/pipelines")
        page.click("#new-pipeline")
        page.fill("#new-pipeline-name", name)
        page.fill("#new-pipeline-domain", "finance")
        page.click("#create-pipeline")
        expect(page.locator("#palette-bronze")).to_be_visible()
        page.drag_and_drop("#palette-bronze", "#pipeline-canvas .react-flow__pane", target_position={"x": 80, "y": 120})
        page.locator("#node-bronze_1").click()
        page.fill("#node-target", target)
        page.fill("#node-odoo-model", "res.partner")
        page.fill("#node-odoo-fields", "name, city")
        page.fill("#node-odoo-domain", '[["city", "=", "Makati"]]')
        page.click("#validate")
        expect(page.locator("#editor-message")).to_have_text("All eight checks passed.")
        page.click("#save")
        expect(page.locator("#editor-message")).to_have_text("Saved version 1.")
        page.reload()
        page.locator("#node-bronze_1").click()
        expect(page.locator("#node-odoo-model")).to_have_value("res.partner")
        expect(page.locator("#node-odoo-domain")).to_have_value('[["city", "=", "Makati"]]')
        page.click("#run-now")
        page.click("#open-run")
        expect(page.locator("#run-status")).to_have_text("completed", timeout=120_000)
        expect(page.locator("#run-nodes")).to_contain_text("pulled res.partner from Odoo")
        screenshot(page, "pipeline-odoo-node-run")
    makati = sum(1 for r in odoo_server.records["res.partner"].values() if r["city"] == "Makati")
    with db.connection() as conn:
        assert conn.execute(f"SELECT count(*) FROM {target}").fetchone()[0] == makati > 0
