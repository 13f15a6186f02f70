"""AI Assist in the browser, Flow 3 (its first half): an engineer creates an agent in the New Agent modal,
deploys it (trigger URL and n8n workflow), runs it on the local model through the app's worker, and reads the
run panel (status, output, tokens, cost, model, steps). A viewer gets no agent pages."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from services.agents import registry
from services.identity.operator import current_operator
from services.llm import prices
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _signed_in(page: Page, email: str, password: str) -> None:
    sign_in(page, email, password)
    expect(page.locator("#user-name")).to_be_visible()


def test_flow_3_create_deploy_run_and_read_the_panel(page: Page, make_user):
    prices.set_price(current_operator(), "openai/workbench-local", 0.1, 0.4)  # a notional price: costs show
    engineer, password = make_user("engineer")
    name = f"BIR Tax Calculator {uuid.uuid4().hex[:4]}"
    _signed_in(page, engineer.email, password)
    page.locator("#sidebar .nav-link", has_text="Agent Registry").click()
    page.locator("#new-agent").click()
    page.fill("#agent-name", name)
    page.fill("#agent-description", "Withholding tax questions")
    page.fill("#agent-budget", "0.50")
    page.locator("#create-agent").click()
    expect(page.locator("#agents-notice")).to_contain_text("created (version 1)")
    row = page.locator(".agent-row", has_text=name)
    expect(row).to_contain_text("sql_query, calculator")
    row.get_by_role("button", name="Deploy").click()
    expect(page.locator("#agents-notice")).to_contain_text("is deployed: POST /api/agents/")
    expect(page.locator("#n8n-workflow")).to_be_visible()
    row.get_by_role("button", name="Config").click()  # the Agent Config modal: a new version
    expect(page.locator("#agent-max-tokens")).to_have_value("512")
    page.fill("#agent-max-tokens", "lots")
    page.locator("#create-agent").click()
    expect(page.locator("#agent-error")).to_contain_text("whole numbers")
    page.fill("#agent-max-tokens", "300")
    page.fill("#agent-temperature", "0.1")
    page.locator("#agent-tool-calling").click()
    page.get_by_role("option", name="json").click()
    page.locator("#create-agent").click()
    expect(page.locator("#agents-notice")).to_contain_text("updated (version 2)")
    assert registry.get(engineer, name).spec.max_tokens == 300
    assert registry.get(engineer, name).spec.tool_calling == "json"
    row.get_by_role("button", name="Test").click()
    page.fill("#sample-prompt", "What is 1234 * 3? Use the calculator.")
    page.locator("#sample-kind").click()
    page.get_by_role("option", name="number").click()
    page.fill("#sample-expected", "3702")
    page.locator("#add-sample").click()
    expect(page.locator("#samples .sample-row")).to_have_count(1)
    page.locator("#run-samples").click()
    # The verdict is the local model's to earn; the page must show one, with the run's answer.
    expect(page.locator("#test-summary")).to_have_text(re.compile(r"^[01] of 1 samples pass$"), timeout=240_000)
    expect(page.locator("#samples .sample-row").first.locator(".rt-Badge")).to_have_text(re.compile("pass|fail"))
    screenshot(page, "agents-test-modal")
    page.locator("#test-modal").get_by_role("button", name="Close").click()
    expect(page.locator("#test-modal")).to_have_count(0)  # closed, not fading out in the screenshot
    screenshot(page, "agents-registry")
    page.locator("#run-agent").click()
    page.get_by_role("option", name=name).click()
    page.fill("#run-prompt", "Use the calculator to compute 1234 * 3, then answer with the result.")
    page.locator("#start-run").click()
    expect(page.locator("#run-status")).to_have_text("completed", timeout=240_000)
    expect(page.locator("#run-output")).to_contain_text("3702")
    expect(page.locator("#run-model")).to_contain_text("openai/workbench-local")
    expect(page.locator("#run-cost")).to_contain_text("$0.0")
    expect(page.locator(".agent-step").first).to_contain_text("model")
    screenshot(page, "agents-run-panel")
    page.goto("/agents/runs")
    expect(page.locator(".agent-run-row", has_text=name)).to_have_count(2)  # the sample run and this one
    expect(page.locator(".agent-run-row", has_text=name).first).to_contain_text("completed")


def test_a_viewer_has_no_agent_pages(page: Page, make_user):
    viewer, password = make_user("viewer")
    _signed_in(page, viewer.email, password)
    expect(page.locator("#sidebar .nav-link", has_text="Agent Registry")).to_have_count(0)
    page.goto("/agents")
    expect(page.locator("body")).to_contain_text("You cannot open AI Assist › Agent Registry", timeout=20_000)


def test_an_admin_watches_observability_and_cost_tracking(page: Page, make_user):
    admin, password = make_user("admin")
    _signed_in(page, admin.email, password)
    page.locator("#sidebar .nav-link", has_text="Observability").click()
    expect(page.locator("#kpi-rpm")).not_to_have_text("")
    expect(page.locator("#last-requests")).to_contain_text("openai/workbench-local")  # the Flow 3 run's calls
    expect(page.locator("#breakers")).to_contain_text("openai/workbench-local")
    expect(page.locator("#per-model .recharts-bar-rectangle").first).to_be_visible()
    screenshot(page, "observability")
    page.locator("#sidebar .nav-link", has_text="Cost Tracking").click()
    expect(page.locator("#cost-total")).to_contain_text("$")
    expect(page.locator("#by-model")).to_contain_text("openai/workbench-local")
    page.locator("#budget-scope").click()
    page.get_by_role("option", name="service").click()
    page.fill("#budget-key", "llm")
    page.fill("#budget-amount", "25")
    page.locator("#save-budget").click()
    expect(page.locator("#costs-notice")).to_contain_text("Budget for service llm: $25 a month")
    expect(page.locator("#budgets")).to_contain_text("llm")
    page.fill("#price-in", "abc")
    page.fill("#price-out", "1")
    page.locator("#save-price").click()
    expect(page.locator("#costs-error")).to_contain_text("Prices are numbers")
    page.fill("#rate-usd", "-1")
    page.locator("#save-rate").click()
    expect(page.locator("#costs-error")).to_contain_text("between 0")
    page.fill("#rate-usd", "0.5")
    page.locator("#save-rate").click()
    expect(page.locator("#costs-notice")).to_contain_text("pipeline_run_minute: $0.5")
    expect(page.locator("#rates")).to_contain_text("$0.5")
    screenshot(page, "cost-tracking")
    page.fill("#rate-usd", "0")  # rates are global: leave them free for the other tests
    page.locator("#save-rate").click()
    expect(page.locator("#rates")).not_to_contain_text("$0.5")
