"""Home (PRD 3.1): the PRD's quick actions per role, KPI cards with their 7-day change that open their page,
and Recent Activity with queries, pipeline runs and agent runs, each opening its detail."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from services.activity import kpis
from services.sql import execution as query_execution
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

QUICK = {
    "viewer": ["Run Query", "Browse the catalog"],
    "engineer": ["New Pipeline", "Run Query", "Ask Genie", "Browse the catalog"],
    "admin": ["New Pipeline", "Run Query", "Ask Genie", "Browse the catalog", "Add a user", "Review audit log"],
}


@pytest.mark.parametrize("role", ["viewer", "engineer", "admin"])
def test_quick_actions_are_the_prds_for_each_role(page: Page, make_user, role):
    user, password = make_user(role)
    sign_in(page, user.email, password)
    expect(page.locator("#quick-actions a")).to_have_text(QUICK[role])


def test_kpi_cards_carry_their_trend_and_open_their_page(page: Page, make_user):
    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    now = kpis.kpis(user)
    expect(page.locator("#kpi-trend-pipelines")).to_have_text(
        f"+{now.pipelines_added:,} in 7 days" if now.pipelines_added else "none added in 7 days")
    expect(page.locator("#kpi-trend-agents")).to_have_text(
        f"+{now.agents_added:,} in 7 days" if now.agents_added else "none added in 7 days")
    page.locator(".kpi-link", has=page.locator("#kpi-pipelines")).click()
    expect(page).to_have_url(re.compile(r"/pipelines/?$"))


def test_a_viewers_agent_card_does_not_link_to_a_page_they_cannot_open(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-agents")).to_be_visible()
    expect(page.locator(".kpi-link", has=page.locator("#kpi-agents"))).to_have_count(0)
    expect(page.locator(".kpi-link", has=page.locator("#kpi-tables"))).to_have_count(1)


def test_recent_activity_shows_my_query_and_opens_it_in_the_editor(page: Page, make_user):
    user, password = make_user("engineer")
    marker = uuid.uuid4().hex[:8]
    query_execution.execute_all(user, f"SELECT '{marker}' AS marker", source="editor")
    sign_in(page, user.email, password)
    row = page.locator(".activity-row", has_text=marker)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("query")
    expect(row).to_contain_text("completed")
    screenshot(page, "home-activity")
    row.locator(".activity-link").click()
    expect(page).to_have_url(re.compile(r"/sql\?sql="))
    expect(page.locator(".cm-content")).to_contain_text(marker)


def test_another_users_query_is_not_in_my_activity(page: Page, make_user):
    someone, _ = make_user("engineer")
    marker = uuid.uuid4().hex[:8]
    query_execution.execute_all(someone, f"SELECT '{marker}' AS private", source="editor")
    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    expect(page.locator(".activity-row").first).to_be_visible()
    expect(page.locator(".activity-row", has_text=marker)).to_have_count(0)
