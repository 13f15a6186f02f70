"""Data Quality in the browser, Flow 4: an admin opens the scorecards (gold first), opens gold.finance_expenses,
reads its dimensions, opens the failed not_null test (SQL, why, sample rows, remediation), follows Lineage,
and assigns an owner, who is emailed through an owner_assigned rule (a real SMTP server on 127.0.0.1). An
engineer runs the tests through the queue. A viewer sees it all read-only and no Alerts page. An admin adds
a channel and a rule on the Alerts page and sends a test notification to a real HTTP receiver."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from services.activity import alert_rules, channels
from services.core import db
from services.identity import users
from tests.browser.conftest import screenshot, sign_in
from tests.receivers import http_receiver, smtp_receiver

pytestmark = pytest.mark.browser
GOLD = "gold.finance_expenses"


def _signed_in(page: Page, email: str, password: str) -> None:
    sign_in(page, email, password)
    expect(page.locator("#user-name")).to_be_visible()


def _wait_for_delivery(rule: str, timeout_s: float = 60) -> str:
    deadline = time.monotonic() + timeout_s
    status = "missing"
    while time.monotonic() < deadline:
        with db.connection() as conn:
            row = conn.execute("SELECT status FROM ip_workbench.alert_deliveries WHERE rule_name = %s"
                               " ORDER BY id DESC LIMIT 1", (rule,)).fetchone()
        status = row[0] if row else "missing"
        if status in ("sent", "failed"):
            return status
        time.sleep(0.5)
    return status


def test_flow_4_an_admin_audits_gold_quality(page: Page, make_user):
    admin, password = make_user("admin")
    new_owner, _ = make_user("engineer", name="Olive Owner")
    with smtp_receiver() as (port, inbox):
        channel = channels.add_channel(admin, f"mail-{uuid.uuid4().hex[:6]}",
                                       f"mailto://127.0.0.1:{port}?from=workbench@example.com&to=team@example.com")
        rule = alert_rules.add_rule(admin, f"owners-{uuid.uuid4().hex[:6]}", event="owner_assigned",
                                    channel=channel.name, table=GOLD, cooldown_minutes=0)
        sign_in(page, admin.email, password)
        page.locator("#sidebar .nav-link", has_text="Scorecards").click()
        expect(page).to_have_url(re.compile(r"/quality$"))
        cards = page.locator("#scorecards .dq-card")
        expect(cards.first).to_contain_text("gold")  # gold first
        gold = page.locator(".dq-card", has_text=GOLD)
        expect(gold).to_contain_text("not_null_vendor_id")
        expect(gold).to_contain_text("category_in_chart_of_accounts")
        expect(gold.locator(".recharts-surface")).to_be_visible()
        screenshot(page, "quality-scorecards")
        gold.click()
        expect(page.locator("#scorecard-table")).to_have_text(GOLD)
        dimensions = page.locator("#dimensions")
        for name in ("completeness", "uniqueness", "consistency"):
            expect(dimensions).to_contain_text(name)
        expect(page.locator(".dimension-card", has_text="uniqueness")).to_contain_text("100%")
        failed = page.locator("#table-results .result-row", has_text="not_null_vendor_id")
        expect(failed).to_contain_text("failed")
        expect(failed).to_contain_text("98.0%")
        expect(page.locator("#score-history .recharts-surface")).to_be_visible()
        screenshot(page, "quality-table")
        failed.locator(".result-link").click()
        detail = page.locator("#test-detail")
        expect(detail).to_contain_text("IS NULL")
        expect(page.locator("#detail-message")).to_contain_text("failing rows of 100,000")
        expect(page.locator("#detail-remediation")).to_contain_text("Fill the missing values")
        expect(page.locator("#detail-sample")).to_contain_text("NULL")
        screenshot(page, "quality-test-detail")
        page.locator("#detail-lineage").click()
        expect(page).to_have_url(re.compile(r"/lineage\?table=gold\.finance_expenses"))
        expect(page.locator("body")).to_contain_text("silver.expenses", timeout=30_000)
        page.go_back()
        expect(page.locator("#scorecard-table")).to_have_text(GOLD)
        page.fill("#owner-input", new_owner.email)
        page.locator("#assign-owner").click()
        expect(page.locator("#table-notice")).to_contain_text("now owns")
        expect(page.locator("#owner-line")).to_contain_text(new_owner.email)
        assert _wait_for_delivery(rule.name) == "sent"  # the app's worker sent it
    assert [recipients for recipients, _message in inbox] == [[new_owner.email]]
    assert GOLD in inbox[0][1]["Subject"]


def test_an_engineer_runs_the_tests_through_the_queue(page: Page, make_user):
    engineer, password = make_user("engineer")
    _signed_in(page, engineer.email, password)
    page.goto(f"/quality/table?name={GOLD}")
    expect(page.locator("#scorecard-table")).to_have_text(GOLD)
    page.locator("#run-tests").click()
    expect(page.locator("#table-notice")).to_contain_text("Tests ran: 2 of 11 failed", timeout=60_000)
    page.goto("/quality/results")
    page.locator("#results-status").click()
    page.get_by_role("option", name="failed").click()
    rows = page.locator("#results .result-row")
    expect(rows.first).to_contain_text("failed")
    expect(page.locator("#results")).not_to_contain_text("passed")
    screenshot(page, "quality-results")


def test_a_viewer_reads_quality_but_configures_nothing(page: Page, make_user):
    viewer, password = make_user("viewer")
    _signed_in(page, viewer.email, password)
    page.goto(f"/quality/table?name={GOLD}")
    expect(page.locator("#scorecard-table")).to_have_text(GOLD)
    expect(page.locator("#table-results .result-row").first).to_be_visible()
    for control in ("#run-tests", "#profile-now", "#assign-owner", "#save-slo", "#save-schedule"):
        expect(page.locator(control)).to_have_count(0)
    expect(page.get_by_role("link", name="Alerts")).to_have_count(0)
    screenshot(page, "quality-table-viewer")
    page.goto("/quality/alerts")
    expect(page.locator("body")).to_contain_text("You cannot open Data Quality › Alerts", timeout=20_000)


def test_an_admin_adds_a_channel_and_a_rule_and_sends_a_test(page: Page, make_user):
    admin, password = make_user("admin")
    name = f"hook-{uuid.uuid4().hex[:6]}"
    with http_receiver() as peer:
        _signed_in(page, admin.email, password)
        page.goto("/quality/alerts")
        page.fill("#channel-name", name)
        page.fill("#channel-url", f"json://127.0.0.1:{peer.port}/alerts/secret-path")
        page.locator("#add-channel").click()
        expect(page.locator("#alerts-notice")).to_contain_text("stored encrypted")
        expect(page.locator("#channels")).to_contain_text(name)
        page.locator(f"#test-{name}").click()
        expect(page.locator("#alerts-notice")).to_contain_text("A test notification went to")
        expect(page.locator("#deliveries .delivery-row").first).to_contain_text("sent")
        page.fill("#rule-name", f"low-{name}")
        page.locator("#rule-event").click()
        page.get_by_role("option", name="score_below").click()
        page.fill("#rule-threshold", "90")
        page.fill("#rule-table", GOLD)
        page.locator("#add-rule").click()
        expect(page.locator("#alerts-notice")).to_contain_text("score_below")
        expect(page.locator("#rules")).to_contain_text(f"low-{name}")
        page.fill("#rule-name", "bad")
        page.fill("#rule-threshold", "")
        page.locator("#add-rule").click()
        expect(page.locator("#alerts-error")).to_contain_text("needs a threshold")
        screenshot(page, "quality-alerts")
    assert peer.posts and peer.posts[0].path == "/alerts/secret-path"
    assert users.find_by_email(admin.email) is not None
